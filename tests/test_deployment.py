"""The deployment README describes, run for real: gunicorn with 4 workers and 2 schedulers on one
fresh database, in the production configuration, on 127.0.0.1 only.

(a) 16 channel clients submit 160 work orders at once (40 of them twice, the same content under
    the same external_id), retrying on 503 as a client does: every acknowledged submission is
    stored exactly once, each external_id has one 201 and one reference, and no answer is a 5xx
    other than 503.
(b) Two schedulers run the overdue sweep every 2 seconds beside the intake: each firing is one
    job_runs row, run by exactly one of them, its outcome recorded.

The database is a file SQLite database, or, when the suite runs on PostgreSQL (DATABASE_URL), a
fresh PostgreSQL database created and dropped here; `flask db upgrade` builds it. Every process
is stopped at the end, whatever happens.
"""
import json
import os
import random
import re
import secrets
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter, defaultdict
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from .api.conftest import submission

REPO = Path(__file__).resolve().parents[1]
WORKERS = 4
SCHEDULERS = 2
SWEEP_SECONDS = 2
SCHEDULER_RUN_FOR = 10  # seconds: about five sweep firings
THREADS, PER_THREAD, REPEATED = 16, 10, 40  # 160 submissions, 120 distinct external_ids
MAX_TRIES = 20  # per submission, 503s included
TEST_BUDGET = 60  # seconds, start to finish
CHANNEL = "hotline_12345"


@pytest.fixture
def db():
    """This test does not use the suite's database (the autouse fixture of the same name)."""
    yield None


@pytest.fixture
def database_url(tmp_path):
    """A fresh, empty database's URL: PostgreSQL when the suite runs on it, else a SQLite file."""
    suite_url = os.environ.get("DATABASE_URL", "")
    if not suite_url.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'deployment.db'}"
        return
    name = f"mediation_deploy_test_{os.getpid()}_{secrets.token_hex(3)}"
    admin = create_engine(make_url(suite_url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(suite_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def production_env(database_url):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "GUNICORN_"))}
    env.update({
        "MEDIATION_CONFIG": "production",
        "SECRET_KEY": secrets.token_hex(16),  # 32 bytes, the least production accepts
        "DATABASE_URL": database_url,
        "JOBS_SWEEP_SECONDS": str(SWEEP_SECONDS),
        "PYTHONUNBUFFERED": "1",
    })
    return env


def _flask(env, *args, timeout=60) -> str:
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"flask {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


