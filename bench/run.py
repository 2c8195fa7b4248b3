"""Benchmark the app on a filled database, each figure beside its floor measured in the same run.

    DATABASE_URL=sqlite:////tmp/bench_1m.db .venv/bin/python bench/run.py --label "1M SQLite"
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench_1m .venv/bin/python bench/run.py

Fill the database first with `bench/generate.py --cases N`. Pages are requested through the
app's test client, signed in; a page's floor is a bare Flask view rendering the same rows from
raw indexed SQL; a job's or report's floor is its raw SQL alone. Medians over --repeat runs.
Prints one markdown table (and appends it to bench/RESULTS.md with --record). The run changes
the database (it sweeps, assigns, registers): use a bench copy, never real data.
"""
import argparse
import http.client
import io
import json
import os
import platform
import resource
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)
sys.path.insert(0, ROOT)

from flask import Flask, render_template_string  # noqa: E402
from sqlalchemy import create_engine, event, func, select, text, update  # noqa: E402

from mediation import create_app  # noqa: E402
from mediation.api.cli import create_token  # noqa: E402
from mediation.auth.models import User  # noqa: E402
from mediation.cases.models import Case  # noqa: E402
from mediation.core.deadlines import DueWindow  # noqa: E402
from mediation.extensions import db  # noqa: E402
from mediation.jobs import sweeps  # noqa: E402
from mediation.organisation.models import Office  # noqa: E402
from mediation.organisation.town import load_town  # noqa: E402

PASSWORD = "bench-password-0123456789"
ROW_HTML = "{% for r in rows %}<div>{{ r[0] }} {{ r[1] }} {{ r[2] }} {{ r[3] }}</div>{% endfor %}"
QUEUE_SQL = ("SELECT id, reference, status, summary FROM cases {where} "
             "ORDER BY coalesce(next_deadline, '9999-12-31 23:59:59'), id DESC LIMIT 26 OFFSET {offset}")


def median_ms(fn, repeat: int) -> float:
    fn()  # warm: first-request costs (templates, caches) are not what a user waits for each time
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


