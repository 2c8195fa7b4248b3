"""What the reports' pages share: their blueprint, the period a page asks for, and file downloads."""
from datetime import date

from flask import Blueprint, Response, request
from flask_babel import gettext as _

from ..clock import request_now
from ..core.vocab import MAX_YEAR, MIN_YEAR
from ..organisation.town import current_town

bp = Blueprint("reports", __name__, url_prefix="/reports")


class BadRequestMessage(Exception):
    """A query argument we cannot use: shown to the user, never a 500."""


def parse_date(value: str | None, name: str) -> date | None:
    if not value:
        return None
    try:
        parsed = date.fromisoformat(value.strip())
    except ValueError:
        raise BadRequestMessage(_("%(field)s: give a date as YYYY-MM-DD.", field=name)) from None
    if not MIN_YEAR <= parsed.year <= MAX_YEAR:
        raise BadRequestMessage(_("Give dates between the years %(lo)s and %(hi)s.", lo=MIN_YEAR, hi=MAX_YEAR))
    return parsed


def attachment(body: bytes, mimetype: str, filename: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def requested_period(default_start=None) -> tuple[date, date]:
    """?start=&end= (YYYY-MM-DD); by default from `default_start(today)` (the first of this month) to today."""
    today = request_now().astimezone(current_town().tz).date()
    first = parse_date(request.args.get("start"), _("From")) or (default_start or (lambda d: d.replace(day=1)))(today)
    last = parse_date(request.args.get("end"), _("To")) or today
    if last < first:
        raise BadRequestMessage(_("The end of the period comes before its start."))
    return first, last