class Processes:
    """Processes started here, each in its own session (so a gunicorn master's workers go with it)."""

    def __init__(self, log_dir: Path):
        self.log_dir = log_dir
        self.started: list[tuple[str, subprocess.Popen, object]] = []

    def start(self, name: str, argv: list[str], env: dict) -> subprocess.Popen:
        log = open(self.log_dir / f"{name}.log", "w")
        proc = subprocess.Popen(argv, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
        self.started.append((name, proc, log))
        return proc

    def output(self, name: str) -> str:
        return (self.log_dir / f"{name}.log").read_text(errors="replace")

    def stop_all(self) -> None:
        for _name, proc, _log in self.started:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for _name, proc, log in self.started:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
            try:
                os.killpg(proc.pid, signal.SIGKILL)  # anything of its session still running (workers)
            except (ProcessLookupError, PermissionError):
                pass
            log.close()


def _wait_for(predicate, timeout: float, what: str, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


# Loopback only, whatever proxy the environment names.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _request(url: str, body: bytes | None = None, token: str | None = None):
    headers = {"Content-Type": "application/json"} if body is not None else {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=body, method="POST" if body is not None else "GET", headers=headers)
    try:
        with _OPENER.open(request, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers, err.read()


def _submit(url: str, token: str, body: bytes, statuses: list[int]) -> tuple[int, dict]:
    """POST until an answer other than 503, waiting Retry-After (with a little jitter) between tries."""
    for _try in range(MAX_TRIES):
        status, headers, raw = _request(url, body, token)
        statuses.append(status)
        if status != 503:
            return status, json.loads(raw or b"{}")
        assert headers.get("Retry-After") == "1", headers
        time.sleep(float(headers["Retry-After"]) * random.uniform(0.8, 1.2))
    return 503, {}


def _external_id(i: int) -> str:
    return f"GD-DEPLOY-{i:04d}"


def _work_order(i: int) -> dict:
    """Work order `i`: its own parties, as distinct callers' orders are."""
    return submission(_external_id(i), summary=f"部署测试工单 {i}：楼上住户深夜噪音", parties=[
        {"name": f"张{i}", "role": "applicant", "phone": f"139{i:08d}"},
        {"name": f"李{i}", "role": "respondent", "phone": f"137{i:08d}"},
    ])


def _as_utc(value) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def test_gunicorn_workers_and_two_schedulers_share_one_database(tmp_path, production_env, database_url):
    started = time.monotonic()
    env = production_env
    _flask(env, "db", "upgrade")
    token = _flask(env, "channel-token", "create", "--channel", CHANNEL, "--name", "test").strip().splitlines()[-1]
    phases = {"database and token": time.monotonic() - started}

    processes = Processes(tmp_path)
    try:
        for n in range(SCHEDULERS):
            processes.start(f"scheduler{n}", [sys.executable, "-m", "flask", "--app", "wsgi", "jobs", "scheduler",
                                              "--run-for", str(SCHEDULER_RUN_FOR)], env)
        gunicorn = processes.start("gunicorn", [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py",
                                                "wsgi:app"],
                                   {**env, "GUNICORN_BIND": "127.0.0.1:0", "GUNICORN_WORKERS": str(WORKERS)})

        def listening():
            assert gunicorn.poll() is None, processes.output("gunicorn")
            found = re.search(r"Listening at: http://127\.0\.0\.1:(\d+)", processes.output("gunicorn"))
            return found and int(found.group(1))

        port = _wait_for(listening, 20, "gunicorn to listen")
        base = f"http://127.0.0.1:{port}"
        _wait_for(lambda: processes.output("gunicorn").count("Booting worker with pid") >= WORKERS, 20,
                  f"{WORKERS} workers to boot")
        _wait_for(lambda: _request(f"{base}/api/v1/openapi.json")[0] == 200, 20, "the app to answer")
        _wait_for(lambda: all("scheduler running" in processes.output(f"scheduler{n}") for n in range(SCHEDULERS)),
                  20, "the schedulers to start")
        # Warm-up, not timed: a first registration in each worker (imports, compiled statements).
        warmed: list[int] = []

        def warm_up(n):
            body = json.dumps(submission(f"GD-WARM-{n}", parties=[{"name": f"王{n}", "role": "applicant"}]))
            warmed.append(_submit(f"{base}/api/v1/cases", token, body.encode(), [])[0])

        warm = [threading.Thread(target=warm_up, args=(n,)) for n in range(2 * WORKERS)]
        for t in warm:
            t.start()
        for t in warm:
            t.join(timeout=30)
        assert warmed == [201] * len(warm), warmed
        phases["processes up"] = time.monotonic() - started

        # (a) concurrent intake
        rng = random.Random(20261126)
        distinct = THREADS * PER_THREAD - REPEATED
        bodies = {_external_id(i): json.dumps(_work_order(i), ensure_ascii=False).encode() for i in range(distinct)}
        sends = list(bodies) + rng.sample(list(bodies), REPEATED)
        rng.shuffle(sends)
        chunks = [sends[t * PER_THREAD:(t + 1) * PER_THREAD] for t in range(THREADS)]
        answers: list[tuple[str, int, dict]] = []
        statuses: list[int] = []
        failures: list[str] = []
        lock = threading.Lock()
        barrier = threading.Barrier(THREADS + 1)

        def client(external_ids):
            barrier.wait()
            mine, seen = [], []
            for external_id in external_ids:
                try:
                    status, payload = _submit(f"{base}/api/v1/cases", token, bodies[external_id], seen)
                except Exception as exc:  # a refused or dropped connection is a failure too
                    with lock:
                        failures.append(f"{external_id}: {type(exc).__name__}: {exc}")
                    continue
                mine.append((external_id, status, payload))
            with lock:
                answers.extend(mine)
                statuses.extend(seen)

        threads = [threading.Thread(target=client, args=(chunk,)) for chunk in chunks]
        for t in threads:
            t.start()
        barrier.wait()
        intake_started = time.monotonic()
        for t in threads:
            t.join(timeout=45)
        intake_seconds = time.monotonic() - intake_started
        assert not any(t.is_alive() for t in threads), "intake clients still running"

        assert not failures, failures
        assert not [s for s in statuses if s >= 500 and s != 503], Counter(statuses)
        assert len(answers) == len(sends)
        assert {status for _e, status, _p in answers} <= {200, 201}, Counter(s for _e, s, _p in answers)
        created = Counter(e for e, status, _p in answers if status == 201)
        assert created == Counter(list(bodies)), "each external_id is created once (201), its repeats answered 200"
        references = defaultdict(set)
        for external_id, _status, payload in answers:
            references[external_id].add(payload["reference"])

        # The web process stops gracefully (SIGTERM) while the schedulers finish their run.
        gunicorn.send_signal(signal.SIGTERM)
        gunicorn.wait(timeout=20)
        access_pids = set(re.findall(r'"POST /api/v1/cases HTTP/1.1" \d+ .* pid=<(\d+)>',
                                     processes.output("gunicorn")))
        for name, proc, _log in processes.started:
            if name.startswith("scheduler"):
                proc.wait(timeout=SCHEDULER_RUN_FOR + 20)
                assert proc.returncode == 0, processes.output(name)
        phases["schedulers done"] = time.monotonic() - started
    finally:
        processes.stop_all()

    phases["stopped"] = time.monotonic() - started
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            stored = conn.execute(text("SELECT external_ref, reference FROM cases "
                                       "WHERE channel = :c AND external_ref LIKE 'GD-DEPLOY-%'"), {"c": CHANNEL}).all()
            runs = conn.execute(text("SELECT job, fire_time, started_at, finished_at, rows, error, worker "
                                     "FROM job_runs")).all()
    finally:
        engine.dispose()

    # (a) every acknowledged submission stored exactly once, under the reference it was answered with
    stored_refs = Counter(e for e, _r in stored)
    assert len(stored) == distinct and set(stored_refs) == set(bodies) and max(stored_refs.values()) == 1
    assert {e: {r} for e, r in stored} == dict(references)

    # (b) each firing one row, run by one scheduler, its outcome recorded
    keys = [(job, _as_utc(fire_time)) for job, fire_time, *_rest in runs]
    assert len(keys) == len(set(keys)), "a firing ran twice"
    sweeps = sorted(_as_utc(r.fire_time) for r in runs if r.job == "overdue_sweep")
    assert len(sweeps) >= 3, f"the sweep fired {len(sweeps)} times in {SCHEDULER_RUN_FOR}s"
    assert all(t.timestamp() % SWEEP_SECONDS == 0 for t in sweeps), sweeps
    for run in runs:
        assert run.finished_at is not None and run.error is None and run.rows is not None, run
    said = defaultdict(list)  # (job, fire time) -> what each scheduler printed for it
    for n in range(SCHEDULERS):
        for job, fire_time, status in re.findall(r"^(\w+) (\S+) (ran|skipped|failed)$",
                                                 processes.output(f"scheduler{n}"), re.M):
            said[(job, _as_utc(fire_time))].append((n, status))
    ran = {key for key, outcomes in said.items() if any(status == "ran" for _n, status in outcomes)}
    assert all([s for _n, s in outcomes].count("ran") == 1 for outcomes in said.values()), said
    assert not any(s == "failed" for outcomes in said.values() for _n, s in outcomes), said
    assert ran == set(keys), (ran, keys)
    assert any(len(outcomes) == SCHEDULERS for outcomes in said.values()), \
        "the schedulers never competed for a firing"
    assert len(access_pids) > 1, f"one worker answered everything: {access_pids}"

    elapsed = time.monotonic() - started
    busy = statuses.count(503)
    print(f"\n[deployment] {make_url(database_url).get_backend_name()}: {distinct} cases from {len(sends)} "
          f"submissions ({len(statuses)} requests, {busy} answered 503) in {intake_seconds:.2f}s: "
          f"{distinct / intake_seconds:.1f} cases/s, {len(statuses) / intake_seconds:.1f} requests/s; "
          f"{len(access_pids)} workers answered; {len(sweeps)} sweep firings, "
          f"{sum(len(o) for o in said.values()) - len(said)} skipped as claimed; whole test {elapsed:.1f}s "
          f"({', '.join(f'{k} at {v:.1f}s' for k, v in phases.items())})")
    assert elapsed < TEST_BUDGET
