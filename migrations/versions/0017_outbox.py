"""Outbound messages: the outbox, and the channels' callback settings

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01 15:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'outbox_messages',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('delivery_id', sa.String(length=36), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('target', sa.String(length=255), nullable=False),
        sa.Column('event_id', sa.String(length=128), nullable=False),
        sa.Column('payload', sa.JSON(), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', sa.DateTime(), nullable=True),
        sa.Column('last_attempt_at', sa.DateTime(), nullable=True),
        sa.Column('last_error', sa.String(length=500), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('done_at', sa.DateTime(), nullable=True),
        sa.CheckConstraint("status IN ('pending', 'sent', 'recorded', 'failed')",
                           name=op.f('ck_outbox_messages_status_known')),
        sa.CheckConstraint("kind IN ('sms', 'callback')", name=op.f('ck_outbox_messages_kind_known')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_messages')),
        sa.UniqueConstraint('delivery_id', name=op.f('uq_outbox_messages_delivery_id')),
        sa.UniqueConstraint('target', 'event_id', name=op.f('uq_outbox_messages_target_event_id')),
    )
    op.create_index('ix_outbox_messages_due', 'outbox_messages', ['status', 'next_attempt_at'], unique=False)
    op.create_table(
        'channel_callbacks',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('channel', sa.String(length=24), nullable=False),
        sa.Column('url', sa.String(length=500), nullable=False),
        sa.Column('secret', sa.String(length=128), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_channel_callbacks')),
        sa.UniqueConstraint('channel', name=op.f('uq_channel_callbacks_channel')),
    )


def downgrade():
    op.drop_table('channel_callbacks')
    op.drop_index('ix_outbox_messages_due', table_name='outbox_messages')
    op.drop_table('outbox_messages')
