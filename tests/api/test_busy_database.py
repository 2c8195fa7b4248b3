"""A busy database never answers a channel with 500.

Another connection holds the write lock (SQLite: BEGIN IMMEDIATE on the suite's file database;
PostgreSQL: SELECT ... FOR UPDATE on the rows a registration writes, with the app's lock_timeout
short) while the API registers a case: the answer is 503 with Retry-After and nothing is written;
once the lock is gone the same request registers the case (201), a third try answers with the
same case (200), and there is one case. Elsewhere the same condition gives the HTML error page.

The requests go to a second app on the suite's database whose connections wait only briefly for
a lock (busy_timeout / lock_timeout), so each test takes a fraction of a second.
"""
import json
import sqlite3
import threading
import time
from contextlib import contextmanager
from zoneinfo import ZoneInfo

import pytest
from psycopg import errors as pg_errors
from sqlalchemy import event, func, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from mediation import create_app
from mediation.api.auth import database_busy
from mediation.api.models import ChannelToken
from mediation.auth.models import AuditEvent
from mediation.cases.models import Case, ReferenceCounter, TimelineEvent
from mediation.db import utcnow
from mediation.extensions import db as _db

from ..conftest import TEST_PASSWORD, IsolatedClient
from .conftest import submission

LOCK_WAIT_MS = 100  # how long the second app's connections wait for a lock before giving up


def _is_postgresql(app) -> bool:
    return make_url(app.config["SQLALCHEMY_DATABASE_URI"]).get_backend_name() == "postgresql"


@pytest.fixture
def impatient_app(app):
    """A second app on the suite's database, with its own connection pool, waiting LOCK_WAIT_MS for a lock."""
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    overrides = {"SQLALCHEMY_DATABASE_URI": uri}
    if _is_postgresql(app):
        overrides["SQLALCHEMY_ENGINE_OPTIONS"] = {
            "pool_pre_ping": True, "connect_args": {"options": f"-c lock_timeout={LOCK_WAIT_MS}"}}
    second = create_app("testing", overrides)
    second.test_client_class = IsolatedClient
    with second.app_context():
        engine = _db.engine
        if engine.dialect.name == "sqlite":
            @event.listens_for(engine, "connect")
            def _short_busy_timeout(dbapi_connection, _record):  # after the factory's pragmas (5000 ms)
                dbapi_connection.execute(f"PRAGMA busy_timeout={LOCK_WAIT_MS}")
    yield second
    with second.app_context():
        _db.engine.dispose()


class WriteLock:
    """Holds the database's write lock from another connection until `release()` (idempotent)."""

    def __init__(self, app):
        self._mutex = threading.Lock()
        if _is_postgresql(app):
            # Rows every write in these tests needs: the year's reference counter (registration),
            # the token (its last use) and the users (sign-in).
            conn = _db.engine.connect()
            conn.execute(text("SELECT 1 FROM reference_counters FOR UPDATE"))
            conn.execute(text("SELECT 1 FROM channel_tokens FOR UPDATE"))
            conn.execute(text("SELECT 1 FROM users FOR UPDATE"))

            def release():
                conn.rollback()
                conn.close()
        else:
            path = make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database
            assert path and path != ":memory:", "the lock test needs a file database"
            raw = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            raw.execute("BEGIN IMMEDIATE")

            def release():
                raw.rollback()
                raw.close()
        self._release_fn = release

    def release(self):
        with self._mutex:
            if self._release_fn is not None:
                self._release_fn()
                self._release_fn = None


@contextmanager
def write_lock(app):
    lock = WriteLock(app)
    try:
        yield lock
    finally:
        lock.release()


@pytest.fixture
def counter(app, db):
    """This year's reference counter, so that PostgreSQL has a row to lock (SQLite locks the file)."""
    year = utcnow().astimezone(ZoneInfo(app.config["TIMEZONE"])).year
    db.session.add(ReferenceCounter(prefix=app.config["REFERENCE_PREFIX"], year=year, last_value=0))
    db.session.commit()
    return year


def _post(client, token: str, body: dict):
    return client.post("/api/v1/cases", data=json.dumps(body), content_type="application/json",
                       headers={"Authorization": f"Bearer {token}"})


