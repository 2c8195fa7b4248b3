"""矛盾纠纷排查 pages: a village committee's monthly report (`screening.report`, /screening/), the
judicial office's overview of every committee (`screening.overview`, printable), and the admin's
due day (`screening.settings`). Thin: the rules are in core/screening.py, the rows in services.py."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from ..auth.permissions import may, page_required
from ..clock import request_now
from ..core.permissions import Page
from ..core.screening import (HISTORY_MONTHS, Figures, ScreeningRules, closes_on, due_date, is_late,
                              is_open, local_month, month_text, months_back, next_month, parse_month,
                              previous_month, reminder_from, status)
from ..extensions import db
from ..organisation.town import current_town
from .forms import ScreeningReportForm, ScreeningSettingsForm
from .services import (FiguresRefused, ScreeningRefused, StaleReport, cases_registered, history, load_rules,
                       month_summary, report_for, reporting_committee, save_report, save_rules)

bp = Blueprint("screening", __name__, url_prefix="/screening")

FORM_FIELDS = ("disputes_found", "mediated", "in_progress", "risks_and_hazards", "key_disputes")


class BadMonth(Exception):
    pass


def _month_arg(default):
    """?month=YYYY-MM, or `default` when absent; BadMonth when it is there but unreadable."""
    text = request.args.get("month")
    if text is None or not text.strip():
        return default
    month = parse_month(text)
    if month is None:
        raise BadMonth()
    return month


def _bad_month():
    return render_template("errors/error.html", code=400,
                           message=_("Month: give a month as YYYY-MM, between the years 2000 and 2100.")), 400


def _under_field(form, refusal) -> None:
    message = _(refusal.message, **refusal.params)
    if refusal.field in FORM_FIELDS:
        form[refusal.field].errors = list(form[refusal.field].errors) + [message]
    else:
        flash(message, "danger")


# ---------------------------------------------------------------------------------------------
# The committee's report
# ---------------------------------------------------------------------------------------------

@bp.route("/", methods=["GET", "POST"])
@login_required
def report():
    office = reporting_committee(current_user)
    if office is None:
        if may(current_user, Page.SUPERVISION) and request.method == "GET":
            return redirect(url_for(".overview"))
        abort(403)
    now, town = request_now(), current_town()
    today = now.astimezone(town.tz).date()
    this_month = local_month(now, town.tz)
    try:
        month = _month_arg(this_month)
    except BadMonth:
        return _bad_month()
    rules = load_rules()
    existing = report_for(office.id, month)
    editable = is_open(month, today)
    form = ScreeningReportForm()
    if request.method == "POST":
        if not editable:
            flash(_("The report for %(month)s is closed: reports are taken and revised during their month and "
                    "the month after.", month=month_text(month)), "warning")
            return redirect(url_for(".report", month=month_text(month)), 303)
        if form.validate_on_submit():
            figures = Figures(nil=bool(form.nil_report.data), disputes_found=form.disputes_found.data,
                              mediated=form.mediated.data, in_progress=form.in_progress.data,
                              risks=form.risks_and_hazards.data or "", key_disputes=form.key_disputes.data or "")
            version = int(form.version.data) if form.version.data else None
            try:
                _saved, created = save_report(office, month, figures, current_user, now=now, town=town,
                                              version=version, ip=request.remote_addr)
                db.session.commit()
            except FiguresRefused as err:
                db.session.rollback()
                for refusal in err.refusals:
                    _under_field(form, refusal)
            except ScreeningRefused as err:
                db.session.rollback()
                flash(_(err.message, **err.params), "danger")
            except (StaleReport, StaleDataError, IntegrityError) as err:
                # Another member of the committee submitted or revised it in the meantime: theirs stands.
                db.session.rollback()
                flash(_(err.message) if isinstance(err, StaleReport) else
                      _("Someone else of your committee saved this report at the same moment. Nothing was "
                        "saved: check the report as it is now, then revise it again."), "warning")
                return redirect(url_for(".report", month=month_text(month)), 303)
            else:
                flash(_("The report for %(month)s was submitted.", month=month_text(month)) if created else
                      _("The report for %(month)s was revised.", month=month_text(month)), "success")
                return redirect(url_for(".report", month=month_text(month)), 303)
        office = reporting_committee(current_user)
        existing = report_for(office.id, month)
        return _report_page(office, month, form, existing, editable, rules, now, town, this_month), 422
    if existing is not None:
        form = ScreeningReportForm(obj=existing)
        form.version.data = str(existing.version)
    hint = cases_registered(office.village_id, month, town) if editable else 0
    if existing is None and hint:
        form.disputes_found.data = hint
    return _report_page(office, month, form, existing, editable, rules, now, town, this_month, hint=hint)


def _report_page(office, month, form, existing, editable, rules, now, town, this_month, hint=None):
    today = now.astimezone(town.tz).date()
    past = history(office.id, this_month)
    months = months_back(this_month, HISTORY_MONTHS)
    lines = [(m, past.get(m), status(m in past, bool(past.get(m) and past[m].nil_report), m, today, rules),
              bool(past.get(m) and is_late(past[m].submitted_at, m, rules, town.tz))) for m in months]
    state = status(existing is not None, bool(existing and existing.nil_report), month, today, rules)
    return render_template(
        "screening/report.html", office=office, month=month, month_text=month_text(month), form=form,
        report=existing, editable=editable, state=state, due=due_date(month, rules),
        remind_from=reminder_from(month, rules), closes=closes_on(month),
        late=bool(existing and is_late(existing.submitted_at, month, rules, town.tz)), hint=hint,
        lines=lines, month_text_of=month_text)


# ---------------------------------------------------------------------------------------------
# The judicial office's overview
# ---------------------------------------------------------------------------------------------

@bp.route("/overview")
@page_required(Page.SUPERVISION)
def overview():
    now, town = request_now(), current_town()
    try:
        month = _month_arg(local_month(now, town.tz))
    except BadMonth:
        return _bad_month()
    summary = month_summary(month, now, town)
    return render_template("screening/overview.html", s=summary, month_text=month_text(month), now=now,
                           prev_month=month_text(previous_month(month)), next_month=month_text(next_month(month)),
                           month_text_of=month_text)


# ---------------------------------------------------------------------------------------------
# The admin's due day
# ---------------------------------------------------------------------------------------------

@bp.route("/settings", methods=["GET", "POST"])
@page_required(Page.ADMIN)
def settings():
    rules = load_rules()
    form = ScreeningSettingsForm()
    if request.method == "GET":
        form.due_day.data, form.remind_days.data = rules.due_day, rules.remind_days
        return render_template("screening/settings.html", form=form, rules=rules)
    if not form.validate_on_submit():
        return render_template("screening/settings.html", form=form, rules=rules), 422
    save_rules(ScreeningRules(form.due_day.data, form.remind_days.data), current_user, now=request_now(),
               ip=request.remote_addr)
    db.session.commit()
    flash(_("Saved: reports are due by day %(day)s of each month.", day=form.due_day.data), "success")
    return redirect(url_for(".settings"), 303)
