"""The configured town for the current app: built once per app, shared by every request."""
from zoneinfo import ZoneInfo

from flask import current_app

from .core.town import Town
from .core.workdays import WorkCalendar


def build_town(config) -> Town:
    return Town(tz=ZoneInfo(config["TIMEZONE"]), reference_prefix=config["REFERENCE_PREFIX"],
                calendar=WorkCalendar())


def current_town() -> Town:
    return current_app.extensions["mediation.town"]
