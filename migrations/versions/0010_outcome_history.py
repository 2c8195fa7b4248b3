"""Outcomes kept as history: reopening supersedes, never deletes

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 12:20:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    # The case's foreign key has no ON DELETE: a case with earlier outcomes cannot be deleted.
    op.create_table('case_outcome_history',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.String(length=24), nullable=False),
    sa.Column('agreement_text', sa.Text(), nullable=True),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('performance_terms', sa.Text(), nullable=True),
    sa.Column('referred_to', sa.String(length=255), nullable=True),
    sa.Column('closed_at', sa.DateTime(), nullable=False),
    sa.Column('closed_by_id', sa.Integer(), nullable=False),
    sa.Column('reopened_at', sa.DateTime(), nullable=False),
    sa.Column('reopened_by_id', sa.Integer(), nullable=False),
    sa.Column('reopen_reason', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_outcome_history_case_id_cases')),
    sa.ForeignKeyConstraint(['closed_by_id'], ['users.id'], name=op.f('fk_case_outcome_history_closed_by_id_users')),
    sa.ForeignKeyConstraint(['reopened_by_id'], ['users.id'],
                            name=op.f('fk_case_outcome_history_reopened_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_outcome_history'))
    )
    with op.batch_alter_table('case_outcome_history', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_outcome_history_case_id'), ['case_id'], unique=False)


def downgrade():
    with op.batch_alter_table('case_outcome_history', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_outcome_history_case_id'))
    op.drop_table('case_outcome_history')
