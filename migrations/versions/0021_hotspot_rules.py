"""Hotspot warnings (热点预警): rule thresholds as data, and the warnings each week found

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-01 19:00:00

Adds `cases.address_key` (the compound, lane or house an address names) and `parties.name_key`
(a respondent organisation's name written one way), backfilled in batches with the same Python
functions registration uses (core/addresses.py, core/hotspots.py).
"""
from alembic import op
import sqlalchemy as sa

from mediation.core.addresses import address_key
from mediation.core.hotspots import DEFAULTS, RULE_CODES, party_name_key


revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None

BATCH = 5000
_RULE_LIST = ", ".join(f"'{code}'" for code in RULE_CODES)


def upgrade():
    rules = op.create_table(
        'hotspot_rules',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=32), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('min_count', sa.Integer(), nullable=False),
        sa.Column('window_weeks', sa.Integer(), nullable=False),
        sa.Column('factor', sa.Numeric(precision=5, scale=2), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=True),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.CheckConstraint(f"code IN ({_RULE_LIST})", name=op.f('ck_hotspot_rules_code_known')),
        sa.CheckConstraint('min_count >= 1', name=op.f('ck_hotspot_rules_min_count_positive')),
        sa.CheckConstraint('window_weeks >= 1', name=op.f('ck_hotspot_rules_window_positive')),
        sa.CheckConstraint('factor IS NULL OR factor >= 1', name=op.f('ck_hotspot_rules_factor_at_least_one')),
        sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_hotspot_rules_updated_by_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_hotspot_rules')),
        sa.UniqueConstraint('code', name=op.f('uq_hotspot_rules_code')),
    )
    op.bulk_insert(rules, [{"code": code, "active": True, "min_count": DEFAULTS[code].min_count,
                            "window_weeks": DEFAULTS[code].window_weeks, "factor": DEFAULTS[code].factor}
                           for code in RULE_CODES])
    op.create_table(
        'hotspot_warnings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('week', sa.Date(), nullable=False),
        sa.Column('rule', sa.String(length=32), nullable=False),
        sa.Column('key', sa.String(length=160), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.Column('case_ids', sa.JSON(), nullable=False),
        sa.Column('details', sa.JSON(), nullable=False),
        sa.Column('found_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_hotspot_warnings')),
        sa.UniqueConstraint('week', 'rule', 'key', name=op.f('uq_hotspot_warnings_week_rule_key')),
    )
    op.create_index(op.f('ix_hotspot_warnings_week'), 'hotspot_warnings', ['week'], unique=False)

    # Plain ADD COLUMN (no table rebuild on SQLite: a city's cases table is large).
    op.add_column('cases', sa.Column('address_key', sa.String(length=64), nullable=True))
    op.add_column('parties', sa.Column('name_key', sa.String(length=64), nullable=True))
    _backfill(op.get_bind())
    op.create_index('ix_cases_address_key_received', 'cases', ['address_key', 'received_at'], unique=False)
    op.create_index(op.f('ix_parties_name_key'), 'parties', ['name_key'], unique=False)


def _backfill(conn) -> None:
    """Existing rows get their keys in batches by id, with the functions registration uses."""
    cases = sa.table('cases', sa.column('id', sa.Integer), sa.column('address', sa.String),
                     sa.column('address_key', sa.String))
    parties = sa.table('parties', sa.column('id', sa.Integer), sa.column('name', sa.String),
                       sa.column('role', sa.String), sa.column('name_key', sa.String))
    last = 0
    while rows := conn.execute(sa.select(cases.c.id, cases.c.address).where(cases.c.id > last)
                               .order_by(cases.c.id).limit(BATCH)).all():
        last = rows[-1].id
        keyed = [{"row_id": r.id, "key": k} for r in rows if (k := address_key(r.address))]
        if keyed:
            conn.execute(cases.update().where(cases.c.id == sa.bindparam("row_id"))
                         .values(address_key=sa.bindparam("key")), keyed)
    last = 0
    while rows := conn.execute(sa.select(parties.c.id, parties.c.name, parties.c.role)
                               .where(parties.c.id > last, parties.c.role == 'respondent')
                               .order_by(parties.c.id).limit(BATCH)).all():
        last = rows[-1].id
        keyed = [{"row_id": r.id, "key": k} for r in rows if (k := party_name_key(r.role, r.name))]
        if keyed:
            conn.execute(parties.update().where(parties.c.id == sa.bindparam("row_id"))
                         .values(name_key=sa.bindparam("key")), keyed)


def downgrade():
    op.drop_index(op.f('ix_parties_name_key'), table_name='parties')
    op.drop_index('ix_cases_address_key_received', table_name='cases')
    with op.batch_alter_table('parties', schema=None) as batch_op:
        batch_op.drop_column('name_key')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('address_key')
    op.drop_index(op.f('ix_hotspot_warnings_week'), table_name='hotspot_warnings')
    op.drop_table('hotspot_warnings')
    op.drop_table('hotspot_rules')
