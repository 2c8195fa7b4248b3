"""Case-file reviews per closing: case_reviews.closed_at, unique (case_id, closed_at)

A review belongs to one closing of a case, so that a reopen leaves the review (and a reviewer's
adjustment) of the closing it undid in the month it counted in, and the file closed again is
reviewed afresh.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-02 12:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None

# Every closing of every case: the current outcomes and the earlier ones a reopen moved to the history.
CLOSINGS = ("(SELECT case_id, closed_at FROM case_outcomes "
            "UNION ALL SELECT case_id, closed_at FROM case_outcome_history)")


def upgrade():
    with op.batch_alter_table('case_reviews', schema=None) as batch_op:
        batch_op.add_column(sa.Column('closed_at', sa.DateTime(), nullable=True))
    # The closing each existing review was computed of: the case's last closing at the time it was
    # computed (a review computed before a reopen is of the closing the reopen undid); failing that
    # (clocks), the current closing, else the last earlier one. A review of no closing at all cannot be.
    op.execute(f"UPDATE case_reviews SET closed_at = (SELECT MAX(c.closed_at) FROM {CLOSINGS} c "
               "WHERE c.case_id = case_reviews.case_id AND c.closed_at <= case_reviews.computed_at)")
    op.execute("UPDATE case_reviews SET closed_at = (SELECT o.closed_at FROM case_outcomes o "
               "WHERE o.case_id = case_reviews.case_id) WHERE closed_at IS NULL")
    op.execute("UPDATE case_reviews SET closed_at = (SELECT MAX(h.closed_at) FROM case_outcome_history h "
               "WHERE h.case_id = case_reviews.case_id) WHERE closed_at IS NULL")
    op.execute("DELETE FROM case_reviews WHERE closed_at IS NULL")
    with op.batch_alter_table('case_reviews', schema=None) as batch_op:
        batch_op.alter_column('closed_at', existing_type=sa.DateTime(), nullable=False)
        batch_op.drop_constraint(batch_op.f('uq_case_reviews_case_id'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_case_reviews_case_id_closed_at'), ['case_id', 'closed_at'])
        batch_op.create_index(batch_op.f('ix_case_reviews_closed_at'), ['closed_at'], unique=False)


def downgrade():
    # One review per case again: the current closing's where there is one, else the latest.
    op.execute("DELETE FROM case_reviews WHERE EXISTS (SELECT 1 FROM case_reviews later "
               "WHERE later.case_id = case_reviews.case_id AND later.closed_at > case_reviews.closed_at)")
    with op.batch_alter_table('case_reviews', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_reviews_closed_at'))
        batch_op.drop_constraint(batch_op.f('uq_case_reviews_case_id_closed_at'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_case_reviews_case_id'), ['case_id'])
        batch_op.drop_column('closed_at')
