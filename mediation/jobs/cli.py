"""`flask jobs list | run NAME [--now ISO] | scheduler`, and `flask calendar show YEAR`."""
import logging
import time
from datetime import date, datetime, timezone

import click
from apscheduler.schedulers.background import BackgroundScheduler
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import select

from ..core.vocab import MAX_YEAR, MIN_YEAR
from ..db import utcnow
from ..extensions import db
from ..organisation.models import CalendarOverride
from ..organisation.town import calendar_exceptions, load_town
from .registry import jobs
from .runner import run_job

log = logging.getLogger(__name__)


def _parse_now(value: str | None) -> datetime:
    if not value:
        return utcnow()
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(f"not an ISO 8601 time: {value!r}") from exc
    if parsed.tzinfo is None:
        raise click.BadParameter("give a time zone offset, e.g. 2026-11-26T09:00+08:00")
    return parsed.astimezone(timezone.utc)


def register(app: Flask) -> None:
    group = AppGroup("jobs", help="Scheduled jobs: list, run one, or run the scheduler.")

    @group.command("list")
    def list_jobs():
        """Name, schedule and purpose of each job."""
        for spec in jobs(current_app.config).values():
            click.echo(f"{spec.name:<20} {spec.schedule}  {spec.description}")

    @group.command("run")
    @click.argument("name")
    @click.option("--now", "now_text", default=None, help="ISO 8601 time with offset; default: now.")
    @click.option("--force", is_flag=True, help="Run even if this firing already ran (fire time = now).")
    def run(name, now_text, force):
        """Run one job once, as its scheduled firing at or before --now."""
        if name not in jobs(current_app.config):
            raise click.ClickException(f"No job {name!r}; see `flask jobs list`.")
        now = _parse_now(now_text)
        result = run_job(name, now, fire_time=now if force else None)
        click.echo(f"{result.job} {result.fire_time.isoformat()} {result.status}"
                   + (f" rows={result.rows}" if result.rows is not None else "")
                   + (f" error={result.error}" if result.error else ""))
        if result.status == "failed":
            raise SystemExit(1)

    @group.command("scheduler")
    @click.option("--run-for", type=float, default=None, help="Stop after this many seconds (tests).")
    def scheduler(run_for):
        """Run the scheduler: one process for the whole deployment, never one per web worker."""
        app_obj = current_app._get_current_object()
        tz = load_town(app_obj.config).tz
        sched = BackgroundScheduler(timezone=timezone.utc)
        for spec in jobs(app_obj.config).values():
            def fire(name=spec.name):
                with app_obj.app_context():
                    result = run_job(name, utcnow())
                    click.echo(f"{result.job} {result.fire_time.isoformat()} {result.status}", nl=True)
            sched.add_job(fire, id=spec.name, coalesce=True, max_instances=1, misfire_grace_time=300,
                          **spec.schedule.trigger_args(tz))
        sched.start()
        click.echo(f"scheduler running: {', '.join(jobs(app_obj.config))}")
        try:
            deadline = time.monotonic() + run_for if run_for else None
            while deadline is None or time.monotonic() < deadline:
                time.sleep(0.2)
        except KeyboardInterrupt:
            pass
        finally:
            sched.shutdown(wait=True)

    app.cli.add_command(group)
    app.cli.add_command(calendar_group())


def calendar_group() -> AppGroup:
    group = AppGroup("calendar", help="The working calendar as deadlines count it.")

    @group.command("show")
    @click.argument("year", type=click.IntRange(MIN_YEAR, MAX_YEAR))
    def show(year):
        """Each weekday off and each weekend day worked in YEAR: `DAY holiday|workday NAME SOURCE`,
        SOURCE being package (chinesecalendar), statutory (computed, provisional) or admin."""
        town = load_town(current_app.config)
        notes = dict(db.session.execute(select(CalendarOverride.day, CalendarOverride.note)
                                        .where(CalendarOverride.day.between(date(year, 1, 1), date(year, 12, 31)))).all())
        for day in calendar_exceptions(town.calendar, year, notes):
            click.echo(day.line())

    return group
