"""Phone and ID numbers stored normalised beside what was typed

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 13:55:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('parties', schema=None) as batch_op:
        batch_op.add_column(sa.Column('phone_typed', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('id_number_typed', sa.String(length=32), nullable=True))
    # Until now only 11-digit mobiles and 18-character IDs were taken, stored with spaces and
    # dashes removed: the stored value is the nearest thing to what was typed that is left.
    op.execute("UPDATE parties SET phone_typed = phone, id_number_typed = id_number")


def downgrade():
    with op.batch_alter_table('parties', schema=None) as batch_op:
        batch_op.drop_column('id_number_typed')
        batch_op.drop_column('phone_typed')
