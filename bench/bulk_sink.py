"""Writing generated rows fast: SQLite executemany in one transaction per chunk, PostgreSQL COPY.

For the load, the secondary indexes of the bulk tables are dropped and recreated at the end from
the database's own definitions (SQLite's `sqlite_master.sql`, PostgreSQL's `pg_get_indexdef` and
`pg_get_constraintdef`), so what is rebuilt is exactly what the migrations created: same names,
columns and expressions. The search-terms primary key is the costly one (terms arrive in random
order): SQLite keeps it (it is part of the table) and gets each chunk's terms sorted; PostgreSQL
drops the constraint and adds it back, which builds the index in one sort.
"""
import os
import sqlite3
from queue import Empty
import time

from bulk_cases import COLUMNS, TABLES

BULK_TABLES = TABLES


def log(msg: str) -> None:
    print(msg, flush=True)


class SQLiteSink:
    """One connection, one transaction per chunk. The search terms (a third of the work) are written by
    a separate process into a side file holding the same table and indexes (`TermsWriter`); at the end
    one `INSERT INTO case_search_terms SELECT * FROM side.case_search_terms` copies them, which SQLite
    does record by record in index order without sorting (its transfer optimisation) when the table
    is empty."""

    def __init__(self, path: str, keep_indexes: bool = False):
        self.path = path
        self.keep_indexes = keep_indexes
        self.dropped: list[tuple[str, str]] = []  # (name, CREATE INDEX sql)
        self.conn = None
        self.side_path = f"{path}.terms-tmp"

    def open(self) -> None:
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA foreign_keys=OFF")  # the rows are consistent by construction
        self.journal_mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
        _bulk_pragmas(conn, cache_mb=64)
        self.conn = conn

    def terms_schema(self) -> list[str]:
        """CREATE statements of the search-terms table and its indexes, as the migrations made them."""
        return [sql for (sql,) in self.conn.execute(
            "SELECT sql FROM sqlite_master WHERE tbl_name = 'case_search_terms' AND sql IS NOT NULL "
            "ORDER BY type = 'index', name")]

    def begin_load(self) -> None:
        if self.keep_indexes:
            return
        names = ", ".join(f"'{t}'" for t in BULK_TABLES if t != "case_search_terms")
        self.dropped = self.conn.execute(
            f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
            f"AND tbl_name IN ({names}) ORDER BY tbl_name, name").fetchall()
        for name, _sql in self.dropped:
            self.conn.execute(f'DROP INDEX "{name}"')
        log(f"  dropped {len(self.dropped)} secondary indexes for the load (recreated at the end)")

    def write(self, rows: dict[str, list]) -> None:
        c = self.conn
        c.execute("BEGIN")
        try:
            for table in BULK_TABLES:
                data = rows.get(table)
                if not data:
                    continue
                cols = COLUMNS[table]
                c.executemany(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                              data)
            c.execute("COMMIT")
        except BaseException:
            c.execute("ROLLBACK")
            raise

    def build_indexes(self) -> None:
        c = self.conn
        c.execute("PRAGMA cache_size=-98304")  # 96 MiB: also what the sorter keeps in memory
        for name, sql in self.dropped:
            started = time.perf_counter()
            c.execute(sql)
            log(f"  index {name}: {time.perf_counter() - started:.1f}s")
        self.dropped = []

    def take_terms(self) -> None:
        c = self.conn
        started = time.perf_counter()
        empty = c.execute("SELECT NOT EXISTS (SELECT 1 FROM case_search_terms)").fetchone()[0]
        c.execute("ATTACH DATABASE ? AS side", (self.side_path,))
        c.execute("BEGIN")
        c.execute("INSERT INTO main.case_search_terms SELECT * FROM side.case_search_terms")
        c.execute("COMMIT")
        c.execute("DETACH DATABASE side")
        os.remove(self.side_path)
        log(f"  search terms copied in {time.perf_counter() - started:.1f}s"
            + ("" if empty else " (the table had rows: copied row by row)"))

    def end_load(self, counters: dict[tuple[str, int], int]) -> None:
        c = self.conn
        c.execute("BEGIN")
        for (prefix, year), value in sorted(counters.items()):
            c.execute("INSERT INTO reference_counters (prefix, year, last_value) VALUES (?, ?, ?) "
                      "ON CONFLICT (prefix, year) DO UPDATE SET last_value = max(last_value, excluded.last_value)",
                      (prefix, year, value))
        c.execute("COMMIT")

    def restore(self) -> None:
        """Indexes back if a load failed half-way, and the journal as the app wants it."""
        c = self.conn
        for name, sql in self.dropped:
            try:
                c.execute(sql)
            except sqlite3.Error as exc:
                log(f"  could not recreate {name}: {exc}")
        c.execute("PRAGMA locking_mode=NORMAL")
        c.execute("PRAGMA synchronous=FULL")
        c.execute(f"PRAGMA journal_mode={self.journal_mode or 'WAL'}")
        c.execute("SELECT 1 FROM sqlite_master LIMIT 1")  # releases the exclusive lock
        c.close()
        if os.path.exists(self.side_path):
            os.remove(self.side_path)

    def counts(self) -> dict[str, int]:
        conn = sqlite3.connect(self.path)
        out = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in _ALL_COUNTED}
        conn.close()
        return out


