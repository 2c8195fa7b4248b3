"""Party ethnicity (民族) for the agreement's party table; the weekly handout's issue number (期号)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01 15:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('parties', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ethnicity', sa.String(length=16), nullable=True))
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('issue_number', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.drop_column('issue_number')
    with op.batch_alter_table('parties', schema=None) as batch_op:
        batch_op.drop_column('ethnicity')
