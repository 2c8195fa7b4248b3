"""Admin pages: routing rules (三所联动), the keyword rules that propose an imported row's category,
working calendar, deadline policy, job runs; the channels' callbacks (callback_views.py) and the
outbox (outbox_views.py) hang on the same blueprint."""
from datetime import date

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..auth import audit
from ..auth.permissions import page_required
from ..core.permissions import Page
from ..cases.models import RoutingRule
from ..cases.routing import load_default_rules
from ..core.cells import OTHER, match_keywords
from ..intake.models import CategoryRule
from ..intake.services import active_category_rules, load_default_category_rules
from ..extensions import db
from ..db import utcnow
from ..jobs.models import JobRun
from ..jobs.recompute import JOB_NAME as RECOMPUTE_JOB
from ..jobs.registry import jobs
from ..jobs.runner import run_job
from ..organisation.town import calendar_exceptions, current_town, missing_calendar_years
from .callback_views import register as register_callbacks
from .outbox_views import register as register_outbox
from .forms import CalendarOverrideForm, CalendarYearForm, CategoryRuleForm, DeadlinePolicyForm, RoutingRuleForm
from ..organisation.models import CalendarOverride, CalendarYear, DeadlinePolicy, Office

bp = Blueprint("admin", __name__, url_prefix="/admin")
register_callbacks(bp)  # /admin/callbacks: where the channels hear of their cases
register_outbox(bp)  # /admin/outbox: the messages sent, and a retry of the given-up ones

RULE_FIELDS = ("name", "position", "active", "combine", "channels", "categories", "min_amount", "min_parties",
               "requires_violence", "min_risk_level", "lead_is_village_committee", "flag_for_meeting")


@bp.route("/routing")
@page_required(Page.ADMIN)
def routing_rules():
    rules = db.session.scalars(select(RoutingRule).order_by(RoutingRule.position, RoutingRule.id)).all()
    offices = {o.id: o for o in db.session.scalars(select(Office))}
    return render_template("admin/routing.html", rules=rules, offices=offices)


@bp.route("/routing/defaults", methods=["POST"])
@page_required(Page.ADMIN)
def routing_defaults():
    if db.session.scalar(select(RoutingRule.id).limit(1)) is not None:
        flash(_("Rules already exist; defaults are only loaded into an empty list."), "warning")
    else:
        created = load_default_rules()
        audit.record("routing_defaults", current_user, "routing_rule", None, created=created, at=utcnow(), ip=request.remote_addr)
        db.session.commit()
        flash(_("%(n)s default rules loaded.", n=created), "success")
    return redirect(url_for(".routing_rules"))


@bp.route("/routing/new", methods=["GET", "POST"], defaults={"rule_id": None})
@bp.route("/routing/<int(max=2147483647):rule_id>", methods=["GET", "POST"])
@page_required(Page.ADMIN)
def routing_rule(rule_id: int | None):
    rule = db.session.get(RoutingRule, rule_id) if rule_id else None
    if rule_id and rule is None:
        abort(404)
    form = RoutingRuleForm(obj=rule)
    offices = db.session.scalars(select(Office).where(Office.active.is_(True)).order_by(Office.id)).all()
    form.lead_office.choices = [("", _("None"))] + [(o.id, o.name) for o in offices]
    form.co_offices.choices = [(o.id, o.name) for o in offices]
    if rule is not None and not form.is_submitted():
        form.lead_office.data = rule.lead_office_id
        form.co_offices.data = list(rule.co_office_ids or [])
    if form.validate_on_submit():
        created = rule is None
        if rule is None:
            rule = RoutingRule()
            db.session.add(rule)
        for name in RULE_FIELDS:
            setattr(rule, name, getattr(form, name).data)
        rule.channels = list(form.channels.data or [])
        rule.categories = list(form.categories.data or [])
        rule.lead_office_id = None if form.lead_is_village_committee.data else form.lead_office.data
        rule.co_office_ids = [i for i in form.co_offices.data or [] if i != rule.lead_office_id]
        db.session.flush()
        audit.record("routing_rule_saved", current_user, "routing_rule", rule.id, name=rule.name, created=created,
                     active=rule.active, position=rule.position, at=utcnow(), ip=request.remote_addr)
        db.session.commit()
        flash(_("Rule saved."), "success")
        return redirect(url_for(".routing_rules"))
    return render_template("admin/routing_rule.html", form=form, rule=rule), 422 if form.errors else 200


@bp.route("/routing/<int(max=2147483647):rule_id>/delete", methods=["POST"])
@page_required(Page.ADMIN)
def delete_routing_rule(rule_id: int):
    rule = db.session.get(RoutingRule, rule_id) or abort(404)
    audit.record("routing_rule_deleted", current_user, "routing_rule", rule.id, name=rule.name, at=utcnow(), ip=request.remote_addr)
    db.session.delete(rule)  # cases keep their history; their routing_rule_id becomes NULL
    db.session.commit()
    flash(_("Rule deleted."), "success")
    return redirect(url_for(".routing_rules"))


