"""The one wrapper every job run goes through, from the scheduler or the CLI.

It first claims the (job, fire time) row in its own transaction: a second scheduler, or a
second CLI call for the same firing, finds the row taken and does nothing. Then it runs the
job in one transaction, commits or rolls back, and records the outcome on the claimed row.
"""
import logging
import os
import socket
import zlib
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from ..db import DATABASE_ADVISORY_LOCK, advisory_key, utcnow
from ..extensions import db
from ..organisation.town import load_town
from .models import JobRun
from .registry import jobs

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunResult:
    job: str
    fire_time: datetime
    status: str  # ran, skipped (claimed elsewhere), failed
    rows: int | None = None
    error: str | None = None


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:64]


def _serialise(name: str) -> None:
    """Wait for any other run of job `name` to commit (SQLite lets one writer at a time anyway)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text(DATABASE_ADVISORY_LOCK), {"key": advisory_key(zlib.crc32(name.encode()))})


def run_job(name: str, now: datetime, fire_time: datetime | None = None) -> RunResult:
    spec = jobs(current_app.config)[name]
    town = load_town(current_app.config)  # the calendar and policy as they are now
    fire_time = fire_time or spec.schedule.floor(now, town.tz)
    claim = JobRun(job=name, fire_time=fire_time, started_at=utcnow(), worker=worker_name())
    db.session.add(claim)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        log.info("job %s at %s already claimed elsewhere", name, fire_time.isoformat())
        return RunResult(name, fire_time, "skipped")
    claim_id = claim.id
    try:
        if spec.serial:
            _serialise(name)
            town = load_town(current_app.config)  # as the previous run of this job left it, not as before the lock
        rows = spec.func(now, town)
        claim.rows, claim.finished_at = rows, utcnow()
        db.session.commit()
        return RunResult(name, fire_time, "ran", rows)
    except Exception as exc:  # recorded on the run row, then re-raised nowhere: the scheduler goes on
        db.session.rollback()
        log.exception("job %s failed", name)
        claim = db.session.get(JobRun, claim_id)
        claim.error, claim.finished_at = f"{type(exc).__name__}: {exc}"[:2000], utcnow()
        db.session.commit()
        return RunResult(name, fire_time, "failed", error=claim.error)
