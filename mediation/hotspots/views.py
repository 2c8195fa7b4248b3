"""Hotspot warnings (热点预警): the supervisors' list of a week's warnings with the heat table, one
warning and the cases behind it, "scan now"; the admins' page of rule thresholds."""
from datetime import date, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..auth import audit
from ..auth.permissions import page_required
from ..clock import request_now
from ..core.hotspots import DEFAULTS, EXPLANATIONS, RULE_CODES, WHY, is_organisation
from ..core.identity import mask_name
from ..core.permissions import Page
from ..core.statistics import week_of, week_start
from ..core.vocab import MAX_YEAR, MIN_YEAR
from ..extensions import db
from ..organisation.town import current_town
from .forms import HotspotRuleForm
from .models import HotspotRule, HotspotWarning
from .services import hotspot_scan, hotspot_week, load_rules, shown, stored_rules, village_names, warning_cases

bp = Blueprint("hotspots", __name__)


def _week_asked() -> date | None:
    """?week=YYYY-MM-DD (any day of it); an unreadable value is ignored, never a 500."""
    value = (request.args.get("week") or "").strip()
    try:
        day = date.fromisoformat(value) if value else None
    except ValueError:
        return None
    return week_start(day) if day is not None and MIN_YEAR <= day.year <= MAX_YEAR else None


def _labels() -> dict:
    return {"total_label": _("Total"), "no_village_label": _("No village given")}


@bp.route("/hotspots/")
@page_required(Page.SUPERVISION)
def index():
    now, town = request_now(), current_town()
    up_to = _week_asked() or week_of(now, town.tz)
    week = hotspot_week(up_to, now, town, **_labels())
    return render_template("hotspots/index.html", h=week, this_week=week_of(now, town.tz),
                           prev_week=week.week - timedelta(days=7) if week.week else None)


@bp.route("/hotspots/scan", methods=["POST"])
@page_required(Page.SUPERVISION)
def scan_now():
    found = hotspot_scan(request_now(), current_town())
    db.session.commit()
    flash(_("Scan done: %(n)s warnings this week.", n=found), "success")
    return redirect(url_for(".index"), 303)


def respondents_shown(case) -> list[str]:
    """A case's respondents as a warning shows them: an organisation's name whole (it is what the
    same-respondent rule matched, and no personal data), a person's masked (张*国)."""
    return [p.name if is_organisation(p.name) else mask_name(p.name) for p in case.parties if p.role == "respondent"]


@bp.route("/hotspots/<int(max=2147483647):warning_id>")
@page_required(Page.SUPERVISION)
def detail(warning_id: int):
    warning = db.session.get(HotspotWarning, warning_id) or abort(404)
    town = current_town()
    w = shown(warning, village_names(), town)
    cases = warning_cases(warning)
    rule = next(r for r in load_rules() if r.code == warning.rule)
    return render_template("hotspots/detail.html", w=w, warning=warning, cases=cases, why=WHY,
                           explanations=EXPLANATIONS, rule=rule, respondents=respondents_shown)


# --------------------------------------------------------------------------------------------
# Admin: the rules' thresholds
# --------------------------------------------------------------------------------------------

@bp.route("/admin/hotspot-rules")
@page_required(Page.ADMIN)
def rules():
    return render_template("hotspots/rules.html", rules=load_rules(), stored=stored_rules(), defaults=DEFAULTS,
                           explanations=EXPLANATIONS)


@bp.route("/admin/hotspot-rules/<code>", methods=["GET", "POST"])
@page_required(Page.ADMIN)
def edit_rule(code: str):
    if code not in RULE_CODES:
        abort(404)
    row = db.session.scalar(select(HotspotRule).where(HotspotRule.code == code))
    current = row.settings() if row is not None else DEFAULTS[code]
    form = HotspotRuleForm(code, obj=current)
    if form.validate_on_submit():
        if row is None:
            row = HotspotRule(code=code)
            db.session.add(row)
        before = {"active": current.active, "min_count": current.min_count, "window_weeks": current.window_weeks,
                  "factor": str(current.factor) if current.factor is not None else None}
        row.active, row.min_count, row.window_weeks = form.active.data, form.min_count.data, form.window_weeks.data
        row.factor = form.factor.data if "factor" in form else None
        row.updated_at, row.updated_by_id = request_now(), current_user.id
        db.session.flush()
        audit.record("hotspot_rule_saved", current_user, "hotspot_rule", row.id, code=code, before=before,
                     after={"active": row.active, "min_count": row.min_count, "window_weeks": row.window_weeks,
                            "factor": str(row.factor) if row.factor is not None else None},
                     at=request_now(), ip=request.remote_addr)
        db.session.commit()
        flash(_("Rule saved. The next scan uses it."), "success")
        return redirect(url_for(".rules"))
    if form.errors:
        db.session.rollback()
    return render_template("hotspots/rule_form.html", form=form, code=code, current=current,
                           explanations=EXPLANATIONS), 422 if form.errors else 200

