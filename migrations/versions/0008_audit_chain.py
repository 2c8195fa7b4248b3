"""Audit rows hash-chained and append-only (triggers refuse UPDATE and DELETE)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 12:20:00

Existing rows are chained in id order. The triggers refuse every UPDATE, and a DELETE of a row
younger than 180 days (the legal minimum; the purge job's retention may be longer, never shorter),
by the database's own clock. On SQLite they must be created after any batch operation on the
table: a batch rebuild drops a table's triggers.
"""
from datetime import timezone

from alembic import op
import sqlalchemy as sa

from mediation.auth.audit import GENESIS, chain_hash


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

SQLITE_TRIGGERS = (
    """CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
    BEGIN SELECT RAISE(ABORT, 'audit_events rows are append-only: UPDATE refused'); END""",
    # `at` is stored as 'YYYY-MM-DD HH:MM:SS.ffffff' UTC, which compares as text with datetime().
    """CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
    WHEN OLD.at IS NULL OR OLD.at >= datetime('now', '-180 days')
    BEGIN SELECT RAISE(ABORT, 'audit_events rows are kept 180 days: DELETE refused'); END""",
)

PG_FUNCTION = """CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.at < (now() AT TIME ZONE 'UTC') - interval '180 days' THEN
            RETURN OLD;
        END IF;
        RAISE EXCEPTION 'audit_events rows are kept 180 days: DELETE refused';
    END IF;
    RAISE EXCEPTION 'audit_events rows are append-only: % refused', TG_OP;
END
$$"""
PG_TRIGGERS = (
    "CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events "
    "FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()",
    # TRUNCATE fires no row trigger: refused on its own.
    "CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()",
)


def upgrade():
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seq', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('success', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column('prev_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('row_hash', sa.String(length=64), nullable=True))

    _chain_existing_rows()

    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.alter_column('seq', existing_type=sa.BigInteger(), nullable=False)
        batch_op.alter_column('prev_hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column('row_hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_audit_events_seq'), ['seq'])
        batch_op.create_index(batch_op.f('ix_audit_events_action'), ['action'], unique=False)
        batch_op.create_index('ix_audit_events_object', ['object_type', 'object_id'], unique=False)

    if op.get_bind().dialect.name == 'postgresql':
        op.execute(PG_FUNCTION)
        for statement in PG_TRIGGERS:
            op.execute(statement)
    else:
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)


def _chain_existing_rows():
    """Rows written before the chain existed, chained in the order they were written (id)."""
    table = sa.table('audit_events', sa.column('id', sa.Integer), sa.column('seq', sa.BigInteger),
                     sa.column('at', sa.DateTime), sa.column('user_id', sa.Integer),
                     sa.column('action', sa.String), sa.column('object_type', sa.String),
                     sa.column('object_id', sa.String), sa.column('ip', sa.String),
                     sa.column('success', sa.Boolean), sa.column('details', sa.JSON),
                     sa.column('prev_hash', sa.String), sa.column('row_hash', sa.String))
    conn = op.get_bind()
    prev = GENESIS
    rows = conn.execute(sa.select(table).order_by(table.c.id)).mappings().all()
    for seq, row in enumerate(rows, start=1):
        fields = {**row, "seq": seq, "success": True, "details": row["details"] or {},
                  "at": row["at"].replace(tzinfo=timezone.utc)}
        digest = chain_hash(prev, fields)
        conn.execute(table.update().where(table.c.id == row["id"])
                     .values(seq=seq, success=True, details=fields["details"], prev_hash=prev, row_hash=digest))
        prev = digest


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP TRIGGER audit_events_no_truncate ON audit_events")
        op.execute("DROP TRIGGER audit_events_append_only ON audit_events")
        op.execute("DROP FUNCTION audit_events_append_only()")
    else:
        op.execute("DROP TRIGGER audit_events_no_delete")
        op.execute("DROP TRIGGER audit_events_no_update")
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_events_object')
        batch_op.drop_index(batch_op.f('ix_audit_events_action'))
        batch_op.drop_constraint(batch_op.f('uq_audit_events_seq'), type_='unique')
        batch_op.drop_column('row_hash')
        batch_op.drop_column('prev_hash')
        batch_op.drop_column('success')
        batch_op.drop_column('seq')
