"""The town a deployment serves, as the rules need it: time zone, calendar, deadline policy."""
from dataclasses import dataclass, field
from datetime import tzinfo

from .deadlines import Policy
from .workdays import WorkCalendar


@dataclass(frozen=True)
class Town:
    tz: tzinfo
    reference_prefix: str = "XH"
    calendar: WorkCalendar = field(default_factory=WorkCalendar)
    policy: Policy = field(default_factory=Policy)
