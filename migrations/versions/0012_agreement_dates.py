"""Agreement signing and effective dates, performance deadline; outcomes as versions

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 13:55:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


COLUMNS = ('signed_on', 'effective_on', 'performance_due_on')


def upgrade():
    # Agreements recorded before these dates were kept leave them empty: their signing day is not
    # known, and their confirmation window keeps counting from the closing day (core.deadlines).
    for table in ('case_outcomes', 'case_outcome_history'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in COLUMNS:
                batch_op.add_column(sa.Column(column, sa.Date(), nullable=True))
    # Statistics count a period's closings from the history too (a reopen never changes a closed period).
    with op.batch_alter_table('case_outcome_history', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_outcome_history_closed_at'), ['closed_at'], unique=False)


def downgrade():
    with op.batch_alter_table('case_outcome_history', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_outcome_history_closed_at'))
    for table in ('case_outcome_history', 'case_outcomes'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in reversed(COLUMNS):
                batch_op.drop_column(column)
