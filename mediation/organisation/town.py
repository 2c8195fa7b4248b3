"""The configured town for the current app context: time zone, prefix and meeting schedule from
config; working calendar overrides and deadline policy from the database (admins edit them),
loaded once per request or job run so every worker sees an edit at once.

This is the edge's accessor: views, CLI commands and the job runner call it and pass the town on;
nothing below them reads it for itself.
"""
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app, g
from sqlalchemy import select

from ..core.deadlines import Period, Policy, Stage, Unit
from ..core.town import MeetingSchedule, Town
from ..core.workdays import DaySource, WorkCalendar
from ..extensions import db
from .models import CalendarOverride, CalendarYear, DeadlinePolicy


def current_town() -> Town:
    town = g.get("_mediation_town")
    if town is None:
        town = load_town(current_app.config)
        g._mediation_town = town
    return town


def load_town(cfg) -> Town:
    """The town as the database and `cfg` describe it now."""
    overrides = {row.day: row.is_workday for row in db.session.scalars(select(CalendarOverride))}
    years = frozenset(db.session.scalars(select(CalendarYear.year)))
    periods = {(Stage(p.stage), p.channel or None, p.variant or None): Period(p.days, Unit(p.unit))
               for p in db.session.scalars(select(DeadlinePolicy))}
    return Town(tz=ZoneInfo(cfg["TIMEZONE"]), reference_prefix=cfg["REFERENCE_PREFIX"],
                calendar=WorkCalendar(overrides, years), policy=Policy(periods), meeting=meeting_schedule(cfg))


def meeting_schedule(cfg) -> MeetingSchedule:
    at = cfg["MEETING_TIME"]
    return MeetingSchedule(weekday=int(cfg["MEETING_WEEKDAY"]), at=at if isinstance(at, time) else time.fromisoformat(at),
                           lead_hours=int(cfg["MEETING_LEAD_HOURS"]),
                           attendee_offices=tuple(cfg["MEETING_ATTENDEE_OFFICES"]))


def missing_calendar_years(town: Town, now: datetime) -> list[int]:
    """This year and next, where neither the holiday package nor an admin knows the holidays: the
    statutory holidays are computed and used, and deadlines into the year are provisional until an
    admin enters the State Council's 调休 arrangement and marks the year entered."""
    this_year = now.astimezone(town.tz).year
    return [y for y in (this_year, this_year + 1)
            if not town.calendar.package_knows_year(y) and y not in town.calendar.entered_years]


@dataclass(frozen=True)
class CalendarDay:
    """A day that breaks the weekday/weekend pattern: a weekday off or a weekend day worked."""

    day: date
    is_workday: bool
    name: str  # the holiday it belongs to, or the admin's note; "-" when neither
    source: DaySource

    def line(self) -> str:
        return f"{self.day.isoformat()} {'workday' if self.is_workday else 'holiday'} {self.name} {self.source.value}"


def calendar_exceptions(calendar: WorkCalendar, year: int, notes: Mapping[date, str] | None = None) -> list[CalendarDay]:
    """Each non-working weekday and each working weekend day of `year`, in order; `notes` are the
    admins' notes on their overrides, which name an override before the holiday's own name."""
    notes = notes or {}
    days, day = [], date(year, 1, 1)
    while day.year == year:
        working = calendar.is_workday(day)
        if working == (day.weekday() >= 5):
            source = calendar.source(day)
            name = (notes.get(day) if source == DaySource.ADMIN else None) or calendar.day_name(day) or "-"
            days.append(CalendarDay(day, working, "_".join(name.split()), source))
        day += timedelta(days=1)
    return days
