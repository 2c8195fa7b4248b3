"""Case-file review (卷宗评查): checklist scores, grades and adjustments; per-case subsidy rates (以案定补)

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-01 19:00:00

"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa


revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None

GRADES = "'excellent', 'pass', 'fail'"
# core.review's defaults as they were when this migration was written (a migration keeps its own copy).
ITEMS = (("registration_complete", 15, True), ("session_record", 20, True), ("agreement_contents", 25, True),
         ("return_visit", 15, False), ("confirmation_notice", 10, False), ("deadlines_met", 15, False))
THRESHOLDS = (("excellent", 90), ("pass", 60), ("fail", 0))
RATES = (("", "excellent", 300), ("", "pass", 200), ("", "fail", 0), ("征地拆迁", "excellent", 500),
         ("征地拆迁", "pass", 300))


def upgrade():
    items = op.create_table('review_items',
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('weight', sa.Integer(), nullable=False),
    sa.Column('mandatory', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('weight >= 0 AND weight <= 100', name=op.f('ck_review_items_weight_range')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_review_items'))
    )
    grades = op.create_table('review_grades',
    sa.Column('grade', sa.String(length=12), nullable=False),
    sa.Column('min_score', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint(f'grade IN ({GRADES})', name=op.f('ck_review_grades_grade_known')),
    sa.CheckConstraint('min_score >= 0 AND min_score <= 100', name=op.f('ck_review_grades_min_score_range')),
    sa.PrimaryKeyConstraint('grade', name=op.f('pk_review_grades'))
    )
    rates = op.create_table('subsidy_rates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=16), nullable=False),
    sa.Column('grade', sa.String(length=12), nullable=False),
    sa.Column('amount', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.CheckConstraint(f'grade IN ({GRADES})', name=op.f('ck_subsidy_rates_grade_known')),
    sa.CheckConstraint('amount >= 0', name=op.f('ck_subsidy_rates_amount_not_negative')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subsidy_rates')),
    sa.UniqueConstraint('category', 'grade', name=op.f('uq_subsidy_rates_category_grade'))
    )
    op.create_table('case_reviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('grade', sa.String(length=12), nullable=False),
    sa.Column('items', sa.JSON(), nullable=False),
    sa.Column('computed_at', sa.DateTime(), nullable=False),
    sa.Column('adjusted_grade', sa.String(length=12), nullable=True),
    sa.Column('adjusted_reason', sa.Text(), nullable=True),
    sa.Column('adjusted_by_id', sa.Integer(), nullable=True),
    sa.Column('adjusted_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint(f'grade IN ({GRADES})', name=op.f('ck_case_reviews_grade_known')),
    sa.CheckConstraint(f'adjusted_grade IS NULL OR adjusted_grade IN ({GRADES})',
                       name=op.f('ck_case_reviews_adjusted_grade_known')),
    sa.CheckConstraint('(adjusted_grade IS NULL AND adjusted_reason IS NULL AND adjusted_by_id IS NULL AND '
                       'adjusted_at IS NULL) OR (adjusted_grade IS NOT NULL AND adjusted_reason IS NOT NULL AND '
                       'adjusted_by_id IS NOT NULL AND adjusted_at IS NOT NULL)',
                       name=op.f('ck_case_reviews_adjustment_complete')),
    sa.ForeignKeyConstraint(['adjusted_by_id'], ['users.id'], name=op.f('fk_case_reviews_adjusted_by_id_users')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_reviews_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_reviews')),
    sa.UniqueConstraint('case_id', name=op.f('uq_case_reviews_case_id'))
    )
    op.create_index(op.f('ix_case_reviews_computed_at'), 'case_reviews', ['computed_at'], unique=False)

    now = datetime.now(timezone.utc).replace(tzinfo=None)  # naive UTC, as UTCDateTime stores it
    op.bulk_insert(items, [{"code": code, "weight": weight, "mandatory": mandatory, "active": True, "updated_at": now}
                           for code, weight, mandatory in ITEMS])
    op.bulk_insert(grades, [{"grade": grade, "min_score": score, "updated_at": now} for grade, score in THRESHOLDS])
    op.bulk_insert(rates, [{"category": category, "grade": grade, "amount": amount}
                           for category, grade, amount in RATES])


def downgrade():
    op.drop_index(op.f('ix_case_reviews_computed_at'), table_name='case_reviews')
    op.drop_table('case_reviews')
    op.drop_table('subsidy_rates')
    op.drop_table('review_grades')
    op.drop_table('review_items')
