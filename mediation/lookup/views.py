"""进度查询: the public progress lookup (no account). A party types the reference from the
acknowledgement and the last four digits of a phone number given at intake, and sees the stage.

- No enumeration: a wrong reference and wrong digits get the same page, status and wording (the
  form is emptied either way, so the two bodies are byte-identical but for the CSRF token), after
  the same database work (services.find, the throttle, the audit row).
- Throttled per address and per reference with the database-backed counter the sign-in uses
  (auth.throttle): it holds across every web worker, host and restart. Flask-Limiter's default
  in-memory storage would count per worker process, so N workers would allow N times the limit.
  Failed lookups are counted (a party who gets it right is never held back); at the limit the
  answer is 429, for either bucket, before anything is looked up.
- Every lookup is audited: anonymous, the address, the reference tried, found or not; never the digits.
- The answer carries personal data of the case's progress: Cache-Control no-store, and it is the
  POST's own response (no redirect to a URL that would hold the reference).
"""
from datetime import timedelta

from flask import Blueprint, current_app, make_response, render_template, request
from flask_babel import format_date
from flask_babel import gettext as _

from ..auth import audit, throttle
from ..db import utcnow
from ..extensions import db
from ..organisation.town import current_town
from . import wording
from .forms import LookupForm
from .matching import normal_digits, normal_reference
from .qr import lookup_url, progress_qr_svg
from .services import find, progress

bp = Blueprint("lookup", __name__, url_prefix="/progress")

# Defaults; each can be set in config.py under the same name.
LIMITS = {
    "LOOKUP_ADDRESS_MAX_FAILURES": 20, "LOOKUP_ADDRESS_WINDOW_MINUTES": 15,  # one village's NAT has room
    "LOOKUP_REFERENCE_MAX_FAILURES": 5, "LOOKUP_REFERENCE_WINDOW_MINUTES": 60,  # 4 digits: 10,000 tries
}

bp.add_app_template_global(progress_qr_svg, "progress_qr_svg")
bp.add_app_template_global(lookup_url, "progress_lookup_url")


def _limit(name: str) -> int:
    return int(current_app.config.get(name, LIMITS[name]))


def _buckets(reference: str):
    """(audit name, throttle key, max failures, window) for the address and the reference."""
    address = request.remote_addr or "-"
    return (("address", f"lookup-addr:{address}", _limit("LOOKUP_ADDRESS_MAX_FAILURES"),
             timedelta(minutes=_limit("LOOKUP_ADDRESS_WINDOW_MINUTES"))),
            ("reference", f"lookup-ref:{reference}", _limit("LOOKUP_REFERENCE_MAX_FAILURES"),
             timedelta(minutes=_limit("LOOKUP_REFERENCE_WINDOW_MINUTES"))))


def _page(form: LookupForm, status: int = 200, **context):
    response = make_response(render_template("lookup/progress.html", form=form, words=wording, **context), status)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/", methods=["GET"])
def form():
    return _page(LookupForm())


@bp.route("/", methods=["POST"])
def lookup():
    form = LookupForm()
    if not form.validate_on_submit():
        return _page(form, 422)
    reference, digits = normal_reference(form.reference.data), normal_digits(form.digits.data)
    now, ip = utcnow(), request.remote_addr
    buckets = _buckets(reference)
    for bucket, key, most, window in buckets:
        if throttle.hits(key, now=now, window=window) >= most:
            audit.record("progress_lookup_throttled", None, "case", reference, at=now, ip=ip, success=False,
                         reference=reference, bucket=bucket)
            db.session.commit()
            minutes = int(window.total_seconds() // 60)
            response = _page(LookupForm(formdata=None), 429, refused=_(
                "Too many lookups. Wait %(m)s minutes and try again, or ask the office that handles your case.",
                m=minutes))
            response.headers["Retry-After"] = str(int(window.total_seconds()))
            return response
    match = find(reference, digits)
    found = match.case_id is not None
    if not found:
        for _bucket, key, _most, window in buckets:
            throttle.hit(key, now=now, window=window)
    audit.record("progress_lookup", None, "case", reference, at=now, ip=ip, success=found,
                 reference=reference, found=found, reference_known=match.reference_known)
    db.session.commit()
    if not found:
        return _page(LookupForm(formdata=None), not_found=True)
    town = current_town()
    return _page(form, result=progress(match.case_id, now), now=now,
                 day=lambda at: format_date(at.astimezone(town.tz).date(), "long") if at else "",
                 weekday=lambda at: format_date(at.astimezone(town.tz).date(), "EEEE") if at else "",
                 clock=lambda at: at.astimezone(town.tz).strftime("%H:%M") if at else "")
