"""What templates are given: labels, local times, masking, deadline badges, page permissions.

This is the edge: it reads the request, the signed-in user and the clock, and hands them to
the rules below as arguments.
"""
from datetime import datetime

from flask import Flask, g, request, url_for
from flask_babel import get_locale
from flask_login import current_user

from .auth.permissions import may
from .cases.access import masks_party_names
from .cases.queries import count_label
from .core.deadlines import DueWindow, days_left
from .core.identity import mask_address, mask_id_number, mask_name, mask_phone, scrub_identifiers
from .core.vocab import SUCCESS_OUTCOMES
from .db import utcnow
from .labels import LABELS, STATUS_BADGE, label, local_time
from .notifications.services import unread_count
from .organisation.town import current_town, missing_calendar_years
from .screening.services import reporting_committee

DUE_CSS = {"overdue": "danger", "due_soon": "warning", "on_track": "success"}


def deadline_state(due: datetime | None, now: datetime | None = None) -> dict | None:
    """How far off a deadline is, for a badge: the same rule as the overdue sweep."""
    if due is None:
        return None
    now = now or utcnow()
    town = current_town()
    state = _window(now).state_of(due) or "on_track"
    calendar_days, working_days = days_left(due, now, town.calendar, town.tz)
    return {"state": state, "days": calendar_days, "working_days": working_days, "css": DUE_CSS[state]}


def _window(now: datetime) -> DueWindow:
    """The due-state bounds at `now`, worked out once per request (a list shows many badges)."""
    cached = g.get("_due_window")
    if cached is None or cached.now != now:
        town = current_town()
        cached = g._due_window = DueWindow.at(now, town.calendar, town.tz)
    return cached


def parse_iso(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def lang_url(lang: str) -> str:
    args = dict(request.view_args or {})
    args.update(request.args.to_dict())
    args["lang"] = lang
    return url_for(request.endpoint or "cases.queue", **args)


def my_unread_count() -> int:
    """For the navbar, once per request."""
    if not current_user.is_authenticated:
        return 0
    if "_unread" not in g:
        g._unread = unread_count(current_user.id)
    return g._unread


def party_name(name: str | None) -> str:
    """A party's name as the signed-in user may see it: 张*国 for those who see names masked."""
    if current_user.is_authenticated and masks_party_names(current_user):
        return mask_name(name)
    return name or ""


def register(app: Flask) -> None:
    app.jinja_env.filters.update(
        local_time=local_time, parse_iso=parse_iso, mask_phone=mask_phone, scrub=scrub_identifiers,
        mask_id=mask_id_number, mask_address=mask_address,
        mask_name=mask_name, capped=count_label)
    app.jinja_env.globals.update(
        unread_count=my_unread_count, missing_calendar_years=lambda: missing_calendar_years(current_town(), utcnow()),
        label=label, LABELS=LABELS, STATUS_BADGE=STATUS_BADGE, SUCCESS_OUTCOMES=SUCCESS_OUTCOMES,
        deadline_state=deadline_state, lang_url=lang_url, party_name=party_name, may=lambda page: may(current_user, page),
        screening_committee=lambda: reporting_committee(current_user) if current_user.is_authenticated else None,
        current_locale=lambda: "zh_CN" if get_locale().language == "zh" else "en")
