"""Backup and restore of the whole database (`flask backup PATH`, `flask restore PATH`).

A backup is consistent while the app keeps writing: it holds exactly the transactions committed
at one instant, never half of one.

- SQLite: the online backup API (`sqlite3.Connection.backup`) copies the pages in one step from
  a connection that first opened a read transaction; in WAL mode writers go on meanwhile and
  the copy is that transaction's snapshot. The figures (rows, checksums) are read in the same
  transaction, so they describe the file exactly.
- PostgreSQL: `pg_dump --format=custom --snapshot=…` with a snapshot exported from a REPEATABLE
  READ transaction, in which the figures are read too. Restoring is `pg_restore --clean
  --if-exists --single-transaction`: tables (and their triggers, such as the audit table's) are
  dropped and recreated, and a failed restore leaves the database as it was. The pg_dump and
  pg_restore of the server's major version are used (see `pg_tool`).

A restore refuses to replace a database that holds data unless the caller confirms it.
"""
import hashlib
import os
import re
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from psycopg.conninfo import make_conninfo
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine

# Written by Alembic, present in an empty migrated database too: not "data" for the restore check.
IGNORED_FOR_EMPTINESS = {"alembic_version"}
SQLITE_HEADER = b"SQLite format 3\x00"
PG_DUMP_HEADER = b"PGDMP"
PG_BIN_ROOT = Path("/usr/lib/postgresql")  # Debian and Ubuntu install each major version here


class BackupError(Exception):
    """The backup or restore could not be done; the message says why."""


@dataclass(frozen=True)
class TableFigure:
    rows: int
    checksum: str | None  # sha256 of the rows in primary-key order, when asked for


def table_figures(conn: Connection, *, checksums: bool = False) -> dict[str, TableFigure]:
    """Rows per table (and a checksum of each table's rows in primary-key order), as `conn` sees them."""
    inspector = inspect(conn)
    quote = conn.dialect.identifier_preparer.quote
    figures = {}
    for name in sorted(inspector.get_table_names()):
        table = quote(name)
        if not checksums:
            rows = conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
            figures[name] = TableFigure(rows, None)
            continue
        key = inspector.get_pk_constraint(name)["constrained_columns"]
        order = f" ORDER BY {', '.join(quote(column) for column in key)}" if key else ""
        lines = (repr(tuple(row)).encode() + b"\n" for row in conn.execute(
            text(f"SELECT * FROM {table}{order}").execution_options(yield_per=2000)))
        if not key:  # no primary key (none in this schema): the rows in a stable order all the same
            lines = iter(sorted(lines))
        digest, rows = hashlib.sha256(), 0
        for line in lines:
            digest.update(line)
            rows += 1
        figures[name] = TableFigure(rows, digest.hexdigest())
    return figures


def tables_with_data(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        quote = conn.dialect.identifier_preparer.quote
        return [name for name in sorted(inspect(conn).get_table_names()) if name not in IGNORED_FOR_EMPTINESS
                and conn.execute(text(f"SELECT 1 FROM {quote(name)} LIMIT 1")).first() is not None]


def backup(engine: Engine, path: Path, *, checksums: bool = False) -> dict[str, TableFigure]:
    """Write a consistent copy of the database to `path` (replacing it, readable by its owner only);
    the figures of what it holds."""
    path = Path(path)
    if _is_the_database(engine, path):
        raise BackupError(f"{path} is the database itself; write the backup elsewhere.")
    partial = path.with_name(path.name + ".partial")  # never a half-written file under the real name
    try:
        partial.unlink(missing_ok=True)
        os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))  # personal data: owner only
    except OSError as err:
        raise BackupError(f"Cannot write {path}: {err.strerror}.") from err
    try:
        if engine.dialect.name == "sqlite":
            figures = _backup_sqlite(engine, partial, checksums)
        elif engine.dialect.name == "postgresql":
            figures = _backup_postgresql(engine, partial, checksums)
        else:
            raise BackupError(f"No backup for {engine.dialect.name} databases.")
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return figures


def restore(engine: Engine, path: Path, *, replace_data: bool = False,
            checksums: bool = False) -> dict[str, TableFigure]:
    """Replace the database's contents with the backup at `path`; the figures of the restored database.

    Refused when the database holds data, unless `replace_data`."""
    path = Path(path)
    kinds = {"sqlite": (SQLITE_HEADER, "a SQLite backup", _restore_sqlite),
             "postgresql": (PG_DUMP_HEADER, "a pg_dump custom-format backup", _restore_postgresql)}
    if engine.dialect.name not in kinds:
        raise BackupError(f"No restore for {engine.dialect.name} databases.")
    header, kind, restore_from = kinds[engine.dialect.name]
    if not path.is_file() or _header(path, len(header)) != header:
        raise BackupError(f"{path} is not {kind}.")
    if _is_the_database(engine, path):
        raise BackupError(f"{path} is the database itself.")
    occupied = tables_with_data(engine)
    if occupied and not replace_data:
        raise BackupError(f"The database already holds data in {len(occupied)} table(s) ({', '.join(occupied[:5])}"
                          f"{', …' if len(occupied) > 5 else ''}); confirm with --yes to replace it all.")
    restore_from(engine, path)
    engine.dispose()  # pooled connections may still describe the schema as it was
    with engine.connect() as conn:
        return table_figures(conn, checksums=checksums)