def _written(db) -> dict:
    db.session.expire_all()
    return {
        "cases": db.session.scalar(select(func.count()).select_from(Case)),
        "timeline": db.session.scalar(select(func.count()).select_from(TimelineEvent)),
        "audit": db.session.scalar(select(func.count()).select_from(AuditEvent)
                                   .where(AuditEvent.action == "api_register")),
        "last_reference": db.session.scalar(select(func.max(ReferenceCounter.last_value))),
    }


def test_locked_database_answers_503_then_the_retry_registers_once(impatient_app, db, town, make_token, counter):
    token = make_token("hotline_12345")
    client = impatient_app.test_client()
    body = submission("GD-BUSY-1")

    with write_lock(impatient_app):
        started = time.monotonic()
        busy = _post(client, token, body)
        elapsed = time.monotonic() - started
        assert busy.status_code == 503, busy.get_data(as_text=True)
        assert busy.headers["Retry-After"] == "1"
        assert busy.is_json and isinstance(busy.get_json()["error"], str)
        assert elapsed < 3, f"a busy answer should come quickly, took {elapsed:.2f}s"
        assert _written(db) == {"cases": 0, "timeline": 0, "audit": 0, "last_reference": 0}
        # Reading needs no write lock: the token's last-use stamp is skipped, the read answered.
        listing = client.get("/api/v1/cases", headers={"Authorization": f"Bearer {token}"})
        assert listing.status_code == 200, listing.get_data(as_text=True)

    created = _post(client, token, body)
    assert created.status_code == 201, created.get_data(as_text=True)
    repeat = _post(client, token, body)
    assert repeat.status_code == 200, repeat.get_data(as_text=True)
    assert repeat.get_json()["reference"] == created.get_json()["reference"]
    assert db.session.scalar(select(func.count()).select_from(Case).where(Case.external_ref == "GD-BUSY-1")) == 1
    assert _written(db) == {"cases": 1, "timeline": 1, "audit": 1, "last_reference": 1}


def test_lock_released_while_the_view_retries_registers_without_503(impatient_app, db, town, make_token,
                                                                    counter):
    """The view's short bounded retry absorbs a lock held for a moment: the channel sees 201.

    The first attempt gives up after LOCK_WAIT_MS; the lock goes at twice that, while the view
    pauses or waits on its first or second retry (without retries this is a 503)."""
    token = make_token("hotline_12345")
    db.session.execute(update(ChannelToken).values(last_used_at=utcnow()))  # no last-use stamp to wait on
    db.session.commit()
    client = impatient_app.test_client()
    with write_lock(impatient_app) as lock:
        timer = threading.Timer(2 * LOCK_WAIT_MS / 1000, lock.release)
        timer.start()
        try:
            response = _post(client, token, submission("GD-BUSY-2"))
        finally:
            timer.join()
    assert response.status_code == 201, response.get_data(as_text=True)
    assert _written(db)["cases"] == 1


def test_locked_database_answers_503_page_outside_the_api(impatient_app, db, make_user):
    user = make_user("supervisor")
    client = impatient_app.test_client()
    with write_lock(impatient_app):
        response = client.post("/login", data={"username": user.username, "password": TEST_PASSWORD})
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "1"
        assert response.mimetype == "text/html"
        db.session.expire_all()
        assert db.session.get(type(user), user.id).last_login_at is None
    assert client.post("/login", data={"username": user.username, "password": TEST_PASSWORD}).status_code == 302


# ---------------------------------------------------------------------------------------------
# Which errors count as busy, and what the handlers make of them


def _wrap(orig: Exception, cls=OperationalError) -> DBAPIError:
    return cls("UPDATE cases SET ...", {}, orig)


@pytest.mark.parametrize("exc, busy", [
    (_wrap(sqlite3.OperationalError("database is locked")), True),
    (_wrap(sqlite3.OperationalError("database table is locked")), True),
    (_wrap(sqlite3.OperationalError("database table is locked: cases")), True),
    (_wrap(pg_errors.SerializationFailure("could not serialize access due to concurrent update")), True),
    (_wrap(pg_errors.DeadlockDetected("deadlock detected")), True),
    (_wrap(pg_errors.LockNotAvailable("canceling statement due to lock timeout")), True),
    (_wrap(pg_errors.LockNotAvailable("could not obtain lock"), DBAPIError), True),
    (_wrap(sqlite3.OperationalError("no such table: cases")), False),
    (_wrap(sqlite3.IntegrityError("UNIQUE constraint failed: cases.reference"), IntegrityError), False),
    (_wrap(pg_errors.UniqueViolation("duplicate key"), IntegrityError), False),
    (_wrap(pg_errors.AdminShutdown("terminating connection due to administrator command")), False),
    (_wrap(pg_errors.UndefinedTable("relation does not exist")), False),
    (sqlite3.OperationalError("database is locked"), False),  # not through SQLAlchemy: not ours to judge
    (RuntimeError("database is locked"), False),
    (None, False),
], ids=lambda v: type(getattr(v, "orig", v)).__name__ if not isinstance(v, bool) else str(v))
def test_database_busy(exc, busy):
    assert database_busy(exc) is busy


