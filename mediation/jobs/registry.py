"""The jobs, as data: name, function, when it fires."""
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Callable

from ..core.schedules import Daily, Every, Weekly
from ..core.town import Town
from ..organisation.town import meeting_schedule
from . import sweeps


@dataclass(frozen=True)
class JobSpec:
    name: str
    func: Callable[[datetime, Town], int]
    schedule: Every | Daily | Weekly
    description: str


def jobs(cfg: Mapping) -> dict[str, JobSpec]:
    """The jobs as the configuration `cfg` (the app's config) times them."""
    agenda_day, agenda_at = meeting_schedule(cfg).agenda_build_time()
    specs = [
        JobSpec("overdue_sweep", sweeps.overdue_sweep, Every(cfg["JOBS_SWEEP_SECONDS"]),
                "Flag due-soon and overdue cases; notify once per change of flag."),
        JobSpec("pre_meeting_agenda", sweeps.pre_meeting_agenda, Weekly(agenda_day, agenda_at),
                "Build the next joint meeting's agenda and notify the attendees' offices."),
        JobSpec("daily_reminders", sweeps.daily_reminders, Daily(cfg["JOBS_DAILY_AT"]),
                "Remind of return visits and judicial-confirmation windows coming due."),
        JobSpec("audit_purge", partial(sweeps.audit_purge, retention_days=cfg["AUDIT_RETENTION_DAYS"]),
                Daily(cfg["AUDIT_PURGE_AT"]),
                f"Remove audit rows older than {cfg['AUDIT_RETENTION_DAYS']} days (the purge is itself audited)."),
    ]
    return {spec.name: spec for spec in specs}
