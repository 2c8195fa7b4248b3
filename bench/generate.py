"""Fill a database with realistic cases, fast: a million in minutes, on SQLite or PostgreSQL.

    .venv/bin/python bench/generate.py --cases 1000000
    DATABASE_URL=sqlite:////tmp/bench_1m.db .venv/bin/python bench/generate.py --cases 1000000
    .venv/bin/python bench/generate.py --cases 1000000 \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench_1m

The database (DATABASE_URL, else the app's default instance/mediation.db) is migrated first;
an empty one gets the demo town (villages, offices, users, routing rules; the users' passwords
are printed once). A database that already has cases is refused unless --append.

Cases are made by `bulk_cases` (the app's own pure rules for deadlines, risk, routing,
references and search terms, on a simulated history of each case cut at --now) in worker
processes, chunk by chunk, and written by `bulk_sink` in bulk (SQLite executemany, PostgreSQL
COPY), one transaction per chunk, never through the ORM or the app's per-case services.
"""
import argparse
import logging
import multiprocessing as mp
import os
import resource
import secrets
import sys
import time
from collections import deque
from datetime import datetime, timezone

BENCH = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(BENCH))
sys.path.insert(0, BENCH)

import bulk_cases  # noqa: E402
from bulk_sink import PostgresSink, SQLiteSink, log, terms_writer  # noqa: E402

# Bench-only staff on top of the demo's one user per role, so a million cases are spread over
# mediators as they would be: one per village committee, a few more at the judicial office,
# one liaison at the law firm. Their passwords are random and not printed.
EXTRA_JUDICIAL_MEDIATORS = ("调解员 周静", "调解员 孙强", "调解员 吴敏")


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--cases", type=int, required=True, help="how many cases to generate")
    p.add_argument("--database-url", default=None,
                   help="SQLAlchemy URL (default: $DATABASE_URL, else the app's instance/mediation.db)")
    p.add_argument("--append", action="store_true", help="add to a database that already has cases")
    p.add_argument("--seed", type=int, default=2026, help="random seed (same seed, same data)")
    p.add_argument("--now", default=None, help="the clock, ISO 8601 with offset (default: now)")
    p.add_argument("--years", type=float, default=5, help="registrations spread over this many past years")
    p.add_argument("--chunk", type=int, default=2500, help="cases per chunk (one transaction each)")
    p.add_argument("--workers", type=int, default=max(1, min(os.cpu_count() or 1, 4)),
                   help="generator processes (default: the CPU count, at most 4)")
    p.add_argument("--keep-indexes", action="store_true", help="do not drop indexes during the load (slower)")
    args = p.parse_args(argv)
    if args.cases < 1:
        p.error("--cases must be at least 1")
    if args.now:
        now = datetime.fromisoformat(args.now)
        if now.tzinfo is None:
            p.error("--now needs a UTC offset, e.g. 2026-12-01T10:00:00+08:00")
        args.now = now.astimezone(timezone.utc)
    else:
        args.now = datetime.now(timezone.utc)
    return args


def prepare_database(args) -> tuple[bulk_cases.Context, object]:
    """Migrate, load the town if there is none, refuse a database with cases; the context to generate with."""
    from flask_migrate import upgrade
    from sqlalchemy import func, select

    from mediation import create_app
    from mediation.auth.models import User
    from mediation.cases.models import Case, ReferenceCounter
    from mediation.cases.routing import active_rules
    from mediation.core.vocab import Role
    from mediation.demo import load_demo
    from mediation.extensions import db
    from mediation.organisation.models import Office, Village
    from mediation.organisation.town import current_town

    overrides = {}
    if args.database_url or os.environ.get("DATABASE_URL"):
        overrides["SQLALCHEMY_DATABASE_URI"] = args.database_url or os.environ["DATABASE_URL"]
    app = create_app("development", overrides)
    with app.app_context():
        url = db.engine.url
        log(f"database: {url.render_as_string(hide_password=True)}")
        logging.getLogger("alembic").setLevel(logging.WARNING)
        upgrade()
        town = current_town()
        if db.session.scalar(select(func.count()).select_from(Office)) == 0:
            passwords = load_demo(args.now, town, case_count=0)
            _add_bench_staff(db, Office, User, Role)
            db.session.commit()
            log("loaded the demo town; its users (passwords shown once):")
            for username, (role, password) in passwords.items():
                log(f"  {username:<10} {role:<10} {password}")
        existing = db.session.scalar(select(func.count()).select_from(Case))
        if existing and not args.append:
            raise SystemExit(f"refusing: the database already has {existing:,} cases "
                             f"(use --append to add to them, or point --database-url at an empty database)")
        villages = [(v.id, v.code, v.name, bool(v.is_community))
                    for v in db.session.scalars(select(Village).order_by(Village.id))]
        offices = [bulk_cases.Office(o.id, o.code, o.kind, o.village_id)
                   for o in db.session.scalars(select(Office).where(Office.active.is_(True)).order_by(Office.id))]
        users = [bulk_cases.User(u.id, u.username, u.role, u.office_id, u.display_name)
                 for u in db.session.scalars(select(User).where(User.active.is_(True)).order_by(User.id))]
        counters = {row.year: row.last_value for row in db.session.scalars(
            select(ReferenceCounter).where(ReferenceCounter.prefix == town.reference_prefix))}
        base_id = (db.session.scalar(select(func.max(Case.id))) or 0) + 1
        ctx = bulk_cases.Context(
            now=args.now, tz=town.tz, prefix=town.reference_prefix, policy=town.policy, calendar=town.calendar,
            villages=villages, offices=offices, users=users, rules=active_rules(), cases=args.cases,
            base_id=base_id, seed=args.seed, years=args.years, counter_start=counters)
        _check_columns(db.engine)
        db.session.commit()
        db.engine.dispose()  # no connection crosses the fork into the workers
    return ctx, url


