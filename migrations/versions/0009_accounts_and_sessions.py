"""Accounts: temporary passwords, password age, server-side sessions, login attempts per address

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 12:20:00

"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users') as batch_op:
        batch_op.add_column(sa.Column('must_change_password', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column('password_changed_at', sa.DateTime(), nullable=True))
        batch_op.drop_column('session_nonce')
    # Existing accounts start their password age at the upgrade, not at account creation.
    users = sa.table('users', sa.column('password_changed_at', sa.DateTime()))
    op.execute(users.update().values(password_changed_at=datetime.now(timezone.utc).replace(tzinfo=None)))
    with op.batch_alter_table('users') as batch_op:
        batch_op.alter_column('password_changed_at', existing_type=sa.DateTime(), nullable=False)
    op.create_table(
        'user_sessions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('last_seen_at', sa.DateTime(), nullable=False),
        sa.Column('ended_at', sa.DateTime(), nullable=True),
        sa.Column('ended_reason', sa.String(length=16), nullable=True),
        sa.Column('ip', sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('token_hash'),
    )
    op.create_index('ix_user_sessions_user_id', 'user_sessions', ['user_id'], unique=False)
    op.create_table(
        'throttle_hits',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=128), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_throttle_hits_key_at', 'throttle_hits', ['key', 'at'], unique=False)


def downgrade():
    op.drop_index('ix_throttle_hits_key_at', table_name='throttle_hits')
    op.drop_table('throttle_hits')
    op.drop_index('ix_user_sessions_user_id', table_name='user_sessions')
    op.drop_table('user_sessions')
    with op.batch_alter_table('users') as batch_op:
        batch_op.add_column(sa.Column('session_nonce', sa.String(length=32), nullable=False,
                                      server_default='0000000000000000'))
        batch_op.drop_column('password_changed_at')
        batch_op.drop_column('must_change_password')
