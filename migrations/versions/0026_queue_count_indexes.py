"""The queue's capped count and counts per status for a village and for "my cases": (village, status)
and (mediator, status) indexes; the dashboard's open cases per office: (status, lead office)

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-01 20:05:00

"""
from alembic import op


revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_cases_village_status', 'cases', ['village_id', 'status'])
    op.create_index('ix_cases_mediator_status', 'cases', ['mediator_id', 'status'])
    op.create_index('ix_cases_status_lead_office', 'cases', ['status', 'lead_office_id'])


def downgrade():
    op.drop_index('ix_cases_status_lead_office', table_name='cases')
    op.drop_index('ix_cases_mediator_status', table_name='cases')
    op.drop_index('ix_cases_village_status', table_name='cases')
