"""Spreadsheet imports confirmed in chunks: when a confirmation claimed the batch (a stale claim, of a
worker that was killed, may be taken over) and how many cases it has registered so far

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-01 22:30:00

"""
import sqlalchemy as sa
from alembic import op


revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('import_batches') as batch:
        batch.add_column(sa.Column('claimed_at', sa.DateTime(), nullable=True))
        batch.add_column(sa.Column('registered', sa.Integer(), nullable=False, server_default='0'))


def downgrade():
    with op.batch_alter_table('import_batches') as batch:
        batch.drop_column('registered')
        batch.drop_column('claimed_at')