def _bulk_pragmas(conn, cache_mb: int) -> None:
    conn.execute("PRAGMA journal_mode=OFF")
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA locking_mode=EXCLUSIVE")
    conn.execute(f"PRAGMA cache_size=-{cache_mb * 1024}")


def terms_writer(path: str, schema: list[str], queue, written, batches: int) -> None:
    """Process body: insert `batches` batches of (terms, case ids) from `queue` into `path`."""
    if os.path.exists(path):
        os.remove(path)
    conn = sqlite3.connect(path, isolation_level=None)
    _bulk_pragmas(conn, cache_mb=160)
    for sql in schema:
        conn.execute(sql)
    parent = os.getppid()
    for _ in range(batches):
        while True:
            try:
                terms, ids = queue.get(timeout=10)
                break
            except Empty:
                if os.getppid() != parent:
                    raise SystemExit("the generator went away")
        conn.execute("BEGIN")
        conn.executemany("INSERT INTO case_search_terms (term, case_id) VALUES (?, ?)", zip(terms, ids))
        conn.execute("COMMIT")
        with written.get_lock():
            written.value += len(terms)
    conn.close()


_ALL_COUNTED = (*BULK_TABLES, "reference_counters", "users", "offices", "villages", "routing_rules")

class PostgresSink:
    """COPY, chunk by chunk. When every bulk table is empty, the whole load is one transaction that
    first truncates them, so COPY can write the rows frozen and all-visible (COPY … FREEZE): no
    VACUUM pass is needed afterwards for index-only scans. Otherwise (--append) each chunk is its own
    transaction and the tables are vacuumed at the end. Foreign-key triggers are switched off for the
    session (session_replication_role = replica, superuser only; else the foreign keys are dropped
    and added back, which checks them)."""

    def __init__(self, conninfo: dict, keep_indexes: bool = False):
        self.conninfo = conninfo
        self.keep_indexes = keep_indexes
        self.dropped_indexes: list[tuple[str, str]] = []  # (name, CREATE INDEX …)
        self.dropped_constraints: list[tuple[str, str, str]] = []  # (table, name, definition)
        self.conn = None
        self.freeze = False

    def connect(self):
        import psycopg
        return psycopg.connect(**self.conninfo)

    def open(self) -> None:
        conn = self.connect()
        conn.autocommit = True
        conn.execute("SET synchronous_commit = off")
        conn.execute("SET maintenance_work_mem = '256MB'")
        conn.execute("SET max_parallel_maintenance_workers = 2")
        superuser = conn.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").fetchone()[0]
        if superuser:
            conn.execute("SET session_replication_role = replica")
        self.superuser = superuser
        self.conn = conn

    def begin_load(self) -> None:
        c = self.conn
        tables = list(BULK_TABLES)
        if not self.keep_indexes:
            self.dropped_indexes = c.execute(
                "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
                "JOIN pg_class t ON t.oid = i.indrelid "
                "WHERE t.relname = ANY(%s) AND t.relnamespace = 'public'::regnamespace "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid) "
                "ORDER BY 1", (tables,)).fetchall()
            # The search terms' primary key is costly to maintain row by row; the foreign keys too,
            # when their triggers cannot be switched off.
            wanted = ["p"] + ([] if self.superuser else ["f"])
            self.dropped_constraints = c.execute(
                "SELECT t.relname, k.conname, pg_get_constraintdef(k.oid) FROM pg_constraint k "
                "JOIN pg_class t ON t.oid = k.conrelid "
                "WHERE t.relname = ANY(%s) AND t.relnamespace = 'public'::regnamespace AND k.contype = ANY(%s) "
                "AND (k.contype = 'f' OR t.relname = 'case_search_terms') ORDER BY k.contype DESC, 1, 2",
                (tables, wanted)).fetchall()
            for name, _sql in self.dropped_indexes:
                c.execute(f"DROP INDEX {name}")
            for table, name, _sql in self.dropped_constraints:
                c.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
            log(f"  dropped {len(self.dropped_indexes)} indexes and {len(self.dropped_constraints)} constraints "
                f"for the load (recreated at the end)")
        # Tables whose foreign keys point at the bulk tables must be truncated with them.
        referencing = [r[0] for r in c.execute(
            "SELECT DISTINCT t.relname FROM pg_constraint k JOIN pg_class t ON t.oid = k.conrelid "
            "JOIN pg_class r ON r.oid = k.confrelid WHERE k.contype = 'f' AND r.relname = ANY(%s)",
            (tables,)).fetchall()]
        truncate = sorted(set(tables) | set(referencing))
        empty = all(not c.execute(f"SELECT EXISTS (SELECT 1 FROM {t})").fetchone()[0] for t in truncate)
        if empty:
            self.freeze = True
            c.autocommit = False
            c.execute(f"TRUNCATE {', '.join(truncate)}")
            log("  one transaction, COPY … FREEZE")

    def write(self, blocks: dict) -> None:
        """One chunk: per table, rows (tuples) or ready COPY text (bytes)."""
        conn = self.conn
        option = " WITH (FREEZE)" if self.freeze else ""
        if not self.freeze:
            conn.autocommit = False
        with conn.cursor() as cur:
            for table in BULK_TABLES:
                data = blocks.get(table)
                if not data:
                    continue
                with cur.copy(f"COPY {table} ({', '.join(COLUMNS[table])}) FROM STDIN{option}") as copy:
                    if isinstance(data, bytes):
                        copy.write(data)  # already COPY text
                    else:
                        write_row = copy.write_row
                        for row in data:
                            write_row(row)
        if not self.freeze:
            conn.commit()
            conn.autocommit = True

    def end_load(self, counters: dict[tuple[str, int], int]) -> None:
        c = self.conn
        if self.freeze:
            c.commit()
            c.autocommit = True
        self._recreate()
        for table in BULK_TABLES:
            if "id" not in COLUMNS[table] and not c.execute(
                    "SELECT 1 FROM information_schema.columns WHERE table_name = %s AND column_name = 'id'",
                    (table,)).fetchone():
                continue
            seq = c.execute("SELECT pg_get_serial_sequence(%s, 'id')", (table,)).fetchone()
            if seq and seq[0]:
                c.execute(f"SELECT setval('{seq[0]}', coalesce((SELECT max(id) FROM {table}), 0) + 1, false)")
        with c.transaction():
            for (prefix, year), value in sorted(counters.items()):
                c.execute("INSERT INTO reference_counters (prefix, year, last_value) VALUES (%s, %s, %s) "
                          "ON CONFLICT (prefix, year) DO UPDATE SET "
                          "last_value = greatest(reference_counters.last_value, excluded.last_value)",
                          (prefix, year, value))
        if self.superuser:
            c.execute("SET session_replication_role = DEFAULT")
        started = time.perf_counter()
        what = "ANALYZE" if self.freeze else "VACUUM (ANALYZE)"
        for table in BULK_TABLES:
            c.execute(f"{what} {table}")
        log(f"  {what.lower()}: {time.perf_counter() - started:.1f}s")

    def _recreate(self) -> None:
        """Constraints and indexes back, on two connections at once: the search terms (the big sort)
        on one, every other table on the other; foreign keys last."""
        from concurrent.futures import ThreadPoolExecutor
        steps = [(t, n, f'ALTER TABLE {t} ADD CONSTRAINT "{n}" {d}') for t, n, d in self.dropped_constraints
                 if not d.startswith("FOREIGN")]
        steps += [(n.split(".")[-1], n, sql) for n, sql in self.dropped_indexes]
        steps = [(sql.split(" ON ")[1].split()[0].split(".")[-1] if sql.startswith("CREATE") else t, n, sql)
                 for t, n, sql in steps]
        terms = [s for s in steps if s[0] == "case_search_terms"]
        rest = [s for s in steps if s[0] != "case_search_terms"]

        def run(group):
            conn = self.connect()
            conn.autocommit = True
            conn.execute("SET maintenance_work_mem = '256MB'")
            conn.execute("SET max_parallel_maintenance_workers = 2")
            try:
                for _table, name, sql in group:
                    started = time.perf_counter()
                    conn.execute(sql)
                    log(f"  {name}: {time.perf_counter() - started:.1f}s")
            finally:
                conn.close()

        with ThreadPoolExecutor(2) as pool:
            for future in [pool.submit(run, terms), pool.submit(run, rest)]:
                future.result()
        c = self.conn
        for table, name, sql in [x for x in self.dropped_constraints if x[2].startswith("FOREIGN")]:
            started = time.perf_counter()
            c.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {sql}')
            log(f"  constraint {name}: {time.perf_counter() - started:.1f}s")
        self.dropped_indexes, self.dropped_constraints = [], []

    def restore(self) -> None:
        try:
            if not self.conn.autocommit:
                self.conn.rollback()  # a failed load leaves nothing half-written
                self.conn.autocommit = True
            if self.dropped_indexes or self.dropped_constraints:
                self._recreate()
        finally:
            self.conn.close()

    def counts(self) -> dict[str, int]:
        conn = self.connect()
        out = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in _ALL_COUNTED}
        conn.close()
        return out
