"""The town a deployment serves, as the rules need it: time zone, calendar, deadline policy, meeting."""
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, tzinfo

from .deadlines import Policy
from .workdays import WorkCalendar


@dataclass(frozen=True)
class MeetingSchedule:
    """The weekly joint meeting (联席会议): when it sits, when its agenda is built, who attends."""

    weekday: int = 3  # Monday is 0: Thursday
    at: time = time(9, 0)  # local time in the town's zone
    lead_hours: int = 24  # the agenda is built this long before the meeting
    attendee_offices: tuple[str, ...] = ("police_station", "judicial_office", "law_firm", "petition_office",
                                         "safety_office")

    def agenda_build_time(self) -> tuple[int, time]:
        """(weekday, local time) at which the agenda is built, `lead_hours` before the meeting."""
        meeting = datetime(2026, 1, 5, self.at.hour, self.at.minute) + timedelta(days=self.weekday)  # a Monday on
        build_at = meeting - timedelta(hours=self.lead_hours)
        return build_at.weekday(), build_at.time()


@dataclass(frozen=True)
class Town:
    tz: tzinfo
    reference_prefix: str = "XH"
    calendar: WorkCalendar = field(default_factory=WorkCalendar)
    policy: Policy = field(default_factory=Policy)
    meeting: MeetingSchedule = field(default_factory=MeetingSchedule)