def _add_bench_staff(db, Office, User, Role) -> None:
    from sqlalchemy import select
    offices = {o.code: o for o in db.session.scalars(select(Office))}

    def add(username, display, role, office):
        user = User(username=username, display_name=display, role=role.value, office_id=office.id)
        user.set_password(secrets.token_urlsafe(16))
        db.session.add(user)

    for office in offices.values():
        if office.kind == "village_committee" and office.code != "vc_xiaomiao":  # the demo has 赵芳 there
            add(f"m_{office.code[3:]}", f"{office.name[:-6]}调委会 调解员", Role.MEDIATOR, office)
    if "judicial_office" in offices:
        for n, display in enumerate(EXTRA_JUDICIAL_MEDIATORS, start=2):
            add(f"mediator{n}", display, Role.MEDIATOR, offices["judicial_office"])
    db.session.flush()  # the law firm's liaison comes with the demo (mediation/demo.py)


def _check_columns(engine) -> None:
    """Every NOT NULL column without a server default must be one we write (the schema moves on)."""
    from sqlalchemy import inspect
    inspector = inspect(engine)
    problems = []
    for table, columns in bulk_cases.COLUMNS.items():
        live = {c["name"]: c for c in inspector.get_columns(table)}
        missing = [c for c in columns if c not in live]
        if missing:
            problems.append(f"{table}: no column {', '.join(missing)}")
        for name, col in live.items():
            if name not in columns and name != "id" and not col["nullable"] and col.get("default") is None:
                problems.append(f"{table}.{name} is NOT NULL without a default and the generator does not fill it")
    if problems:
        raise SystemExit("the schema is not what the generator knows:\n  " + "\n  ".join(problems))


# ---- worker processes ------------------------------------------------------------------------------
_CTX: bulk_cases.Context | None = None
_POSTGRES = False
_TERMS: bulk_cases.TermMaker | None = None


_TERMS_QUEUE = None


def _init_worker(ctx, postgres, terms_queue):
    global _CTX, _POSTGRES, _TERMS, _TERMS_QUEUE
    _CTX, _POSTGRES, _TERMS, _TERMS_QUEUE = ctx, postgres, bulk_cases.TermMaker(), terms_queue


def _work(job):
    """One chunk: PostgreSQL gets COPY text for every table; SQLite gets rows, and the search terms go
    straight to the terms writer."""
    chunk_no, first, count = job
    started = time.process_time()
    chunk = bulk_cases.make_chunk(_CTX, chunk_no, first, count)
    counts = {t: len(r) for t, r in chunk.rows.items()}
    if _POSTGRES:
        # Rows go to the main process, which hands them to psycopg's COPY (its C row encoder); the
        # search terms, two plain columns, are encoded here.
        payload = chunk.rows
        payload["case_search_terms"] = _TERMS.copy_text(chunk.texts)
        counts["case_search_terms"] = payload["case_search_terms"].count(b"\n")
    else:
        payload = chunk.rows
        terms, ids = _TERMS.columns(chunk.texts)
        counts["case_search_terms"] = len(terms)
        cpu = time.process_time() - started
        _TERMS_QUEUE.put((terms, ids))
        return chunk_no, payload, counts, chunk.max_reference, chunk.statuses, cpu
    return chunk_no, payload, counts, chunk.max_reference, chunk.statuses, time.process_time() - started


