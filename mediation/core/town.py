"""The town a deployment serves, as the rules need it: time zone, calendar, reference prefix."""
from dataclasses import dataclass, field
from datetime import tzinfo

from .workdays import WorkCalendar


@dataclass(frozen=True)
class Town:
    tz: tzinfo
    reference_prefix: str = "XH"
    calendar: WorkCalendar = field(default_factory=WorkCalendar)
