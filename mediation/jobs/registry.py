"""The jobs, as data: name, function, when it fires."""
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable

from flask import Flask

from . import sweeps
from .schedules import Daily, Every, Weekly


@dataclass(frozen=True)
class JobSpec:
    name: str
    func: Callable[[datetime], int]
    schedule: Every | Daily | Weekly
    description: str


def jobs(app: Flask) -> dict[str, JobSpec]:
    cfg = app.config
    # The agenda is built MEETING_LEAD_HOURS before the weekly meeting (default 24 hours).
    meeting = datetime(2026, 1, 5) + timedelta(days=cfg["MEETING_WEEKDAY"])  # a Monday, plus the weekday
    meeting = meeting.replace(hour=cfg["MEETING_TIME"].hour, minute=cfg["MEETING_TIME"].minute)
    build_at = meeting - timedelta(hours=cfg["MEETING_LEAD_HOURS"])
    specs = [
        JobSpec("overdue_sweep", sweeps.overdue_sweep, Every(cfg["JOBS_SWEEP_SECONDS"]),
                "Flag due-soon and overdue cases; notify once per change of flag."),
        JobSpec("pre_meeting_agenda", sweeps.pre_meeting_agenda, Weekly(build_at.weekday(), build_at.time()),
                "Build the next joint meeting's agenda and notify the attendees' offices."),
        JobSpec("daily_reminders", sweeps.daily_reminders, Daily(cfg["JOBS_DAILY_AT"]),
                "Remind of return visits and judicial-confirmation windows coming due."),
    ]
    return {spec.name: spec for spec in specs}
