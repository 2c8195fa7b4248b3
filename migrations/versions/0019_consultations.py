"""Consultations (难题会诊): questions to an office on a case, and their answers

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-01 19:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('consultations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('office_id', sa.Integer(), nullable=False),
    sa.Column('question', sa.Text(), nullable=False),
    sa.Column('asked_by_id', sa.Integer(), nullable=False),
    sa.Column('asked_at', sa.DateTime(), nullable=False),
    sa.Column('due_at', sa.DateTime(), nullable=False),
    sa.Column('answer', sa.Text(), nullable=True),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.Column('answered_at', sa.DateTime(), nullable=True),
    sa.Column('overdue_notified_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint('(answered_at IS NULL AND answer IS NULL AND answered_by_id IS NULL) OR '
                       '(answered_at IS NOT NULL AND answer IS NOT NULL AND answered_by_id IS NOT NULL)',
                       name=op.f('ck_consultations_answer_complete')),
    sa.ForeignKeyConstraint(['answered_by_id'], ['users.id'], name=op.f('fk_consultations_answered_by_id_users')),
    sa.ForeignKeyConstraint(['asked_by_id'], ['users.id'], name=op.f('fk_consultations_asked_by_id_users')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_consultations_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['office_id'], ['offices.id'], name=op.f('fk_consultations_office_id_offices')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consultations'))
    )
    op.create_index(op.f('ix_consultations_case_id'), 'consultations', ['case_id'], unique=False)
    op.create_index(op.f('ix_consultations_asked_by_id'), 'consultations', ['asked_by_id'], unique=False)
    op.create_index('ix_consultations_office_open', 'consultations', ['office_id', 'answered_at', 'due_at'],
                    unique=False)
    op.create_index('ix_consultations_open_due', 'consultations', ['answered_at', 'due_at'], unique=False)

    # DESIGN.md's default for an answer (难题会诊): 3 working days, as a row an admin edits
    # (core.deadlines.DEFAULT_PERIODS); a town that already entered one keeps it.
    op.execute("INSERT INTO deadline_policies (stage, channel, variant, days, unit) "
               "SELECT 'consultation', '', '', 3, 'working' WHERE NOT EXISTS (SELECT 1 FROM deadline_policies "
               "WHERE stage = 'consultation' AND channel = '' AND variant = '')")


def downgrade():
    op.execute("DELETE FROM deadline_policies WHERE stage = 'consultation'")
    op.drop_index('ix_consultations_open_due', table_name='consultations')
    op.drop_index('ix_consultations_office_open', table_name='consultations')
    op.drop_index(op.f('ix_consultations_asked_by_id'), table_name='consultations')
    op.drop_index(op.f('ix_consultations_case_id'), table_name='consultations')
    op.drop_table('consultations')
