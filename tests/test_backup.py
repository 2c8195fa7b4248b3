"""`flask backup` takes a consistent copy while the app writes, and `flask restore` gives the same data
back: row counts and a checksum of every table, in a fresh database (SQLite and PostgreSQL)."""
import re
import shutil
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, event, func, select, text
from sqlalchemy.engine import make_url

from mediation import create_app
from mediation.auth.models import User
from mediation.backup import TableFigure, libpq_params, table_figures
from mediation.cases.models import Case, Party, TimelineEvent
from mediation.core.lifecycle import Status
from mediation.db import utcnow
from mediation.extensions import db as _db
from mediation.intake.services import CaseData, PartyData, register_case
from mediation.organisation.models import Village
from mediation.organisation.town import current_town

PARTIES_PER_CASE = 3
FIGURE_LINE = re.compile(r"^  (\S+)\s+(\d+)(?:\s+([0-9a-f]{64}))?$", re.M)


class Writer(threading.Thread):
    """The app at work: registers cases with three parties each, one transaction per case, until
    stopped. On `hold` it stops with one case flushed but not committed (a transaction in flight)
    until `release`."""

    def __init__(self, app, user_id: int):
        super().__init__(daemon=True)
        self.app, self.user_id = app, user_id
        self.stop, self.hold, self.held, self.release = (threading.Event() for _ in range(4))
        self.committed: list[str] = []
        self.in_flight: str | None = None
        self.error: BaseException | None = None

    def run(self):
        try:
            with self.app.app_context():
                user, town = _db.session.get(User, self.user_id), current_town()
                n = 0
                while not self.stop.is_set():
                    n += 1
                    now = utcnow()
                    case = register_case(CaseData(
                        channel="grid_patrol", external_ref=f"W{n:05d}", received_at=now - timedelta(hours=1),
                        category="邻里", summary=f"网格巡查发现纠纷{n}",
                        parties=[PartyData(f"当事人{n}-{i}", "applicant" if i == 0 else "respondent")
                                 for i in range(PARTIES_PER_CASE)]), user, now=now, town=town)
                    _db.session.flush()
                    if self.hold.is_set():
                        self.hold.clear()
                        self.in_flight = case.reference
                        self.held.set()
                        assert self.release.wait(60)
                    _db.session.commit()
                    self.committed.append(case.reference)
                _db.session.remove()
        except BaseException as err:  # reported by the test, not lost in the thread
            self.error = err


def printed_figures(output: str) -> dict[str, TableFigure]:
    return {name: TableFigure(int(rows), checksum) for name, rows, checksum in FIGURE_LINE.findall(output)}


