"""Deadline rules (DESIGN.md's table). Times are timezone-aware; `tz` is the town's zone."""
from dataclasses import dataclass
from datetime import datetime, time, timedelta, tzinfo

from .lifecycle import Status
from .workdays import WorkCalendar

ACCEPT_WORKING_DAYS = 1
CONCLUDE_DAYS = 30
FOLLOW_UP_DAYS = 15
CONFIRMATION_DAYS = 30  # 人民调解法 art. 33


@dataclass(frozen=True)
class Due:
    at: datetime
    provisional: bool = False  # the holiday schedule for some day in between is not known yet


def end_of_day(day, tz: tzinfo) -> datetime:
    return datetime.combine(day, time(23, 59, 59), tzinfo=tz)


def accept_by(received_at: datetime, calendar: WorkCalendar, tz: tzinfo) -> Due:
    """By the end of the first working day after the channel received the case."""
    day, certain = calendar.add_working_days(received_at.astimezone(tz).date(), ACCEPT_WORKING_DAYS)
    return Due(end_of_day(day, tz), provisional=not certain)


def conclude_by(accepted_at: datetime, extension_days: int, tz: tzinfo) -> Due:
    day = accepted_at.astimezone(tz).date() + timedelta(days=CONCLUDE_DAYS + extension_days)
    return Due(end_of_day(day, tz))


def follow_up_by(closed_at: datetime, tz: tzinfo) -> Due:
    return Due(end_of_day(closed_at.astimezone(tz).date() + timedelta(days=FOLLOW_UP_DAYS), tz))


def confirmation_by(agreed_at: datetime, tz: tzinfo) -> Due:
    return Due(end_of_day(agreed_at.astimezone(tz).date() + timedelta(days=CONFIRMATION_DAYS), tz))


def next_deadline(status: Status, accept: datetime | None, conclude: datetime | None,
                  follow_up: datetime | None) -> datetime | None:
    """The one deadline the case is working towards now; the queue sorts by it."""
    return {
        Status.REGISTERED: accept,
        Status.ACCEPTED: conclude,
        Status.IN_MEDIATION: conclude,
        Status.CLOSED: follow_up,
    }.get(status)
