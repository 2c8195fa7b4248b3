"""Hotspot scans: one row per scanned week; respondents' name keys by the suffix rule

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-02 10:00:00

`hotspot_scans` records each week's scan (when, how many warnings, 0 included), so that a week
whose scan found nothing is not shown the week before's warnings. The weeks scanned before it
existed are the weeks with warnings: one row each, from their warnings.

`parties.name_key` was backfilled (0021) and stored at registration with the old test of an
organisation (a marker anywhere in the name: 王店生, 陈中心 were companies). It is recomputed
here, in batches by id, with the function registration uses now (core.hotspots.party_name_key,
the marker as a suffix): people lose their key. The downgrade keeps the recomputed keys (the
old rule is gone, and was wrong).
"""
from alembic import op
import sqlalchemy as sa

from mediation.core.hotspots import party_name_key


revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None

BATCH = 5000


def upgrade():
    op.create_table(
        'hotspot_scans',
        sa.Column('week', sa.Date(), nullable=False),
        sa.Column('scanned_at', sa.DateTime(), nullable=False),
        sa.Column('warnings', sa.Integer(), nullable=False),
        sa.CheckConstraint('warnings >= 0', name=op.f('ck_hotspot_scans_warnings_not_negative')),
        sa.PrimaryKeyConstraint('week', name=op.f('pk_hotspot_scans')),
    )
    _record_past_scans(op.get_bind())
    _rekey_respondents(op.get_bind())


def _record_past_scans(conn) -> None:
    """The weeks scanned so far that found warnings, from them: one statement, GROUP BY week."""
    conn.execute(sa.text("INSERT INTO hotspot_scans (week, scanned_at, warnings) "
                         "SELECT week, max(found_at), count(*) FROM hotspot_warnings GROUP BY week"))


def _rekey_respondents(conn) -> None:
    """Every party whose stored key differs from party_name_key's, in batches by id."""
    parties = sa.table('parties', sa.column('id', sa.Integer), sa.column('name', sa.String),
                       sa.column('role', sa.String), sa.column('name_key', sa.String))
    last = 0
    while rows := conn.execute(sa.select(parties.c.id, parties.c.name, parties.c.role, parties.c.name_key)
                               .where(parties.c.id > last,
                                      sa.or_(parties.c.role == 'respondent', parties.c.name_key.is_not(None)))
                               .order_by(parties.c.id).limit(BATCH)).all():
        last = rows[-1].id
        changed = [{"row_id": r.id, "key": k} for r in rows if (k := party_name_key(r.role, r.name)) != r.name_key]
        if changed:
            conn.execute(parties.update().where(parties.c.id == sa.bindparam("row_id"))
                         .values(name_key=sa.bindparam("key")), changed)


def downgrade():
    op.drop_table('hotspot_scans')
