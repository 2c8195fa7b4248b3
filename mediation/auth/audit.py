"""Append-only, hash-chained record of logins, refused access, reveals, exports, API calls and changes.

Who, when and from where are arguments: the edge (a view, a CLI command, a request hook) knows them.

The chain: rows are numbered `seq` 1, 2, 3, ... and each stores `prev_hash` (the previous row's
`row_hash`, or GENESIS for the first) and `row_hash` = SHA-256 over `prev_hash` and the row's
canonical content (`seq` included, so a reordering breaks it). `record()` only queues the row on
the session; it is numbered and written in the session's `before_commit`, under the chain lock:

- PostgreSQL: `pg_advisory_xact_lock` before reading the head (the last row). Under READ
  COMMITTED the read after the lock sees the previous holder's committed row, and the lock is
  released only when this transaction ends, so no two writers read the same head.
- SQLite: a no-op write (`DELETE ... WHERE 0 = 1`) first takes the database's write lock, which
  is held to the end of the transaction, so the read of the head happens inside it.

Writing at commit time, not at `record()`, keeps the lock for the last milliseconds of a
transaction only, whatever its caller did before. `seq` is unique besides: a writer that got
around the lock would fail on insert rather than fork the chain.

Database triggers (migration 0008) refuse UPDATE, and DELETE of rows younger than 180 days; the
purge (`purge`) removes only a prefix of the chain older than the retention, and records in its
own row where the chain now starts, which `verify` accepts as the anchor.
"""
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, event, func, insert, select, text
from sqlalchemy.orm import Session

from ..db import DATABASE_ADVISORY_LOCK, advisory_key
from ..extensions import db
from .models import AuditEvent

GENESIS = "0" * 64  # prev_hash of the chain's first row
MIN_RETENTION_DAYS = 180  # 等保 2.0 / 网络安全法 art. 21: logs kept at least six months; the triggers hold it too
PURGE_ACTION = "audit_purge"
CHAIN_LOCK_KEY = 0x61756469  # pg_advisory_xact_lock key of the chain ("audi")
_PENDING = "audit_pending"  # session.info key: rows recorded in this transaction, not yet written
_FIELDS = ("seq", "at", "user_id", "action", "object_type", "object_id", "ip", "success", "details")
_LIMITS = {"action": 32, "object_type": 32, "object_id": 64, "ip": 64}


def record(action: str, user, object_type: str | None, object_id, *, at: datetime, ip: str | None = None,
           success: bool = True, **details) -> None:
    """Queue one audit row on the current transaction: written (chained) when it commits, dropped
    if it rolls back. `user` is a User or None (a channel client, a CLI command, an anonymous caller)."""
    session = db.session()
    session.connection()  # begin the transaction now, so its rollback drops this row too
    session.info.setdefault(_PENDING, []).append({
        "at": at.astimezone(timezone.utc), "user_id": getattr(user, "id", None),
        "action": _column_text("action", action), "object_type": _column_text("object_type", object_type),
        "object_id": _column_text("object_id", str(object_id) if object_id else None),
        "ip": _column_text("ip", ip), "success": bool(success),
        # As stored and read back (JSON), so the hash is computed over what verify will read.
        "details": json.loads(json.dumps(details, default=str)),
    })


def _column_text(name: str, value: str | None) -> str | None:
    """Fits the column (PostgreSQL refuses an overlong or NUL-holding string; SQLite would keep it)."""
    return None if value is None else value.replace("\x00", "")[:_LIMITS[name]]


def canonical(fields: dict) -> bytes:
    """The row's content as hashed: its fields as sorted, compact JSON, times in UTC to the microsecond."""
    content = {name: fields[name] for name in _FIELDS}
    content["at"] = fields["at"].astimezone(timezone.utc).isoformat(timespec="microseconds")
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def chain_hash(prev_hash: str, fields: dict) -> str:
    return hashlib.sha256(prev_hash.encode() + b"\n" + canonical(fields)).hexdigest()


def lock_chain(session: Session) -> None:
    """Serialise chain writers until this transaction ends (see the module's docstring)."""
    dialect = session.get_bind(AuditEvent.__mapper__).dialect.name
    if dialect == "postgresql":
        session.execute(text(DATABASE_ADVISORY_LOCK), {"key": advisory_key(CHAIN_LOCK_KEY)})
    else:  # SQLite: any write takes the one write lock, even one that touches no row
        session.execute(text("DELETE FROM audit_events WHERE 0 = 1"))