@pytest.fixture
def raising_app(app):
    """An app whose /boom/<kind> and /api/boom/<kind> raise the named database error, in production's
    error handling (exceptions are answered, not propagated to the test)."""
    second = create_app("testing", {"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                                    "PROPAGATE_EXCEPTIONS": False})
    errors = {
        "sqlite-locked": lambda: _wrap(sqlite3.OperationalError("database is locked")),
        "pg-serialization": lambda: _wrap(pg_errors.SerializationFailure("could not serialize")),
        "pg-deadlock": lambda: _wrap(pg_errors.DeadlockDetected("deadlock detected")),
        "pg-lock-timeout": lambda: _wrap(pg_errors.LockNotAvailable("lock timeout"), DBAPIError),
        "no-such-table": lambda: _wrap(sqlite3.OperationalError("no such table: cases")),
    }

    def boom(kind):
        raise errors[kind]()

    second.add_url_rule("/boom/<kind>", "boom", boom, methods=["GET", "POST"])
    second.add_url_rule("/api/boom/<kind>", "api_boom", boom, methods=["GET", "POST"])
    second.test_client_class = IsolatedClient
    yield second
    with second.app_context():
        _db.engine.dispose()


@pytest.mark.parametrize("kind", ["sqlite-locked", "pg-serialization", "pg-deadlock", "pg-lock-timeout"])
def test_busy_errors_answer_503_json_in_the_api_and_html_elsewhere(raising_app, kind):
    client = raising_app.test_client()
    api = client.post(f"/api/boom/{kind}")
    assert api.status_code == 503 and api.headers["Retry-After"] == "1"
    assert api.is_json and set(api.get_json()) == {"error"}
    page = client.post(f"/boom/{kind}")
    assert page.status_code == 503 and page.headers["Retry-After"] == "1"
    assert page.mimetype == "text/html" and "503" in page.get_data(as_text=True)


def test_other_database_errors_stay_500(raising_app):
    client = raising_app.test_client()
    api = client.get("/api/boom/no-such-table")
    page = client.get("/boom/no-such-table")
    assert api.status_code == 500 and page.status_code == 500
    assert "Retry-After" not in api.headers and "Retry-After" not in page.headers


def test_other_database_errors_still_raise_in_tests(raising_app):
    """Where exceptions propagate (TESTING, DEBUG) a real database error is not hidden as a 503."""
    raising_app.config["PROPAGATE_EXCEPTIONS"] = True
    client = raising_app.test_client()
    with pytest.raises(OperationalError, match="no such table"):
        client.get("/api/boom/no-such-table")
    assert client.get("/api/boom/sqlite-locked").status_code == 503


def test_a_busy_database_refuses_the_whole_batch_and_its_resend_registers_it_once(impatient_app, db, town,
                                                                                make_token, counter):
    token = make_token("hotline_12345")
    client = impatient_app.test_client()
    body = {"cases": [submission("GD-BUSY-B1"), submission("GD-BUSY-B2")]}

    def post():
        return client.post("/api/v1/cases/batch", data=json.dumps(body), content_type="application/json",
                           headers={"Authorization": f"Bearer {token}"})

    with write_lock(impatient_app):
        busy = post()
        assert busy.status_code == 503, busy.get_data(as_text=True)
        assert busy.headers["Retry-After"] == "1"
        assert _written(db) == {"cases": 0, "timeline": 0, "audit": 0, "last_reference": 0}
    created = post()
    assert [r["status"] for r in created.get_json()["results"]] == [201, 201]
    again = post()
    assert [r["status"] for r in again.get_json()["results"]] == [200, 200]
    assert _written(db) == {"cases": 2, "timeline": 2, "audit": 2, "last_reference": 2}
