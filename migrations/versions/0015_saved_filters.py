"""Saved queue filters per user (placeholder: filled by the lists work)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01 15:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
