"""Supervision answers, scheduled return visits (placeholder: filled by the case work)

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
    pass


def downgrade():
    pass