@event.listens_for(Session, "before_commit")
def _write_pending(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    session.flush()  # the transaction's own rows first (a user created with its audit row)
    lock_chain(session)
    head = session.execute(select(AuditEvent.seq, AuditEvent.row_hash)
                           .order_by(AuditEvent.seq.desc()).limit(1)).first()
    seq, prev = (head.seq, head.row_hash) if head else (0, GENESIS)
    rows = []
    for fields in pending:
        seq += 1
        row = {**fields, "seq": seq, "prev_hash": prev}
        row["row_hash"] = prev = chain_hash(prev, row)
        rows.append(row)
    session.execute(insert(AuditEvent), rows)


@event.listens_for(Session, "after_transaction_end")
def _drop_pending(session: Session, transaction) -> None:
    """A rollback (or close) of the outermost transaction drops what it recorded."""
    if transaction.parent is None:
        session.info.pop(_PENDING, None)


@dataclass(frozen=True)
class ChainReport:
    rows: int
    broken_id: int | None = None  # the first row that does not verify
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_id is None


def verify(session: Session | None = None) -> ChainReport:
    """Walk the chain in `seq` order, recomputing every hash: OK, or the first row that breaks it
    (edited, a row missing before it, out of order, or a first row no purge accounts for)."""
    session = session or db.session
    anchors = {(d.get("last_removed_seq"), d.get("last_removed_hash"))
               for d in session.scalars(select(AuditEvent.details).where(AuditEvent.action == PURGE_ACTION))}
    columns = [getattr(AuditEvent, name) for name in ("id", *_FIELDS, "prev_hash", "row_hash")]
    rows = session.execute(select(*columns).order_by(AuditEvent.seq).execution_options(yield_per=2000))
    count, prev = 0, None
    for row in rows:
        fields = row._asdict()
        if prev is None:
            anchored = (row.prev_hash == GENESIS if row.seq == 1
                        else (row.seq - 1, row.prev_hash) in anchors)
            if not anchored:
                return ChainReport(count, row.id, "the rows before it are missing and no purge accounts for them")
        elif row.seq != prev.seq + 1:
            return ChainReport(count, row.id, f"rows {prev.seq + 1}..{row.seq - 1} of the chain are missing")
        elif row.prev_hash != prev.row_hash:
            return ChainReport(count, row.id, "its prev_hash is not the hash of the row before it")
        elif row.id <= prev.id:
            return ChainReport(count, row.id, "it is out of order")
        if chain_hash(row.prev_hash, fields) != row.row_hash:
            return ChainReport(count, row.id, "its content does not match its hash")
        count, prev = count + 1, row
    return ChainReport(count)


def purge(now: datetime, retention_days: int) -> int:
    """Delete the rows older than `retention_days` (at least MIN_RETENTION_DAYS) from the start of
    the chain, and record how many and where the chain now starts. Only a prefix goes, so the chain
    stays whole: it stops at the first row inside the retention, and always keeps the newest row.
    The database's trigger refuses any row younger than 180 days whatever this computes."""
    if retention_days < MIN_RETENTION_DAYS:
        raise ValueError(f"AUDIT_RETENTION_DAYS is {retention_days}; audit rows are kept at least "
                         f"{MIN_RETENTION_DAYS} days")
    cutoff = now - timedelta(days=retention_days)
    head = db.session.scalar(select(func.max(AuditEvent.seq)))
    if head is None:
        return 0
    first_kept = db.session.scalar(select(func.min(AuditEvent.seq)).where(AuditEvent.at >= cutoff))
    first_kept = head if first_kept is None else min(first_kept, head)
    last_removed = db.session.execute(
        select(AuditEvent.seq, AuditEvent.row_hash, AuditEvent.at).where(AuditEvent.seq < first_kept)
        .order_by(AuditEvent.seq.desc()).limit(1)).first()
    if last_removed is None:
        return 0
    removed = db.session.execute(delete(AuditEvent).where(AuditEvent.seq < first_kept)
                                 .execution_options(synchronize_session=False)).rowcount
    record(PURGE_ACTION, None, "audit_events", None, at=now, removed=removed, before=cutoff.isoformat(),
           up_to=last_removed.at.isoformat(), last_removed_seq=last_removed.seq,
           last_removed_hash=last_removed.row_hash)
    return removed