# --------------------------------------------------------------------------------------------
# Category keyword rules (imports)
# --------------------------------------------------------------------------------------------

TRY_TEXT_MAX = 500


def _category_rules() -> list[CategoryRule]:
    return db.session.scalars(select(CategoryRule).order_by(CategoryRule.position, CategoryRule.id)).all()


def _category_rules_page(form: CategoryRuleForm, rule: CategoryRule | None = None, status: int = 200):
    tried = (request.args.get("text") or "").strip()[:TRY_TEXT_MAX]
    found = match_keywords(tried, active_category_rules()) if tried else None
    return render_template("admin/category_rules.html", rules=_category_rules(), form=form, rule=rule,
                           tried=tried, found=found, other=OTHER), status


@bp.route("/category-rules", methods=["GET", "POST"])
@page_required(Page.ADMIN)
def category_rules():
    """The rules listed in order, a text to try them on, and a form to add one."""
    form = CategoryRuleForm()
    if not form.is_submitted():
        last = db.session.scalar(select(CategoryRule.position).order_by(CategoryRule.position.desc()).limit(1))
        form.position.data = (last or 0) + 10
    if form.validate_on_submit():
        return _save_category_rule(CategoryRule(), form, created=True)
    return _category_rules_page(form, status=422 if form.errors else 200)


@bp.route("/category-rules/<int(max=2147483647):rule_id>", methods=["GET", "POST"])
@page_required(Page.ADMIN)
def category_rule(rule_id: int):
    rule = db.session.get(CategoryRule, rule_id) or abort(404)
    form = CategoryRuleForm(obj=rule)
    if form.validate_on_submit():
        return _save_category_rule(rule, form, created=False)
    return _category_rules_page(form, rule, 422 if form.errors else 200)


def _save_category_rule(rule: CategoryRule, form: CategoryRuleForm, *, created: bool):
    rule.keywords = form.keywords.data.strip()
    rule.category, rule.position, rule.active = form.category.data, form.position.data, form.active.data
    db.session.add(rule)
    db.session.flush()
    audit.record("category_rule_saved", current_user, "category_rule", rule.id, created=created,
                 keywords=rule.keywords, category=rule.category, position=rule.position, active=rule.active,
                 at=utcnow(), ip=request.remote_addr)
    db.session.commit()
    flash(_("Rule saved."), "success")
    return redirect(url_for(".category_rules"), 303)


@bp.route("/category-rules/<int(max=2147483647):rule_id>/delete", methods=["POST"])
@page_required(Page.ADMIN)
def delete_category_rule(rule_id: int):
    rule = db.session.get(CategoryRule, rule_id) or abort(404)
    audit.record("category_rule_deleted", current_user, "category_rule", rule.id, keywords=rule.keywords,
                 category=rule.category, at=utcnow(), ip=request.remote_addr)
    db.session.delete(rule)
    db.session.commit()
    flash(_("Rule deleted."), "success")
    return redirect(url_for(".category_rules"), 303)


@bp.route("/category-rules/<int(max=2147483647):rule_id>/move", methods=["POST"])
@page_required(Page.ADMIN)
def move_category_rule(rule_id: int):
    """One place up or down; the rules are numbered 10, 20, 30 … again in their new order."""
    rules = _category_rules()
    index = next((i for i, r in enumerate(rules) if r.id == rule_id), None)
    if index is None:
        abort(404)
    direction = request.form.get("direction")
    if direction not in ("up", "down"):
        abort(400)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(rules):
        rules[index], rules[other] = rules[other], rules[index]
        for n, rule in enumerate(rules, start=1):
            rule.position = n * 10
        audit.record("category_rule_moved", current_user, "category_rule", rule_id, direction=direction,
                     at=utcnow(), ip=request.remote_addr)
        db.session.commit()
    return redirect(url_for(".category_rules"), 303)


@bp.route("/category-rules/defaults", methods=["POST"])
@page_required(Page.ADMIN)
def category_rule_defaults():
    created = load_default_category_rules()
    if not created:
        flash(_("Rules already exist; defaults are only loaded into an empty list."), "warning")
    else:
        audit.record("category_rule_defaults", current_user, "category_rule", None, created=created, at=utcnow(),
                     ip=request.remote_addr)
        db.session.commit()
        flash(_("%(n)s default rules loaded.", n=created), "success")
    return redirect(url_for(".category_rules"), 303)


