"""Similar past cases (类案参考): the closed cases' term postings and document frequencies

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01 15:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('similar_terms',
    sa.Column('term', sa.String(length=16), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=16), nullable=False),
    sa.Column('weight', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_similar_terms_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('term', 'case_id', name=op.f('pk_similar_terms'))
    )
    op.create_index(op.f('ix_similar_terms_case_id'), 'similar_terms', ['case_id'], unique=False)
    op.create_table('similar_term_counts',
    sa.Column('term', sa.String(length=16), nullable=False),
    sa.Column('cases', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('term', name=op.f('pk_similar_term_counts'))
    )
    # Cases already closed get their terms from the application: `flask similar rebuild`.


def downgrade():
    op.drop_table('similar_term_counts')
    op.drop_index(op.f('ix_similar_terms_case_id'), table_name='similar_terms')
    op.drop_table('similar_terms')