class Bench:
    def __init__(self, url: str, repeat: int):
        self.url, self.repeat, self.rows = url, repeat, []
        self.server_rss: dict[int, float] = {}
        self.app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False,
                                          "SQLALCHEMY_ENGINE_OPTIONS": {}})
        self.engine = create_engine(url)
        self.floor_app = Flask("floor")

    # -- measuring ------------------------------------------------------------------------------
    def row(self, what, ms, floor_ms=None, note=""):
        ratio = f"×{ms / floor_ms:.1f}" if floor_ms else ""
        self.rows.append((what, f"{ms:,.1f}", f"{floor_ms:,.1f}" if floor_ms else "", ratio, note))
        print(f"{what:<44} {ms:>10,.1f} ms  floor {floor_ms or 0:>8,.1f} ms  {ratio} {note}", flush=True)

    def page(self, what, client, path, floor_sql, params=None, note=""):
        status = []

        def get():
            r = client.get(path)
            status.append(r.status_code)
        app_ms = median_ms(get, self.repeat)
        assert set(status) == {200}, (path, set(status))
        self.row(what, app_ms, self.floor_page(floor_sql, params), note)

    def floor_page(self, sql, params=None) -> float:
        """The same rows from raw SQL, rendered by a bare Flask view."""
        engine = self.engine

        def view():
            with engine.connect() as conn:
                rows = conn.execute(text(sql), params or {}).all()
            return render_template_string(ROW_HTML, rows=rows)
        with self.floor_app.test_request_context():
            return median_ms(view, self.repeat)

    def raw_ms(self, sql, params=None, rollback=True, repeat=None) -> float:
        def run():
            with self.engine.connect() as conn:
                conn.execute(text(sql), params or {})
                (conn.rollback if rollback else conn.commit)()
        return median_ms(run, repeat or self.repeat)

    # -- set-up ---------------------------------------------------------------------------------
    def users(self):
        with self.app.app_context():
            office = db.session.scalar(select(Office).where(Office.code == "judicial_office"))
            supervisor = db.session.scalar(select(User).where(User.username == "bench_supervisor"))
            if supervisor is None:
                supervisor = User(username="bench_supervisor", display_name="基准 督办", role="supervisor",
                                  office_id=office.id)
                db.session.add(supervisor)
            supervisor.set_password(PASSWORD)
            busiest = db.session.execute(select(Case.mediator_id, func.count()).where(Case.mediator_id.is_not(None))
                                         .group_by(Case.mediator_id).order_by(func.count().desc()).limit(1)).first()
            mediator = db.session.get(User, busiest[0])
            mediator.set_password(PASSWORD)
            db.session.commit()
            return supervisor.username, mediator.username, mediator.id

    def client_for(self, username):
        client = self.app.test_client()
        r = client.post("/login", data={"username": username, "password": PASSWORD})
        assert r.status_code == 302, r.get_data(as_text=True)[:300]
        return client

    # -- the rows -------------------------------------------------------------------------------
    def pages(self):
        sup_name, med_name, med_id = self.users()
        sup, med = self.client_for(sup_name), self.client_for(med_name)
        with self.engine.connect() as conn:
            village = conn.execute(text("SELECT id FROM villages ORDER BY id LIMIT 1")).scalar()
            reference, case_id = conn.execute(text(
                "SELECT reference, id FROM cases WHERE status = 'in_mediation' ORDER BY id DESC LIMIT 1")).one()
            phone = conn.execute(text("SELECT phone FROM parties WHERE phone IS NOT NULL ORDER BY id DESC LIMIT 1")).scalar()
            name = conn.execute(text("SELECT name FROM parties ORDER BY id DESC LIMIT 1")).scalar()
        self.page("queue, all cases, page 1", sup, "/cases/?scope=all", QUEUE_SQL.format(where="", offset=0))
        self.page("queue filtered by status", sup, "/cases/?scope=all&status=in_mediation",
                  QUEUE_SQL.format(where="WHERE status = 'in_mediation'", offset=0))
        self.page("queue filtered by village", sup, f"/cases/?scope=all&village={village}",
                  QUEUE_SQL.format(where=f"WHERE village_id = {int(village)}", offset=0))
        self.page("my cases (busiest mediator), page 1", med, "/cases/?scope=mine",
                  QUEUE_SQL.format(where=f"WHERE mediator_id = {int(med_id)}", offset=0))
        self.page("queue, all cases, page 200", sup, "/cases/?scope=all&page=200",
                  QUEUE_SQL.format(where="", offset=199 * 25))
        self.page("case detail", sup, f"/cases/{reference}",
                  "SELECT c.reference, c.status, c.summary, t.action FROM cases c JOIN timeline_events t "
                  "ON t.case_id = c.id WHERE c.id = :id ORDER BY t.id", {"id": case_id})
        search_floor = ("SELECT c.id, c.reference, c.status, c.summary FROM case_search_terms t JOIN cases c "
                        "ON c.id = t.case_id WHERE t.term = :term ORDER BY t.case_id DESC LIMIT 50")
        tail = reference.rsplit("-", 1)[1]
        for what, query, term in (("search: phone", phone, f"p:{phone}"), ("search: reference fragment", tail,
                                   f"r:{tail}"), ("search: two-character name", name[:2], f"n:{name[:2]}"),
                                  ("search: summary word 宅基地", "宅基地", "w:宅基")):
            self.page(what, sup, f"/cases/?scope=all&q={query}", search_floor, {"term": term})
        self.page("supervision dashboard", sup, "/supervision/",
                  "SELECT status, count(*), 0, 0 FROM cases WHERE status IN ('registered','accepted','in_mediation') "
                  "GROUP BY status")
        now = datetime.now(timezone.utc)
        week = (now - timedelta(days=now.weekday())).date()
        weekly_floor = ("SELECT channel, category, count(*), 0 FROM cases WHERE received_at >= :start "
                        "AND received_at < :end GROUP BY channel, category")
        bounds = {"start": datetime.combine(week, datetime.min.time()), "end": datetime.combine(week, datetime.min.time()) + timedelta(days=7)}
        self.page("weekly summary page", sup, "/reports/weekly", weekly_floor, bounds)
        self.page("weekly summary PDF", sup, "/reports/weekly.pdf", weekly_floor, bounds)
        year = now.year - 1
        year_floor = ("SELECT category, channel, count(*), 0 FROM cases WHERE received_at >= :start AND "
                      "received_at < :end GROUP BY category, channel")
        ybounds = {"start": datetime(year, 1, 1), "end": datetime(year + 1, 1, 1)}
        self.page(f"statistics, year {year}", sup, f"/reports/statistics?start={year}-01-01&end={year}-12-31",
                  year_floor, ybounds)
        self.page(f"statistics Excel, year {year}", sup,
                  f"/reports/statistics.xlsx?start={year}-01-01&end={year}-12-31",
                  "SELECT c.reference, c.category, o.outcome, o.amount FROM case_outcomes o JOIN cases c ON "
                  "c.id = o.case_id WHERE o.closed_at >= :start AND o.closed_at < :end", ybounds)
        self.bulk_assign(sup, med_id)

    def bulk_assign(self, client, mediator_id):
        with self.engine.connect() as conn:
            refs = conn.execute(text("SELECT reference FROM cases WHERE status = 'in_mediation' "
                                     "ORDER BY id DESC LIMIT 50")).scalars().all()
        statements = []

        def count(*_args):
            statements.append(1)

        def post():
            r = client.post("/supervision/bulk", data={"case": refs, "operation": "assign", "mediator": mediator_id})
            assert r.status_code == 303
        with self.app.app_context():
            event.listen(db.engine, "before_cursor_execute", count)
            app_ms = median_ms(post, max(3, self.repeat // 3))
            event.remove(db.engine, "before_cursor_execute", count)
        floor = self.raw_ms(f"UPDATE cases SET mediator_id = {int(mediator_id)}, version = version + 1 "
                            f"WHERE reference IN ({', '.join(repr(r) for r in refs)})")
        per_post = len(statements) // (max(3, self.repeat // 3) + 1)
        self.row("bulk assign, 50 cases", app_ms, floor, f"{per_post} statements per post")

    def sweep(self):
        with self.app.app_context():
            town = load_town(self.app.config)
            now = datetime.now(timezone.utc)
            window = DueWindow.at(now, town.calendar, town.tz)
            db.session.execute(update(Case).where(Case.due_state.is_not(None)).values(due_state=None))
            db.session.commit()
            raw = ("UPDATE cases SET due_state = CASE WHEN next_deadline < :now THEN 'overdue' "
                   "WHEN next_deadline <= :cutoff THEN 'due_soon' END, due_state_at = :now "
                   "WHERE (next_deadline <= :cutoff OR due_state IN ('overdue', 'due_soon'))")
            params = {"now": now.replace(tzinfo=None), "cutoff": window.cutoff.astimezone(timezone.utc).replace(tzinfo=None)}
            floor_first = self.raw_ms(raw, params, repeat=3)
            start = time.perf_counter()
            changed = sweeps.overdue_sweep(now, town)
            db.session.commit()
            first = (time.perf_counter() - start) * 1000
            self.row("overdue sweep, first run", first, floor_first, f"{changed:,} cases flagged")
            floor_steady = self.raw_ms(raw + " AND 1 = 0", params, repeat=3)

            def steady():
                sweeps.overdue_sweep(now, town)
                db.session.commit()
            self.row("overdue sweep, steady", median_ms(steady, 5), floor_steady)

    def intake(self, seconds: float, clients: int, batch: int):
        """Channel API over loopback HTTP, gunicorn with 2 workers, `clients` concurrent clients:
        one case per request (POST /cases), then `batch` cases per request (POST /cases/batch)."""
        with self.app.app_context():
            _row, token = create_token("hotline_12345", "bench")
            db.session.commit()
        port = _free_port()
        env = dict(os.environ, DATABASE_URL=self.url, MEDIATION_CONFIG="production",
                   SECRET_KEY="b" * 40, GUNICORN_WORKERS="2", GUNICORN_BIND=f"127.0.0.1:{port}",
                   GUNICORN_ACCESSLOG="/dev/null", GUNICORN_LOGLEVEL="warning")
        server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", os.path.join(ROOT, "gunicorn.conf.py"),
                                   "--workers", "2", "--bind", f"127.0.0.1:{port}", "wsgi:app"],
                                  cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            _wait_for(port)
            for size in (1, batch):
                counts = _hammer(port, token, seconds, clients, size)
                rate = counts["stored"] / seconds
                what = "one case a request" if size == 1 else f"{size} cases a request (/cases/batch)"
                self.row(f"intake API, {clients} clients, gunicorn ×2, {what} (cases/s)", rate, None,
                         f"{counts['5xx']} answers 5xx, {counts['503']} 503, {counts['other']} other; "
                         f"p50 {counts['p50']:.0f} ms, p95 {counts['p95']:.0f} ms a request")
            self.server_rss = _tree_rss_mb(server.pid)
        finally:
            server.terminate()
            server.wait(10)

    def imports(self, rows: int):
        """A 50,000-row 12345 export (.xlsx, messy phones) uploaded, previewed and confirmed through
        the app, signed in as a supervisor; floor: the same number of case rows inserted by raw SQL
        (executemany, rolled back)."""
        sup_name, _med_name, _med_id = self.users()
        client = self.client_for(sup_name)
        with self.engine.connect() as conn:
            villages = [name for (name,) in conn.execute(text("SELECT name FROM villages ORDER BY id"))]
        content = _export_xlsx(rows, villages)
        started = time.perf_counter()
        r = client.post("/intake/import/", data={"channel": "", "file": (io.BytesIO(content), "12345.xlsx")},
                        content_type="multipart/form-data")
        upload_ms = (time.perf_counter() - started) * 1000
        assert r.status_code == 303, r.get_data(as_text=True)[:500]
        page = r.headers["Location"]
        started = time.perf_counter()
        shown = client.get(page)
        page_ms = (time.perf_counter() - started) * 1000
        assert shown.status_code == 200
        html = shown.get_data(as_text=True)
        started = time.perf_counter()
        done = client.post(page + "/confirm", data={})  # CSRF is off in the bench's app
        confirm_ms = (time.perf_counter() - started) * 1000
        assert done.status_code == 303
        with self.engine.connect() as conn:
            status, created = conn.execute(text("SELECT status, result FROM import_batches ORDER BY id DESC LIMIT 1")).one()
        created = len((json.loads(created) if isinstance(created, str) else created).get("created", []))
        floor = self.raw_insert_ms(rows)
        self.row(f"import {rows:,} rows (.xlsx, {len(content) / 2**20:.1f} MiB): upload and preview", upload_ms, floor)
        self.row("import: the preview page", page_ms, None, f"{html.count('<tr') - 1} table rows listed")
        self.row("import: confirm", confirm_ms, floor, f"batch {status}, {created:,} cases registered")
        self.row("import: upload, preview and confirm", upload_ms + confirm_ms, floor, "target ≤ 60 s")

    def raw_insert_ms(self, rows: int) -> float:
        """The floor: `rows` copies of the newest case row (every column as stored) inserted in one
        executemany, rolled back."""
        with self.engine.connect() as conn:
            template = dict(conn.execute(text("SELECT * FROM cases ORDER BY id DESC LIMIT 1")).mappings().one())
        template.pop("id")
        # JSON columns come back as dicts from PostgreSQL; bound again as the text they are stored as
        template = {k: json.dumps(v) if isinstance(v, (dict, list)) else v for k, v in template.items()}
        columns = list(template)
        params = [{**template, "reference": f"FLOOR-{n}", "external_ref": f"FLOOR-{n}"} for n in range(rows)]
        started = time.perf_counter()
        with self.engine.connect() as conn:
            conn.execute(text(f"INSERT INTO cases ({', '.join(columns)}) VALUES ({', '.join(':' + c for c in columns)})"),
                         params)
            conn.rollback()
        return (time.perf_counter() - started) * 1000

    def table(self, label: str) -> str:
        lines = [f"### {label}", "", f"{platform.node()} · {platform.processor() or platform.machine()} · "
                 f"{os.cpu_count()} cores · Python {platform.python_version()} · {self.engine.dialect.name}", "",
                 "| what | app (ms) | floor (ms) | ratio | note |", "|---|---:|---:|---:|---|"]
        lines += [f"| {' | '.join(r)} |" for r in self.rows]
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        lines += ["", f"Peak RSS of the benchmark process (app in-process, PDF rendering included): {rss:,.0f} MB"]
        if self.server_rss:
            lines += [f"Peak RSS of the gunicorn processes (master and 2 workers) after intake: "
                      + ", ".join(f"{mb:,.0f} MB" for mb in sorted(self.server_rss.values()))]
        lines += [""]
        return "\n".join(lines)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start")


def _export_xlsx(rows: int, villages: list[str]) -> bytes:
    """A 12345 work-order export as the hotline's system writes it: a title row, then the columns."""
    import random

    import openpyxl
    rng = random.Random(2026)
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(["上海市12345市民服务热线工单导出"])
    sheet.append(["工单编号", "来电时间", "诉求类型", "诉求内容", "来电人", "来电号码", "事发地址", "所属村居", "办结时限"])
    texts = ["包工头欠薪一万二千元至今未付", "楼上漏水，邻里纠纷，多次协商未果", "宅基地界址争议，双方各执一词",
             "物业费收取标准不明，业主拒交", "装修噪声扰民，深夜施工", "土地承包合同到期后拒不返还"]
    surnames, given = "王李张刘陈杨赵黄周吴徐孙胡朱高林", "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚"
    stamp = uuid.uuid4().hex[:6]
    for n in range(rows):
        mobile = f"13{rng.randrange(10**9):09d}"
        phone = rng.choice([mobile, f"+86 {mobile[:3]} {mobile[3:7]} {mobile[7:]}", f"{mobile[:3]}-{mobile[3:7]}-{mobile[7:]}",
                            f"021-5{rng.randrange(10**6, 10**7)}"])
        village = rng.choice(villages)
        sheet.append([f"SH12345-{stamp}-{n:06d}", f"2026-11-{rng.randrange(1, 29):02d} {rng.randrange(8, 18):02d}:{rng.randrange(60):02d}",
                      rng.choice(["投诉", "求助", "咨询", "建议"]), rng.choice(texts),
                      rng.choice(surnames) + "".join(rng.choice(given) for _ in range(rng.choice((1, 2)))), phone,
                      f"徐行镇{village}{rng.randrange(1, 200)}号", village, "2026-12-05"])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _submission(serial: str) -> dict:
    return {"external_id": f"B{serial}", "category": "邻里", "summary": "楼上漏水，邻里纠纷",
            "received_at": datetime.now(timezone.utc).isoformat(),
            "parties": [{"name": "张伟", "role": "applicant", "phone": f"139{uuid.uuid4().int % 10**8:08d}"},
                        {"name": "李娜", "role": "respondent", "phone": f"+86 138 {uuid.uuid4().int % 10**8:08d}"}]}


def _hammer(port: int, token: str, seconds: float, clients: int, batch: int = 1) -> dict:
    """`clients` threads posting for `seconds`; a 503 is retried (the same body) after Retry-After/10."""
    counts = {"stored": 0, "5xx": 0, "503": 0, "other": 0}
    latencies: list[float] = []
    lock = threading.Lock()
    stop = time.monotonic() + seconds
    path = "/api/v1/cases" if batch == 1 else "/api/v1/cases/batch"

    def client_loop():  # a connection per request: gunicorn's sync workers close each one
        while time.monotonic() < stop:
            cases = [_submission(uuid.uuid4().hex[:16]) for _ in range(batch)]
            body = json.dumps(cases[0] if batch == 1 else {"cases": cases})
            for _attempt in range(5):
                started = time.monotonic()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                conn.request("POST", path, body, {"Authorization": f"Bearer {token}",
                                                  "Content-Type": "application/json"})
                r = conn.getresponse()
                answer = r.read()
                conn.close()
                with lock:
                    latencies.append((time.monotonic() - started) * 1000)
                    if r.status == 503:
                        counts["503"] += 1
                    elif r.status >= 500:
                        counts["5xx"] += 1
                if r.status != 503:
                    break
                time.sleep(float(r.getheader("Retry-After", "1")) / 10)
            if batch == 1:
                stored = 1 if r.status in (200, 201) else 0
            else:
                stored = sum(1 for item in json.loads(answer)["results"] if item["status"] in (200, 201)) \
                    if r.status == 200 else 0
            with lock:
                counts["stored"] += stored
                counts["other"] += batch - stored
    threads = [threading.Thread(target=client_loop) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    latencies.sort()
    counts["p50"] = latencies[len(latencies) // 2] if latencies else 0
    counts["p95"] = latencies[int(len(latencies) * 0.95)] if latencies else 0
    return counts


def _tree_rss_mb(pid: int) -> dict[int, float]:
    """Current RSS (MB) of a process and its children, from /proc (gunicorn's master and workers)."""
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            with open(f"/proc/{entry}/status") as f:
                hwm = next(line for line in f if line.startswith("VmHWM:"))
        except (OSError, StopIteration):
            continue
        if int(entry) == pid or int(fields[1]) == pid:
            found[int(entry)] = int(hwm.split()[1]) / 1024
    return found


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--label", default=None)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--skip-intake", action="store_true")
    parser.add_argument("--only-intake", action="store_true")
    parser.add_argument("--only-import", action="store_true", help="only the spreadsheet import (its own peak RSS)")
    parser.add_argument("--import-rows", type=int, default=50_000)
    parser.add_argument("--intake-seconds", type=float, default=20)
    parser.add_argument("--intake-batch", type=int, default=100, help="cases per /cases/batch request")
    parser.add_argument("--record", action="store_true", help="append the table to bench/RESULTS.md")
    args = parser.parse_args(argv)
    url = os.environ.get("DATABASE_URL")
    if not url:
        parser.error("set DATABASE_URL to a filled bench database")
    bench = Bench(url, args.repeat)
    with bench.engine.connect() as conn:
        cases = conn.execute(text("SELECT count(*) FROM cases")).scalar()
    label = args.label or f"{cases:,} cases, {bench.engine.dialect.name}"
    print(f"# {label}")
    if args.only_import:
        bench.imports(args.import_rows)
    else:
        if not args.only_intake:
            bench.pages()
            bench.sweep()
        if not args.skip_intake:
            bench.intake(args.intake_seconds, 16, args.intake_batch)
    table = bench.table(label)
    print("\n" + table)
    if args.record:
        with open(os.path.join(BENCH, "RESULTS.md"), "a", encoding="utf-8") as f:
            f.write("\n" + table + "\n")


if __name__ == "__main__":
    main()