@bp.route("/calendar", methods=["GET", "POST"])
@page_required(Page.ADMIN)
def calendar():
    """Holidays and make-up workdays over the package's, and years whose schedule is entered."""
    form, year_form = CalendarOverrideForm(), CalendarYearForm()
    if form.submit.data and form.validate_on_submit():
        row = db.session.get(CalendarOverride, form.day.data) or CalendarOverride(day=form.day.data)
        row.is_workday, row.note = form.is_workday.data == "1", form.note.data or ""
        db.session.add(row)
        audit.record("calendar_override", current_user, "calendar", form.day.data.isoformat(),
                     is_workday=row.is_workday, at=utcnow(), ip=request.remote_addr)
        db.session.commit()
        flash(_("Saved."), "success")
        _recompute_open_cases()
        return redirect(url_for(".calendar"), 303)
    if year_form.submit_year.data and year_form.validate_on_submit():
        new = db.session.get(CalendarYear, year_form.year.data) is None
        if new:
            db.session.add(CalendarYear(year=year_form.year.data, entered_by_id=current_user.id))
            audit.record("calendar_year", current_user, "calendar", year_form.year.data, at=utcnow(), ip=request.remote_addr)
            db.session.commit()
        flash(_("Saved."), "success")
        if new:
            _recompute_open_cases()  # the year's deadlines are no longer provisional
        return redirect(url_for(".calendar"), 303)
    overrides = db.session.scalars(select(CalendarOverride).order_by(CalendarOverride.day.desc())).all()
    entered = db.session.scalars(select(CalendarYear).order_by(CalendarYear.year)).all()
    town, notes = current_town(), {o.day: o.note for o in overrides}
    # What deadlines into each provisional year use now, for the admin to check against the State Council's notice.
    in_use = {year: calendar_exceptions(town.calendar, year, notes) for year in missing_calendar_years(town, utcnow())}
    return render_template("admin/calendar.html", form=form, year_form=year_form, overrides=overrides,
                           entered=entered, missing=list(in_use), in_use=in_use), 422 if form.errors or year_form.errors else 200


@bp.route("/calendar/<day>/delete", methods=["POST"])
@page_required(Page.ADMIN)
def delete_override(day: str):
    try:
        row = db.session.get(CalendarOverride, date.fromisoformat(day))
    except ValueError:
        abort(404)
    if row is None:
        abort(404)
    db.session.delete(row)
    audit.record("calendar_override_deleted", current_user, "calendar", day, at=utcnow(), ip=request.remote_addr)
    db.session.commit()
    _recompute_open_cases()
    return redirect(url_for(".calendar"), 303)


@bp.route("/deadlines", methods=["GET", "POST"])
@page_required(Page.ADMIN)
def deadlines():
    form = DeadlinePolicyForm()
    if form.validate_on_submit():
        key = (form.stage.data, form.channel.data or "", (form.variant.data or "").strip())
        row = db.session.scalar(select(DeadlinePolicy).where(
            DeadlinePolicy.stage == key[0], DeadlinePolicy.channel == key[1], DeadlinePolicy.variant == key[2]))
        if row is None:
            row = DeadlinePolicy(stage=key[0], channel=key[1], variant=key[2])
            db.session.add(row)
        row.days, row.unit = form.days.data, form.unit.data
        db.session.flush()
        audit.record("deadline_policy", current_user, "deadline_policy", row.id, stage=row.stage, channel=row.channel,
                     variant=row.variant, days=row.days, unit=row.unit, at=utcnow(), ip=request.remote_addr)
        db.session.commit()
        flash(_("Saved."), "success")
        _recompute_open_cases()
        return redirect(url_for(".deadlines"), 303)
    rows = db.session.scalars(select(DeadlinePolicy).order_by(DeadlinePolicy.stage, DeadlinePolicy.channel,
                                                              DeadlinePolicy.variant)).all()
    return render_template("admin/deadlines.html", form=form, rows=rows), 422 if form.errors else 200


@bp.route("/deadlines/<int(max=2147483647):policy_id>/delete", methods=["POST"])
@page_required(Page.ADMIN)
def delete_policy(policy_id: int):
    row = db.session.get(DeadlinePolicy, policy_id) or abort(404)
    audit.record("deadline_policy_deleted", current_user, "deadline_policy", row.id, stage=row.stage,
                 channel=row.channel, variant=row.variant, at=utcnow(), ip=request.remote_addr)
    db.session.delete(row)
    db.session.commit()
    _recompute_open_cases()
    return redirect(url_for(".deadlines"), 303)


def _recompute_open_cases() -> None:
    """After a committed calendar or policy change: recompute every open case's deadlines now, as a
    recorded job run (set-based, so it fits in the request), and tell the admin how many moved."""
    now = utcnow()
    result = run_job(RECOMPUTE_JOB, now, fire_time=now)
    if result.status == "ran":
        flash(_("Deadlines recomputed; open cases whose deadline moved: %(n)s.", n=result.rows), "info")
    else:
        flash(_("Recomputing the open cases' deadlines failed (see Scheduled jobs); the daily run tries again."),
              "danger")


@bp.route("/jobs")
@page_required(Page.ADMIN)
def job_runs():
    runs = db.session.scalars(select(JobRun).order_by(JobRun.fire_time.desc(), JobRun.id.desc()).limit(200)).all()
    return render_template("admin/jobs.html", runs=runs, specs=jobs(current_app.config).values())
