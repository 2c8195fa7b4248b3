"""Exactly once, with real processes: several CLI runs of one firing, and two schedulers side by side.

Runs against the suite's database (PostgreSQL in CI's second pass, SQLite otherwise)."""
import os
import subprocess
import sys
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import func, select, update

from mediation.cases.models import Case
from mediation.core.lifecycle import Status
from mediation.jobs.models import JobRun
from mediation.notifications.models import Notification

ROOT = Path(__file__).resolve().parents[2]


def _env(app, **extra):
    env = dict(os.environ, MEDIATION_CONFIG="testing", FLASK_APP="wsgi",
               DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"], PYTHONUNBUFFERED="1", **extra)
    return env


def _flask(*args):
    return [sys.executable, "-m", "flask", *args]


def test_four_processes_one_firing_one_run(app, db, make_case):
    make_case()
    procs = [subprocess.Popen(_flask("jobs", "run", "overdue_sweep", "--now", "2026-11-25T10:05:00+08:00"),
                              cwd=ROOT, env=_env(app), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(4)]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), outputs
    statuses = Counter(out.split()[2] for out, _err in outputs)
    assert statuses == {"ran": 1, "skipped": 3}, outputs
    assert db.session.scalar(select(func.count()).select_from(JobRun)) == 1


def test_two_schedulers_run_each_firing_once(app, db, make_case):
    make_case()
    env = _env(app, JOBS_SWEEP_SECONDS="1")
    procs = [subprocess.Popen(_flask("jobs", "scheduler", "--run-for", "6"), cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), outputs
    lines = [line.split() for out, _err in outputs for line in out.splitlines() if line.startswith("overdue_sweep")]
    ran = [fire for _job, fire, status in lines if status == "ran"]
    skipped = [fire for _job, fire, status in lines if status == "skipped"]
    assert len(ran) >= 3, outputs  # it really fired, several times
    assert len(ran) == len(set(ran))  # no firing ran twice
    assert skipped, outputs  # the other scheduler tried the same firings and stood down
    db.session.expire_all()
    runs = db.session.execute(select(JobRun.fire_time, JobRun.error).where(JobRun.job == "overdue_sweep")).all()
    assert len(runs) == len(ran) and all(error is None for _fire, error in runs)


def test_two_sweeps_side_by_side_write_one_digest_per_user(app, db, users, make_case):
    """Two firings of the overdue sweep running at once (two processes): the flags change once, so
    each recipient gets one digest, from whichever sweep changed them."""
    cases = [make_case(Status.IN_MEDIATION) for _ in range(3)]
    db.session.execute(update(Case).where(Case.id.in_([c.id for c in cases]))
                       .values(next_deadline=datetime(2026, 11, 20, tzinfo=timezone.utc)))
    db.session.commit()
    procs = [subprocess.Popen(_flask("jobs", "run", "overdue_sweep", "--now", now), cwd=ROOT, env=_env(app),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for now in ("2026-11-25T10:05:00+08:00", "2026-11-25T10:15:00+08:00")]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), outputs
    assert sorted(out.split()[2] for out, _err in outputs) == ["ran", "ran"], outputs  # two firings, both ran
    db.session.expire_all()
    digests = db.session.execute(select(Notification.user_id, Notification.details)
                                 .where(Notification.kind == "deadline_digest")).all()
    assert sorted(u for u, _d in digests) == sorted([users["mediator"].id, users["supervisor"].id])
    assert all(d["counts"] == {"overdue": 3} for _u, d in digests)
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 2