@pytest.fixture
def fresh_app(app, db):
    """An app on an empty database of the same kind: a new SQLite file, or a new PostgreSQL database."""
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "postgresql":
        if shutil.which("pg_dump") is None or shutil.which("pg_restore") is None:
            pytest.skip("pg_dump/pg_restore are not installed (Debian: postgresql-client): "
                        "PostgreSQL backups need them")
        name = f"{url.database}_restore"
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        fresh = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url.set(database=name)
                                       .render_as_string(hide_password=False)})
        yield fresh
        with fresh.app_context():
            _db.engine.dispose()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    else:
        path = Path(f"{url.database}.restore.db")
        fresh = create_app("testing", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
        yield fresh
        with fresh.app_context():
            _db.engine.dispose()
        for suffix in ("", "-wal", "-shm"):
            path.with_name(path.name + suffix).unlink(missing_ok=True)


def invoke(app, *args):
    """A command of `app`: the CLI runner would use the test's app context (the test database) instead."""
    with app.app_context():
        return app.test_cli_runner().invoke(args=list(args))


def figures_of(app) -> dict[str, TableFigure]:
    with app.app_context(), _db.engine.connect() as conn:
        return table_figures(conn, checksums=True)


def test_backup_while_writing_restores_identically(app, db, runner, fresh_app, users, login, make_case, tmp_path):
    login(users["supervisor"])  # an audit row: the audit table is backed up and restored too
    make_case(Status.CLOSED)
    writer = Writer(app, users["supervisor"].id)
    main, seen = threading.current_thread(), {}

    def meanwhile(conn, cursor, statement, parameters, context, executemany):
        """Once the backup reads its snapshot, the app commits more cases and leaves one in flight."""
        if threading.current_thread() is main and statement.startswith("SELECT * FROM") and not seen:
            seen["committed"] = len(writer.committed)
            while len(writer.committed) < seen["committed"] + 3 and writer.is_alive():
                writer.stop.wait(0.01)
            writer.hold.set()
            assert writer.held.wait(30), writer.error

    writer.start()
    event.listen(db.engine, "before_cursor_execute", meanwhile)
    try:
        while len(writer.committed) < 5 and writer.is_alive():
            writer.stop.wait(0.01)
        committed_before = len(writer.committed)
        backup_file = tmp_path / "mediation.backup"
        result = runner.invoke(args=["backup", str(backup_file), "--checksums"])
    finally:
        event.remove(db.engine, "before_cursor_execute", meanwhile)
        writer.release.set()
        writer.stop.set()
        writer.join(30)
    assert writer.error is None, repr(writer.error)
    assert result.exit_code == 0, result.output
    backed_up = printed_figures(result.output)
    assert f"{len(backed_up)} tables, {sum(f.rows for f in backed_up.values())} rows" in result.output
    assert {"cases", "parties", "timeline_events", "audit_events", "alembic_version"} <= backed_up.keys()
    assert len(writer.committed) >= seen["committed"] + 3  # the app committed while the backup ran
    assert backup_file.stat().st_mode & 0o777 == 0o600  # personal data: readable by its owner only

    restored = invoke(fresh_app, "restore", str(backup_file), "--checksums")
    assert restored.exit_code == 0, restored.output
    assert printed_figures(restored.output) == backed_up
    assert figures_of(fresh_app) == backed_up  # counted and summed afresh, table by table

    with fresh_app.app_context():
        # Some committed state: the writer's first m cases, each whole, nothing in flight.
        refs = _db.session.scalars(select(Case.reference).where(Case.channel == "grid_patrol")
                                   .order_by(Case.id)).all()
        assert committed_before <= len(refs) <= seen["committed"] and refs == writer.committed[:len(refs)]
        assert writer.in_flight not in refs
        parties = dict(_db.session.execute(select(Case.reference, func.count(Party.id)).join(Party)
                                           .where(Case.channel == "grid_patrol").group_by(Case.reference)).all())
        assert parties == {ref: PARTIES_PER_CASE for ref in refs}
        registered = _db.session.scalar(select(func.count()).select_from(TimelineEvent).join(Case).where(
            Case.channel == "grid_patrol", TimelineEvent.action == "register"))
        assert registered == len(refs)
        _db.session.remove()


def test_restore_refuses_a_database_with_data_without_yes(db, runner, fresh_app, make_case, tmp_path):
    make_case(Status.IN_MEDIATION)
    backup_file = tmp_path / "one.backup"
    backed_up = runner.invoke(args=["backup", str(backup_file)])
    assert backed_up.exit_code == 0, backed_up.output
    assert invoke(fresh_app, "restore", str(backup_file)).exit_code == 0
    with fresh_app.app_context():
        _db.session.add(Village(code="later", name="后来村"))  # after the backup: a replacing restore removes it
        _db.session.commit()
        _db.session.remove()

    refused = invoke(fresh_app, "restore", str(backup_file))
    assert refused.exit_code != 0 and "--yes" in refused.output and "cases" in refused.output
    assert figures_of(fresh_app)["villages"].rows == 3

    replaced = invoke(fresh_app, "restore", str(backup_file), "--yes")
    assert replaced.exit_code == 0, replaced.output
    assert figures_of(fresh_app)["villages"].rows == 2
    assert printed_figures(replaced.output) == printed_figures(backed_up.output)


def test_restore_refuses_a_file_that_is_not_a_backup(fresh_app, tmp_path):
    junk = tmp_path / "notes.txt"
    junk.write_text("not a database")
    result = invoke(fresh_app, "restore", str(junk))
    assert result.exit_code != 0 and "is not a" in result.output and "Traceback" not in result.output


def test_pg_tools_get_the_password_in_the_environment_not_the_command_line():
    engine = create_engine("postgresql+psycopg://mediation:s3cret@db.internal:5433/mediation?sslmode=require")
    conninfo, password = libpq_params(engine)
    assert password == "s3cret" and "s3cret" not in conninfo
    assert {"host=db.internal", "port=5433", "user=mediation", "dbname=mediation", "sslmode=require"} <= set(
        conninfo.split())


def test_backup_to_a_missing_folder_or_over_the_database_is_an_error(app, runner, tmp_path):
    result = runner.invoke(args=["backup", str(tmp_path / "missing" / "x.backup")])
    assert result.exit_code != 0 and "Cannot write" in result.output and result.exception.__class__ is SystemExit
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite":
        result = runner.invoke(args=["backup", url.database])
        assert result.exit_code != 0 and "is the database itself" in result.output
        assert Path(url.database).stat().st_size > 0
