"""The configured town for the current app context: time zone and prefix from config; working
calendar overrides and deadline policy from the database (admins edit them), loaded once per
request or job run so every worker sees an edit at once."""
from zoneinfo import ZoneInfo

from flask import current_app, g
from sqlalchemy import select

from .core.deadlines import Period, Policy, Stage, Unit
from .core.town import Town
from .core.workdays import WorkCalendar
from .extensions import db


def current_town() -> Town:
    town = g.get("_mediation_town")
    if town is None:
        from .admin.models import CalendarOverride, CalendarYear, DeadlinePolicy

        overrides = {row.day: row.is_workday for row in db.session.scalars(select(CalendarOverride))}
        years = frozenset(db.session.scalars(select(CalendarYear.year)))
        periods = {(Stage(p.stage), p.channel or None, p.variant or None): Period(p.days, Unit(p.unit))
                   for p in db.session.scalars(select(DeadlinePolicy))}
        town = Town(tz=ZoneInfo(current_app.config["TIMEZONE"]),
                    reference_prefix=current_app.config["REFERENCE_PREFIX"],
                    calendar=WorkCalendar(overrides, years), policy=Policy(periods))
        g._mediation_town = town
    return town


def forget_town() -> None:
    """After an admin edit within the same request or job."""
    g.pop("_mediation_town", None)