def rss_mb(who=resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def cpu_seconds(who) -> float:
    r = resource.getrusage(who)
    return r.ru_utime + r.ru_stime


def main(argv=None) -> None:
    args = parse_args(argv)
    started = time.perf_counter()
    ctx, url = prepare_database(args)
    ctx.prepare()
    backend = url.get_backend_name()
    if backend == "sqlite":
        sink = SQLiteSink(url.database, keep_indexes=args.keep_indexes)
    elif backend == "postgresql":
        conninfo = dict(url.translate_connect_args(username="user", database="dbname"))
        conninfo.update(url.query)
        sink = PostgresSink(conninfo, keep_indexes=args.keep_indexes)
    else:
        raise SystemExit(f"unsupported database {backend}")
    postgres = backend == "postgresql"
    log(f"generating {args.cases:,} cases (seed {args.seed}, now {args.now.isoformat()}, "
        f"{args.workers} workers, chunks of {args.chunk:,}); load average {os.getloadavg()[0]:.1f}")

    jobs = [(n, first, min(args.chunk, args.cases - first))
            for n, first in enumerate(range(0, args.cases, args.chunk))]
    totals = {t: 0 for t in bulk_cases.TABLES}
    statuses: dict[str, int] = {}
    counters: dict[tuple[str, int], int] = {}
    gen_cpu = write_seconds = 0.0
    forked = mp.get_context("fork")
    terms_proc = terms_queue = terms_written = None
    sink.open()
    try:
        sink.begin_load()
        if not postgres:
            terms_queue = forked.Queue(maxsize=4)
            terms_written = forked.Value("q", 0)
            terms_proc = forked.Process(target=terms_writer, name="terms-writer", daemon=True,
                                        args=(sink.side_path, sink.terms_schema(), terms_queue, terms_written,
                                              len(jobs)))
            terms_proc.start()
        load_started = time.perf_counter()
        pool = forked.Pool(args.workers, initializer=_init_worker, initargs=(ctx, postgres, terms_queue))
        try:
            pending: deque = deque()
            queue = iter(jobs)
            window = args.workers + 1  # chunks in flight: bounded memory
            for job in queue:
                pending.append(pool.apply_async(_work, (job,)))
                if len(pending) >= window:
                    break
            done = 0
            while pending:
                chunk_no, payload, counts, max_ref, chunk_statuses, cpu = pending.popleft().get()
                for job in queue:
                    pending.append(pool.apply_async(_work, (job,)))
                    break
                w = time.perf_counter()
                sink.write(payload)
                write_seconds += time.perf_counter() - w
                gen_cpu += cpu
                del payload
                for t, n in counts.items():
                    totals[t] += n
                for s, n in chunk_statuses.items():
                    statuses[s] = statuses.get(s, 0) + n
                for year, value in max_ref.items():
                    key = (ctx.prefix, year)
                    counters[key] = max(counters.get(key, 0), value)
                done += counts["cases"]
                if chunk_no % 20 == 19 or done == args.cases:
                    elapsed = time.perf_counter() - load_started
                    rate = done / elapsed
                    terms = f"  terms {terms_written.value / 1e6:5.1f}M" if terms_written is not None else ""
                    log(f"  {done:>10,} cases  {elapsed:7.1f}s  {rate:8,.0f}/s  "
                        f"eta {(args.cases - done) / rate:6.0f}s  write {write_seconds:6.1f}s{terms}  "
                        f"rss {rss_mb():.0f} MB  load {os.getloadavg()[0]:.1f}")
            pool.close()  # workers exit after flushing what they queued for the terms writer
            pool.join()
        finally:
            pool.terminate()
            pool.join()
        log(f"main rows written in {time.perf_counter() - load_started:.1f}s (generation {gen_cpu:.0f} CPU-s "
            f"in workers, writing {write_seconds:.0f}s); building indexes …")
        index_started = time.perf_counter()
        if postgres:
            sink.end_load(counters)
        else:
            sink.build_indexes()  # while the terms writer finishes
            terms_proc.join()
            if terms_proc.exitcode != 0:
                raise SystemExit(f"the search-terms writer failed (exit code {terms_proc.exitcode})")
            sink.take_terms()
            sink.end_load(counters)
        log(f"indexes, search terms and counters in {time.perf_counter() - index_started:.1f}s")
    finally:
        if terms_proc is not None and terms_proc.is_alive():
            terms_proc.terminate()
        sink.restore()

    elapsed = time.perf_counter() - started
    counts = sink.counts()
    log("\nrows per table:")
    for table, n in counts.items():
        log(f"  {table:<20} {n:>12,}")
    log("cases by status (this run):")
    for status, n in sorted(statuses.items(), key=lambda kv: -kv[1]):
        log(f"  {status:<20} {n:>12,}  {100 * n / args.cases:5.1f} %")
    log(f"\nelapsed {elapsed:.1f}s for {args.cases:,} cases; "
        f"CPU {cpu_seconds(resource.RUSAGE_SELF):.0f}s here + {cpu_seconds(resource.RUSAGE_CHILDREN):.0f}s in "
        f"worker processes; peak RSS {rss_mb():.0f} MB here, {rss_mb(resource.RUSAGE_CHILDREN):.0f} MB "
        f"the largest worker; load average now {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
