"""Fixtures: one app and schema per run (built by the Alembic migration), tables emptied after
each test, callable factories. SQLite by default; PostgreSQL when DATABASE_URL names one."""
import contextvars
import os
import tempfile
import threading
from contextlib import contextmanager

import pytest
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url
from werkzeug.security import generate_password_hash
from werkzeug.serving import WSGIRequestHandler, make_server

from mediation import create_app
from mediation.organisation.models import Office, Village
from mediation.auth.models import User
from mediation.extensions import db as _db

from .factories import CaseFactory

# Rows the migrations load (DESIGN.md's defaults) stay between tests; tests that edit them restore them.
REFERENCE_TABLES = {"deadline_policies"}
TEST_PASSWORD = "correct horse battery"
# A cheap hash: the suite signs in hundreds of times; production uses the slow default.
TEST_PASSWORD_HASH = generate_password_hash(TEST_PASSWORD, method="pbkdf2:sha256:1")


def _database_url(tmp_dir: str) -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        if "test" not in url.rsplit("/", 1)[-1] and "ci" not in url.rsplit("/", 1)[-1]:
            raise RuntimeError("Refusing to run tests against a database whose name lacks 'test' or 'ci'.")
        return url
    return f"sqlite:///{os.path.join(tmp_dir, 'test.db')}"


def _worker_database(url: str) -> str | None:
    """Under pytest-xdist each worker empties tables after every test, so each PostgreSQL worker gets
    its own database beside the one DATABASE_URL names (created here, dropped at the end)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker or not url.startswith("postgresql"):
        return None
    base = make_url(url)
    name = f"{base.database}_{worker}"
    engine = create_engine(base, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def _drop_worker_database(base_url: str, worker_url: str) -> None:
    engine = create_engine(make_url(base_url), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(worker_url).database}" WITH (FORCE)'))
    engine.dispose()


@pytest.fixture(scope="session")
def app():
    tmp = tempfile.mkdtemp(prefix="mediation-test-")
    url = _database_url(tmp)
    worker_url = _worker_database(url)
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": worker_url or url})
    with app.app_context():
        if _db.engine.dialect.name == "postgresql":
            with _db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        upgrade()
    yield app
    if worker_url:
        with app.app_context():
            _db.engine.dispose()
        _drop_worker_database(url, worker_url)


@pytest.fixture(autouse=True)
def db(app):
    """The database, emptied after each test (views commit, so no outer transaction)."""
    ctx = app.app_context()
    ctx.push()
    yield _db
    _db.session.rollback()
    _db.session.remove()
    tables = [t.name for t in reversed(_db.metadata.sorted_tables) if t.name not in REFERENCE_TABLES]
    with _db.engine.begin() as conn:
        # DELETE, not TRUNCATE: on a handful of rows it is many times faster on PostgreSQL.
        for name in tables:
            if name == "audit_events":
                _empty_audit_events(conn)
            else:
                conn.execute(text(f"DELETE FROM {name}"))
    ctx.pop()


def _empty_audit_events(conn) -> None:
    """The audit table's triggers refuse DELETE of recent rows: lifted for this one statement,
    inside the cleanup's transaction, and restored as they were before it commits."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("ALTER TABLE audit_events DISABLE TRIGGER USER"))
        conn.execute(text("DELETE FROM audit_events"))
        conn.execute(text("ALTER TABLE audit_events ENABLE TRIGGER USER"))
        return
    triggers = conn.execute(text("SELECT name, sql FROM sqlite_master "
                                 "WHERE type = 'trigger' AND tbl_name = 'audit_events'")).all()
    for name, _sql in triggers:
        conn.execute(text(f"DROP TRIGGER {name}"))
    conn.execute(text("DELETE FROM audit_events"))
    for _name, sql in triggers:
        conn.execute(text(sql))


class IsolatedClient(FlaskClient):
    """Runs each request in its own app context, session and `g`, as a real server does,
    instead of inheriting the test's (which would carry the signed-in user and identity map
    from one request to the next)."""

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture
def client(app):
    app.test_client_class = IsolatedClient
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def town(db):
    """The demo town's shape: two villages, the five town offices, a committee per village."""
    villages = [Village(code="xiaomiao", name="小庙村"), Village(code="qianqiao", name="钱桥村")]
    db.session.add_all(villages)
    offices = {
        "judicial_office": Office(code="judicial_office", name="徐行镇司法所", kind="judicial_office"),
        "police_station": Office(code="police_station", name="徐行派出所", kind="police_station"),
        "law_firm": Office(code="law_firm", name="签约律师事务所", kind="law_firm"),
        "petition_office": Office(code="petition_office", name="信访办", kind="petition_office"),
        "safety_office": Office(code="safety_office", name="平安办", kind="safety_office"),
    }
    for v in villages:
        offices[f"vc_{v.code}"] = Office(code=f"vc_{v.code}", name=f"{v.name}调委会",
                                         kind="village_committee", village=v)
    db.session.add_all(offices.values())
    db.session.commit()
    return {"villages": {v.code: v for v in villages}, "offices": offices}


@pytest.fixture
def make_user(db, town):
    counter = iter(range(1, 10_000))

    def make(role: str, office: str = "judicial_office", username: str | None = None) -> User:
        n = next(counter)
        user = User(username=username or f"{role}{n}", display_name=f"{role} {n}", role=role,
                    office_id=town["offices"][office].id, password_hash=TEST_PASSWORD_HASH)
        db.session.add(user)
        db.session.commit()
        return user

    return make


@pytest.fixture
def users(make_user):
    """One user per role, plus a mediator of another office and a second mediator of the judicial office."""
    return {
        "admin": make_user("admin"),
        "supervisor": make_user("supervisor"),
        "mediator": make_user("mediator"),
        "other_mediator": make_user("mediator"),
        "village_mediator": make_user("mediator", "vc_qianqiao"),
        "liaison": make_user("liaison", "police_station"),
        "lawyer": make_user("liaison", "law_firm"),
        "viewer": make_user("viewer", "safety_office"),
    }


@pytest.fixture
def login(client):
    def login_as(user: User, password: str = TEST_PASSWORD):
        client.post("/logout")
        response = client.post("/login", data={"username": user.username, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return login_as


@pytest.fixture
def make_case(db, town, users, app):
    return CaseFactory(db, town, users)


@pytest.fixture
def count_queries(db):
    @contextmanager
    def counting():
        statements: list[str] = []

        def before(conn, cursor, statement, parameters, context, executemany):
            statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", before)
        try:
            yield statements
        finally:
            event.remove(db.engine, "before_cursor_execute", before)

    return counting


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, code="-", size="-"):  # one line per request only adds noise to failures
        pass


@pytest.fixture(scope="session")
def live_server(app):
    """The session app on a free port of 127.0.0.1, one thread per request (each in its own app context)."""
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="session")
def chromium():
    """Debian's Chromium driven by Playwright (never a downloaded browser), one for the whole run:
    Playwright's sync API refuses a second instance in the same thread. Without it the browser
    tests fail on CI (they must run there) and are skipped elsewhere."""
    def unavailable(reason: str):
        if os.environ.get("CI", "").strip().lower() in ("true", "1", "yes"):
            pytest.fail(f"{reason} CI must run the browser tests.", pytrace=False)
        pytest.skip(reason)

    if not os.path.exists(CHROMIUM):
        unavailable(f"Debian's Chromium is not at {CHROMIUM} (apt-get install chromium).")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("The playwright Python package is not installed (pip install -r requirements-dev.txt).")
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    except Exception:
        playwright.stop()
        raise
    yield browser
    browser.close()
    playwright.stop()