def _is_the_database(engine: Engine, path: Path) -> bool:
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    return bool(database) and database != ":memory:" and path.resolve() == Path(database).resolve()


def _header(path: Path, size: int) -> bytes:
    with open(path, "rb") as f:
        return f.read(size)


# SQLite


def _backup_sqlite(engine: Engine, target: Path, checksums: bool) -> dict[str, TableFigure]:
    with engine.connect() as conn:
        source = conn.connection.driver_connection
        conn.exec_driver_sql("BEGIN")  # one read transaction: the figures and the copy see one snapshot
        try:
            figures = table_figures(conn, checksums=checksums)
            copy = sqlite3.connect(target)
            try:
                source.backup(copy)
                copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
            finally:
                copy.close()
        finally:
            conn.rollback()
    return figures


def _restore_sqlite(engine: Engine, path: Path) -> None:
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        with engine.connect() as conn:
            conn.rollback()  # the copy needs the target outside any transaction
            source.backup(conn.connection.driver_connection)  # overwrites every page: schema, triggers, rows
    except sqlite3.Error as err:
        raise BackupError(f"Restoring {path} failed: {err}") from err
    finally:
        source.close()


# PostgreSQL


def _backup_postgresql(engine: Engine, target: Path, checksums: bool) -> dict[str, TableFigure]:
    with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn:
        with conn.begin():
            snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            figures = table_figures(conn, checksums=checksums)
            # The exported snapshot lives as long as this transaction: pg_dump runs inside it.
            _run(engine, "pg_dump", _server_major(conn), "--format=custom", f"--snapshot={snapshot}",
                 f"--file={target}")
    return figures


def _restore_postgresql(engine: Engine, path: Path) -> None:
    with engine.connect() as conn:
        major = _server_major(conn)
    engine.dispose()  # idle pooled connections would only hold up the DROP TABLEs
    _run(engine, "pg_restore", major, "--clean", "--if-exists", "--single-transaction", "--no-owner",
         "--exit-on-error", str(path))


def _server_major(conn: Connection) -> int:
    return int(conn.execute(text("SHOW server_version_num")).scalar_one()) // 10000


def _run(engine: Engine, tool: str, server_major: int, *args: str) -> None:
    """Run pg_dump or pg_restore against the configured database; the password goes in the
    environment, never on the command line where `ps` shows it."""
    executable = pg_tool(tool, server_major)
    conninfo, password = libpq_params(engine)
    env = {**os.environ, **({"PGPASSWORD": password} if password else {})}
    done = subprocess.run([executable, f"--dbname={conninfo}", *args], env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{tool} failed ({done.returncode}): {done.stderr.strip()}")


def libpq_params(engine: Engine) -> tuple[str, str | None]:
    """The libpq connection string of the app's DATABASE_URL (without the password), and the password."""
    url = engine.url
    params = {"host": url.host, "port": url.port, "user": url.username, "dbname": url.database}
    params.update({key: value if isinstance(value, str) else value[-1] for key, value in url.query.items()})
    return make_conninfo(**{key: value for key, value in params.items() if value is not None}), url.password


def pg_tool(name: str, server_major: int) -> str:
    """pg_dump or pg_restore of the server's major version (an older one refuses a newer server or
    its dumps): /usr/lib/postgresql/<major>/bin first, then newer majors there, then the PATH's."""
    candidates = [PG_BIN_ROOT / str(server_major) / "bin" / name]
    if PG_BIN_ROOT.is_dir():
        candidates += sorted(PG_BIN_ROOT.glob(f"*/bin/{name}"), key=lambda p: _number(p.parent.parent.name))
    on_path = shutil.which(name)
    if on_path:
        candidates.append(Path(on_path))
    found = []
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            major = tool_major(str(candidate))
            found.append(f"{candidate} ({major})")
            if major is not None and major >= server_major:
                return str(candidate)
    raise BackupError(f"No {name} of PostgreSQL {server_major} or newer found "
                      f"({', '.join(found) or 'none installed'}); install postgresql-client-{server_major}.")


def tool_major(executable: str) -> int | None:
    done = subprocess.run([executable, "--version"], capture_output=True, text=True)
    match = re.search(r"\b(\d+)(?:\.\d+)?", done.stdout)
    return int(match.group(1)) if done.returncode == 0 and match else None


def _number(text_: str) -> int:
    return int(text_) if text_.isdigit() else -1
