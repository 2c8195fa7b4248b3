"""Duplicate suggestions look for cases of the same village within 30 days: one index for both

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 11:15:00

"""
from alembic import op


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_cases_village_received', 'cases', ['village_id', 'received_at'], unique=False)


def downgrade():
    op.drop_index('ix_cases_village_received', table_name='cases')
