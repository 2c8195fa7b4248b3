"""The audit trail's integrity (issue #10 item 5): rows hash-chained, `flask audit verify` finds an
edited, deleted or reordered row, concurrent writers keep one chain, the database itself refuses
UPDATE and DELETE of recent rows, and the purge removes only old rows and is audited itself."""
import threading
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from mediation.auth import audit
from mediation.auth.models import AuditEvent
from mediation.db import utcnow
from mediation.extensions import db as _db
from mediation.jobs.runner import run_job


def write(n: int, *, at=None, **details) -> None:
    for i in range(n):
        audit.record("test_event", None, "thing", i, at=at or utcnow(), ip="10.1.2.3", n=i, **details)
    _db.session.commit()


def rows(db) -> list[AuditEvent]:
    db.session.expire_all()
    return db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq)).all()


@contextmanager
def triggers_lifted(conn):
    """What only someone with the database's owner rights can do: take the guard off to tamper."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("ALTER TABLE audit_events DISABLE TRIGGER USER"))
        yield
        conn.execute(text("ALTER TABLE audit_events ENABLE TRIGGER USER"))
        return
    triggers = conn.execute(text("SELECT name, sql FROM sqlite_master "
                                 "WHERE type = 'trigger' AND tbl_name = 'audit_events'")).all()
    assert len(triggers) == 2
    for name, _sql in triggers:
        conn.execute(text(f"DROP TRIGGER {name}"))
    yield
    for _name, sql in triggers:
        conn.execute(text(sql))


def verify_cli(runner):
    return runner.invoke(args=["audit", "verify"])


def test_rows_are_chained_from_genesis(db):
    write(3)
    chain = rows(db)
    assert [r.seq for r in chain] == [1, 2, 3]
    assert chain[0].prev_hash == audit.GENESIS
    assert chain[1].prev_hash == chain[0].row_hash and chain[2].prev_hash == chain[1].row_hash
    assert all(len(r.row_hash) == 64 and r.success for r in chain)
    assert chain[2].details == {"n": 2} and chain[2].ip == "10.1.2.3" and chain[2].object_id == "2"


def test_a_rolled_back_transaction_writes_no_audit_row(db):
    audit.record("test_event", None, None, None, at=utcnow())
    db.session.rollback()
    audit.record("kept", None, None, None, at=utcnow(), success=False)
    db.session.commit()
    assert [(r.action, r.success, r.seq) for r in rows(db)] == [("kept", False, 1)]


def test_verify_says_ok_on_an_intact_chain(db, runner):
    write(5)
    result = verify_cli(runner)
    assert result.exit_code == 0, result.output
    assert "OK: 5 audit rows" in result.output


def test_verify_finds_an_edited_row(db, runner):
    write(5)
    target = rows(db)[2]
    with db.engine.begin() as conn, triggers_lifted(conn):
        conn.execute(text("UPDATE audit_events SET ip = '10.9.9.9' WHERE id = :id"), {"id": target.id})
    result = verify_cli(runner)
    assert result.exit_code == 1
    assert f"BROKEN at audit row id {target.id}: its content does not match its hash" in result.output


def test_verify_finds_a_row_deleted_in_the_middle(db, runner):
    write(5)
    chain = rows(db)
    with db.engine.begin() as conn, triggers_lifted(conn):
        conn.execute(text("DELETE FROM audit_events WHERE id = :id"), {"id": chain[2].id})
    result = verify_cli(runner)
    assert result.exit_code == 1
    assert f"BROKEN at audit row id {chain[3].id}: rows 3..3 of the chain are missing" in result.output


def test_verify_finds_the_first_rows_deleted_without_a_purge(db, runner):
    write(4)
    chain = rows(db)
    with db.engine.begin() as conn, triggers_lifted(conn):
        conn.execute(text("DELETE FROM audit_events WHERE seq <= 2"))
    result = verify_cli(runner)
    assert result.exit_code == 1 and f"BROKEN at audit row id {chain[2].id}" in result.output


def test_verify_finds_a_changed_order(db, runner):
    write(4)
    chain = rows(db)
    with db.engine.begin() as conn, triggers_lifted(conn):  # rows 2 and 3 swap places
        conn.execute(text("UPDATE audit_events SET seq = 100 WHERE id = :id"), {"id": chain[1].id})
        conn.execute(text("UPDATE audit_events SET seq = 2 WHERE id = :id"), {"id": chain[2].id})
        conn.execute(text("UPDATE audit_events SET seq = 3 WHERE id = :id"), {"id": chain[1].id})
    result = verify_cli(runner)
    assert result.exit_code == 1 and f"BROKEN at audit row id {chain[2].id}" in result.output


def test_concurrent_writers_keep_one_chain(app, db, runner):
    """8 threads, each with its own session and connection, 25 transactions each, started together:
    200 rows numbered 1..200 without a gap or a fork, and the chain verifies. Without the chain lock
    two writers read the same head and the second fails on the unique seq (or forks the chain)."""
    threads, per_thread = 8, 25
    barrier = threading.Barrier(threads)
    errors = []

    def writer(k):
        with app.app_context():
            try:
                barrier.wait()
                for i in range(per_thread):
                    audit.record("concurrent", None, "writer", k, at=utcnow(), i=i)
                    _db.session.commit()
            except Exception as exc:  # reported below, with the thread it happened in
                errors.append((k, repr(exc)))
                _db.session.rollback()
            finally:
                _db.session.remove()

    pool = [threading.Thread(target=writer, args=(k,)) for k in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join(timeout=120)
    assert errors == []
    assert [r.seq for r in rows(db)] == list(range(1, threads * per_thread + 1))
    report = audit.verify()
    assert report.ok and report.rows == threads * per_thread, report
    assert verify_cli(runner).exit_code == 0


@pytest.mark.parametrize("statement", [
    "UPDATE audit_events SET action = 'nothing' WHERE id = :id",
    "UPDATE audit_events SET at = at WHERE id = :id",
    "DELETE FROM audit_events WHERE id = :id",
])
def test_the_database_refuses_to_change_or_delete_a_recent_row(db, statement):
    write(1)
    row_id = rows(db)[0].id
    with pytest.raises(DBAPIError) as refused:
        with db.engine.begin() as conn:
            conn.execute(text(statement), {"id": row_id})
    assert "audit_events rows" in str(refused.value)
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 1
    assert rows(db)[0].action == "test_event"


def test_the_database_refuses_to_change_an_old_row_but_lets_it_be_deleted(db):
    write(2, at=utcnow() - timedelta(days=181))
    old = rows(db)[0].id
    with pytest.raises(DBAPIError):
        with db.engine.begin() as conn:
            conn.execute(text("UPDATE audit_events SET ip = NULL WHERE id = :id"), {"id": old})
    with db.engine.begin() as conn:
        assert conn.execute(text("DELETE FROM audit_events WHERE id = :id"), {"id": old}).rowcount == 1


def test_the_database_refuses_truncate(db):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no TRUNCATE (DELETE without WHERE goes through the row trigger)")
    write(1)
    with pytest.raises(DBAPIError):
        with db.engine.begin() as conn:
            conn.execute(text("TRUNCATE audit_events"))
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 1


def test_purge_removes_only_rows_older_than_the_retention_and_is_audited(app, db, runner):
    now = utcnow()
    write(3, at=now - timedelta(days=200))
    write(2, at=now - timedelta(days=10))
    write(1, at=now - timedelta(days=300))  # old, but after a recent row in the chain: kept
    before = [(r.id, r.row_hash, r.at) for r in rows(db)]
    result = run_job("audit_purge", now)
    assert (result.status, result.rows) == ("ran", 3), result
    after = rows(db)
    assert [r.id for r in after[:-1]] == [r[0] for r in before[3:]]
    purge = after[-1]
    assert purge.action == "audit_purge" and purge.success
    assert purge.details["removed"] == 3
    assert purge.details["last_removed_seq"] == 3 and purge.details["last_removed_hash"] == before[2][1]
    assert purge.details["up_to"] == before[2][2].isoformat()
    assert purge.details["before"] == (now - timedelta(days=app.config["AUDIT_RETENTION_DAYS"])).isoformat()
    verified = verify_cli(runner)
    assert verified.exit_code == 0 and "OK: 4 audit rows" in verified.output


def test_purge_twice_and_verify_follows_the_latest_anchor(db, runner):
    now = utcnow()
    write(2, at=now - timedelta(days=400))
    assert run_job("audit_purge", now).rows == 1  # the newest row always stays: the chain goes on from it
    write(1, at=now - timedelta(days=1))
    assert run_job("audit_purge", now + timedelta(minutes=1), fire_time=now + timedelta(minutes=1)).rows == 1
    assert [r.action for r in rows(db)] == ["audit_purge", "test_event", "audit_purge"]
    assert verify_cli(runner).exit_code == 0


def test_purge_with_nothing_old_removes_nothing(db):
    write(2)
    assert run_job("audit_purge", utcnow()).rows == 0
    assert len(rows(db)) == 2


def test_the_database_refuses_a_purge_of_recent_rows_whatever_the_app_computes(db):
    """A clock a year ahead (or a bug) makes the purge ask for recent rows: the trigger refuses them."""
    write(3)
    with pytest.raises(DBAPIError):
        audit.purge(utcnow() + timedelta(days=400), 180)
    db.session.rollback()
    assert len(rows(db)) == 3


def test_a_retention_under_180_days_is_refused(app, db, monkeypatch):
    write(2, at=utcnow() - timedelta(days=100))
    monkeypatch.setitem(app.config, "AUDIT_RETENTION_DAYS", 30)
    result = run_job("audit_purge", utcnow())
    assert result.status == "failed" and "at least 180 days" in result.error
    assert len(rows(db)) == 2
