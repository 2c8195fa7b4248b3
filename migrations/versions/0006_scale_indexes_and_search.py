"""City scale: indexes the queue, detail, sweep and reports need; the search terms table

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 11:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

QUEUE_ORDER_SQL = "coalesce(next_deadline, '9999-12-31 23:59:59')"
QUEUE_FILTERS = ("status", "village_id", "channel", "category", "mediator_id", "lead_office_id")


def upgrade():
    op.create_table('case_search_terms',
    sa.Column('term', sa.String(length=40), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_search_terms_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('term', 'case_id', name=op.f('pk_case_search_terms'))
    )
    op.create_index(op.f('ix_case_search_terms_case_id'), 'case_search_terms', ['case_id'], unique=False)
    op.create_index(op.f('ix_case_outcomes_closed_at'), 'case_outcomes', ['closed_at'], unique=False)
    op.create_index(op.f('ix_cases_external_ref'), 'cases', ['external_ref'], unique=False)
    op.create_index(op.f('ix_cases_merged_into_id'), 'cases', ['merged_into_id'], unique=False)
    op.create_index(op.f('ix_cases_received_at'), 'cases', ['received_at'], unique=False)
    op.create_index(op.f('ix_parties_id_number'), 'parties', ['id_number'], unique=False)
    op.create_index('ix_cases_queue', 'cases', [sa.text(QUEUE_ORDER_SQL), sa.text('id DESC')], unique=False)
    for column in QUEUE_FILTERS:
        op.create_index(f'ix_cases_queue_{column}', 'cases', [column, sa.text(QUEUE_ORDER_SQL), sa.text('id DESC')],
                        unique=False)
    # Existing cases get their terms from the application: `flask search reindex`.


def downgrade():
    for column in QUEUE_FILTERS:
        op.drop_index(f'ix_cases_queue_{column}', table_name='cases')
    op.drop_index('ix_cases_queue', table_name='cases')
    op.drop_index(op.f('ix_parties_id_number'), table_name='parties')
    op.drop_index(op.f('ix_cases_received_at'), table_name='cases')
    op.drop_index(op.f('ix_cases_merged_into_id'), table_name='cases')
    op.drop_index(op.f('ix_cases_external_ref'), table_name='cases')
    op.drop_index(op.f('ix_case_outcomes_closed_at'), table_name='case_outcomes')
    op.drop_index(op.f('ix_case_search_terms_case_id'), table_name='case_search_terms')
    op.drop_table('case_search_terms')
