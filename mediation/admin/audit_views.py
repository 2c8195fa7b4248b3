"""The audit trail for the administrator: search by user, event, object and period, newest first.

One query per page whatever the table holds (a LIMIT/OFFSET page, the user joined, no count).
Addresses are shown without their last part and free text through the one scrubber: the page
says who did what, not the parties' or staff's personal data in full.
"""
from datetime import datetime, time, timedelta

from flask import Blueprint, render_template, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import DateField, SelectField, StringField
from wtforms.validators import Length, Optional, ValidationError

from ..auth.audit import PURGE_ACTION
from ..auth.models import AuditEvent, User
from ..auth.permissions import page_required
from ..core.identity import scrub_identifiers
from ..core.permissions import Page
from ..core.vocab import MAX_YEAR, MIN_YEAR
from ..extensions import db
from ..forms_common import Form, whole_number
from ..organisation.town import current_town

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")

PAGE_SIZE = 50
MAX_PAGE = 10_000
DETAILS_SHOWN = 300  # characters of an event's details on the page

# The events the system records, as the page names them; an event not listed shows its code.
ACTION_LABELS = {
    "category_rule_saved": _l("Category keyword rule saved"), "category_rule_deleted": _l("Category keyword rule deleted"),
    "category_rule_moved": _l("Category keyword rule moved"),
    "category_rule_defaults": _l("Default category keyword rules loaded"),
    "progress_lookup": _l("Progress lookup"), "progress_lookup_throttled": _l("Progress lookup throttled"),
    "login": _l("Signed in"), "login_failed": _l("Sign-in failed"), "login_locked": _l("Sign-in while locked"),
    "account_locked": _l("Account locked"), "login_throttled": _l("Sign-in throttled"), "logout": _l("Signed out"),
    "password_changed": _l("Changed own password"), "password_change_failed": _l("Password change failed"),
    "password_reset": _l("Password reset"), "user_created": _l("Account created"),
    "user_updated": _l("Account changed"), "user_enabled": _l("Account enabled"),
    "user_disabled": _l("Account disabled"), "user_unlocked": _l("Account unlocked"),
    "access_refused": _l("Access refused"), "api_call": _l("API call"), "api_register": _l("Case registered by API"),
    "reveal": _l("Personal data revealed"), "view_personal_data": _l("Personal data revealed"),
    "print_personal_data": _l("Personal data printed"), "export": _l("Export"),
    "import": _l("Import confirmed"), "import_failed": _l("Import failed"), "import_discarded": _l("Import discarded"),
    "routing_defaults": _l("Default routing rules loaded"), "routing_rule_saved": _l("Routing rule saved"),
    "routing_rule_deleted": _l("Routing rule deleted"), "calendar_override": _l("Calendar day saved"),
    "calendar_override_deleted": _l("Calendar day deleted"), "calendar_year": _l("Calendar year entered"),
    "deadline_policy": _l("Deadline policy saved"), "deadline_policy_deleted": _l("Deadline policy deleted"),
    "channel_token_created": _l("Channel token created"), "channel_token_revoked": _l("Channel token revoked"),
    "channel_callback_saved": _l("Channel callback saved"), "outbox_retry": _l("Outbox message retried"),
    "job_run": _l("Job run by an administrator"), PURGE_ACTION: _l("Old audit rows purged"),
}


def _year_in_range(form, field):
    if field.data is not None and not MIN_YEAR <= field.data.year <= MAX_YEAR:
        raise ValidationError(_l("Give a date from %(lo)s to %(hi)s.", lo=MIN_YEAR, hi=MAX_YEAR))


class AuditSearchForm(Form):
    class Meta:
        csrf = False  # a search (GET): nothing is changed

    user = StringField(_l("Username"), validators=[Optional(), Length(max=64)])
    action = StringField(_l("Event"), validators=[Optional(), Length(max=32)])
    object_type = StringField(_l("Object type"), validators=[Optional(), Length(max=32)])
    object_id = StringField(_l("Object id"), validators=[Optional(), Length(max=64)])
    date_from = DateField(_l("From"), validators=[Optional(), _year_in_range])
    date_to = DateField(_l("To"), validators=[Optional(), _year_in_range])
    outcome = SelectField(_l("Result"), choices=[("", _l("Any result")), ("ok", _l("Succeeded")),
                                                  ("refused", _l("Refused or failed"))], validators=[Optional()])

    def validate_date_to(self, field):
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("The end of the period is before its start."))


def _filters(form: AuditSearchForm) -> list:
    tz = current_town().tz
    filters = []
    if form.user.data and form.user.data.strip():
        filters.append(User.username == form.user.data.strip())
    for name in ("action", "object_type", "object_id"):
        value = (getattr(form, name).data or "").strip()
        if value:
            filters.append(getattr(AuditEvent, name) == value)
    if form.date_from.data:  # whole days in the town's zone
        filters.append(AuditEvent.at >= datetime.combine(form.date_from.data, time.min, tz))
    if form.date_to.data:
        filters.append(AuditEvent.at < datetime.combine(form.date_to.data + timedelta(days=1), time.min, tz))
    if form.outcome.data:
        filters.append(AuditEvent.success.is_(form.outcome.data == "ok"))
    return filters


def mask_ip(ip: str | None) -> str:
    """An address without its host part: 192.168.1.*, 2001:db8:1:2:*."""
    if not ip:
        return ""
    if ":" in ip:
        return ":".join(ip.split(":")[:4]) + ":*"
    return ".".join(ip.split(".")[:3]) + ".*"


def details_text(details: dict | None) -> str:
    text = ", ".join(f"{key}={value}" for key, value in sorted((details or {}).items()))
    text = scrub_identifiers(text)
    return text if len(text) <= DETAILS_SHOWN else text[:DETAILS_SHOWN] + "…"


@bp.route("/")
@page_required(Page.AUDIT)
def index():
    form = AuditSearchForm(request.args)
    valid = form.validate()
    number = whole_number(request.args.get("page"), 1, MAX_PAGE) or 1
    rows = []
    if valid:
        rows = db.session.execute(
            select(AuditEvent, User.username, User.display_name)
            .outerjoin(User, User.id == AuditEvent.user_id)
            .where(*_filters(form))
            .order_by(AuditEvent.seq.desc())
            .offset((number - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)).all()
    has_next = len(rows) > PAGE_SIZE
    filter_args = {k: v for k, v in request.args.items() if k not in ("page", "lang") and v}
    return render_template("admin/audit.html", form=form, rows=rows[:PAGE_SIZE], page=number, has_next=has_next,
                           filter_args=filter_args, action_labels=ACTION_LABELS, mask_ip=mask_ip,
                           details_text=details_text), 200 if valid else 422
