"""The jobs, as data: name, function, when it fires."""
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, time
from functools import partial
from typing import Callable

from ..core.errors import N_
from ..core.schedules import Daily, Every, Weekly
from ..core.town import Town
from ..organisation.town import meeting_schedule
from ..core.hotspots import scan_schedule
from ..hotspots import services as hotspot_services
from ..outbox import delivery
from ..review import services as review_services
from ..screening.reminders import screening_reminders
from . import recompute, sweeps


@dataclass(frozen=True)
class JobSpec:
    name: str
    func: Callable[[datetime, Town], int]
    schedule: Every | Daily | Weekly
    # What it does: an English msgid (the admin jobs page shows it translated, with `summary_params`).
    summary: str
    # Runs one at a time (PostgreSQL advisory lock) with the town read after the lock, so a run
    # that started on an older calendar cannot finish after, and overwrite, a newer one.
    serial: bool = False
    summary_params: Mapping = field(default_factory=dict)

    @property
    def description(self) -> str:
        """The summary in English, for the command line (`flask jobs list`)."""
        return self.summary % dict(self.summary_params)


def jobs(cfg: Mapping) -> dict[str, JobSpec]:
    """The jobs as the configuration `cfg` (the app's config) times them."""
    agenda_day, agenda_at = meeting_schedule(cfg).agenda_build_time()
    specs = [
        JobSpec("overdue_sweep", sweeps.overdue_sweep, Every(cfg["JOBS_SWEEP_SECONDS"]),
                N_("Flag due-soon and overdue cases; notify once per change of flag.")),
        JobSpec("pre_meeting_agenda", sweeps.pre_meeting_agenda, Weekly(agenda_day, agenda_at),
                N_("Build the next joint meeting's agenda and notify the attendees' offices.")),
        JobSpec("daily_reminders", sweeps.daily_reminders, Daily(cfg["JOBS_DAILY_AT"]),
                N_("Remind of return visits and judicial-confirmation windows coming due.")),
        JobSpec("audit_purge", partial(sweeps.audit_purge, retention_days=cfg["AUDIT_RETENTION_DAYS"]),
                Daily(cfg["AUDIT_PURGE_AT"]),
                N_("Remove audit rows older than %(days)s days (the purge is itself audited)."),
                summary_params={"days": cfg["AUDIT_RETENTION_DAYS"]}),
        # Also run at once whenever an admin changes the calendar or the policy; daily it catches
        # an upgraded holiday package.
        JobSpec(recompute.JOB_NAME, recompute.recompute_deadlines, Daily(cfg.get("JOBS_RECOMPUTE_AT", time(3, 0))),
                N_("Recompute open cases' deadlines from the calendar and deadline policy; rows = cases whose deadline moved."),
                serial=True),
        JobSpec("deliver_outbox", delivery.deliver_outbox, Every(cfg.get("OUTBOX_SECONDS", 60)),
                N_("Send due outbox messages (SMS, channel callbacks); retry with backoff.")),
        JobSpec("hotspot_scan", hotspot_services.hotspot_scan, scan_schedule(meeting_schedule(cfg)),
                N_("Find this week's hotspot warnings (热点预警) for the joint meeting; rows = warnings found.")),
        JobSpec("case_file_review", review_services.review_closed_cases, Daily(cfg.get("JOBS_REVIEW_AT", time(2, 30))),
                N_("Review closed case files (卷宗评查): score and grade each closed case whose review is missing or stale; rows = reviews written.")),
        JobSpec("screening_reminders", screening_reminders, Daily(cfg["JOBS_DAILY_AT"]),
                N_("Daily: remind the village committees of their monthly screening report (矛盾纠纷排查) due soon or overdue, and tell the supervisors who is overdue.")),
    ]
    return {spec.name: spec for spec in specs}
