"""Monthly screening reports (矛盾纠纷排查, 零上报) of the village committees

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-01 19:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('screening_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('office_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('nil_report', sa.Boolean(), nullable=False),
    sa.Column('disputes_found', sa.Integer(), nullable=False),
    sa.Column('mediated', sa.Integer(), nullable=False),
    sa.Column('in_progress', sa.Integer(), nullable=False),
    sa.Column('risks_and_hazards', sa.Text(), nullable=False),
    sa.Column('key_disputes', sa.Text(), nullable=False),
    sa.Column('submitted_by_id', sa.Integer(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(), nullable=False),
    sa.Column('revised_by_id', sa.Integer(), nullable=True),
    sa.Column('revised_at', sa.DateTime(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint('disputes_found >= 0 AND mediated >= 0 AND in_progress >= 0',
                       name=op.f('ck_screening_reports_counts_not_negative')),
    sa.CheckConstraint('mediated + in_progress <= disputes_found', name=op.f('ck_screening_reports_mediated_within_found')),
    sa.CheckConstraint("NOT nil_report OR (disputes_found = 0 AND risks_and_hazards = '' AND key_disputes = '')",
                       name=op.f('ck_screening_reports_nil_is_empty')),
    sa.ForeignKeyConstraint(['office_id'], ['offices.id'], name=op.f('fk_screening_reports_office_id_offices')),
    sa.ForeignKeyConstraint(['revised_by_id'], ['users.id'], name=op.f('fk_screening_reports_revised_by_id_users')),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['users.id'], name=op.f('fk_screening_reports_submitted_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_screening_reports')),
    sa.UniqueConstraint('office_id', 'month', name=op.f('uq_screening_reports_office_id_month'))
    )
    op.create_index('ix_screening_reports_month', 'screening_reports', ['month'], unique=False)

    # The town's due day (day 25) and reminder lead (3 days): one row an admin edits at /screening/settings.
    op.create_table('screening_settings',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('due_day', sa.Integer(), nullable=False),
    sa.Column('remind_days', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('id = 1', name=op.f('ck_screening_settings_single_row')),
    sa.CheckConstraint('due_day >= 1 AND due_day <= 28', name=op.f('ck_screening_settings_due_day_range')),
    sa.CheckConstraint('remind_days >= 0 AND remind_days <= 27', name=op.f('ck_screening_settings_remind_days_range')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_screening_settings_updated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_screening_settings'))
    )
    op.execute("INSERT INTO screening_settings (id, due_day, remind_days) VALUES (1, 25, 3)")


def downgrade():
    op.drop_table('screening_settings')
    op.drop_index('ix_screening_reports_month', table_name='screening_reports')
    op.drop_table('screening_reports')
