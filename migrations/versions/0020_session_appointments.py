"""Scheduled mediation sessions: time, place, who is invited, the notices sent

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-01 19:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'session_appointments',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('starts_at', sa.DateTime(), nullable=False),
        sa.Column('place', sa.String(length=128), nullable=False),
        sa.Column('party_ids', sa.JSON(), nullable=False),
        sa.Column('other_invitees', sa.String(length=255), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('sms_requested', sa.Boolean(), nullable=False),
        sa.Column('scheduled_by_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('cancelled_at', sa.DateTime(), nullable=True),
        sa.Column('cancelled_by_id', sa.Integer(), nullable=True),
        sa.Column('cancel_reason', sa.Text(), nullable=True),
        sa.CheckConstraint(
            "(cancelled_at IS NULL AND cancelled_by_id IS NULL AND cancel_reason IS NULL) OR "
            "(cancelled_at IS NOT NULL AND cancelled_by_id IS NOT NULL AND cancel_reason IS NOT NULL)",
            name=op.f('ck_session_appointments_cancelled_complete')),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_session_appointments_case_id_cases'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['scheduled_by_id'], ['users.id'],
                                name=op.f('fk_session_appointments_scheduled_by_id_users')),
        sa.ForeignKeyConstraint(['cancelled_by_id'], ['users.id'],
                                name=op.f('fk_session_appointments_cancelled_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_session_appointments')),
    )
    op.create_index(op.f('ix_session_appointments_case_id'), 'session_appointments', ['case_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_session_appointments_case_id'), table_name='session_appointments')
    op.drop_table('session_appointments')
