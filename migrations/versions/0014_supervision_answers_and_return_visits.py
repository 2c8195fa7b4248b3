"""Supervision answers (督办反馈), scheduled return visits with method and satisfaction, risk evidence

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 15:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    # The earlier case behind a risk reason (同一当事人180天内曾发生纠纷 → which case), by reason code.
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('risk_evidence', sa.JSON(), nullable=True))

    with op.batch_alter_table('supervisions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('answer', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('answered_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('answered_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_supervisions_answered_by_id_users'), 'users',
                                    ['answered_by_id'], ['id'])
        batch_op.create_index(batch_op.f('ix_supervisions_answered_at'), ['answered_at'], unique=False)

    # A return visit is scheduled at closing and recorded later: until then it has no visit, finding
    # or visitor. Rows from before were all recorded visits and keep their values.
    with op.batch_alter_table('return_visits', schema=None) as batch_op:
        batch_op.add_column(sa.Column('due_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('scheduled_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('method', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('satisfaction', sa.String(length=24), nullable=True))
        batch_op.alter_column('visited_at', existing_type=sa.DateTime(), nullable=True)
        batch_op.alter_column('visited_by_id', existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column('performance', existing_type=sa.String(length=16), nullable=True)
        batch_op.create_foreign_key(batch_op.f('fk_return_visits_scheduled_by_id_users'), 'users',
                                    ['scheduled_by_id'], ['id'])
        batch_op.create_check_constraint(
            batch_op.f('ck_return_visits_visited_has_finding'), 'visited_at IS NULL OR (performance IS NOT NULL AND visited_by_id IS NOT NULL)')


def downgrade():
    # Visits still to make have no finding: they cannot stay in the older, all-recorded table.
    op.execute("DELETE FROM return_visits WHERE visited_at IS NULL")
    with op.batch_alter_table('return_visits', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_return_visits_visited_has_finding'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_return_visits_scheduled_by_id_users'), type_='foreignkey')
        batch_op.alter_column('performance', existing_type=sa.String(length=16), nullable=False)
        batch_op.alter_column('visited_by_id', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('visited_at', existing_type=sa.DateTime(), nullable=False)
        batch_op.drop_column('satisfaction')
        batch_op.drop_column('method')
        batch_op.drop_column('scheduled_by_id')
        batch_op.drop_column('due_on')

    with op.batch_alter_table('supervisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_supervisions_answered_at'))
        batch_op.drop_constraint(batch_op.f('fk_supervisions_answered_by_id_users'), type_='foreignkey')
        batch_op.drop_column('answered_by_id')
        batch_op.drop_column('answered_at')
        batch_op.drop_column('answer')

    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('risk_evidence')
