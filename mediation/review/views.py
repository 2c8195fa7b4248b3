"""卷宗评查 pages: one case file's review and the reviewer's adjustment, the monthly review sheet and
the monthly subsidy table (以案定补), both printable (their Excel downloads are reports/review_views.py),
and the admin's page for the checklist's weights, the grades' thresholds and the rates.

The judicial office reviews: Page.SUPERVISION (supervisors). The rules are Page.ADMIN."""
from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..auth import audit
from ..auth.permissions import page_required
from ..cases.access import get_visible_case_or_404
from ..clock import request_now
from ..core.permissions import Page
from ..core.review import GRADES
from ..core.statistics import month_bounds
from ..extensions import db
from ..organisation.town import current_town
from . import services
from .forms import AdjustForm, ItemForm, RateForm, ThresholdForm
from .models import ReviewGrade, ReviewItem, SubsidyRate

bp = Blueprint("review", __name__, url_prefix="/review")


def _bad_request(err: services.BadMonth):
    return render_template("errors/error.html", code=400, message=_(err.message, **err.params)), 400


# ---------------------------------------------------------------------------------------------
# One case file
# ---------------------------------------------------------------------------------------------

def _case_page(reference: str, form: AdjustForm | None = None, status: int = 200):
    case = get_visible_case_or_404(current_user, reference)
    view = services.case_review(case, request_now(), current_town())
    if view.review is None:
        return render_template("errors/error.html", code=404, message=_(
            "%(reference)s is not closed: its file is reviewed once it is.", reference=case.reference)), 404
    db.session.commit()  # a review computed for this page is kept
    if form is None:
        form = AdjustForm(grade=view.review.final_grade)
    weights = {rule.code: rule for rule in view.rules.items}
    joiner = "、" if str(get_locale()).startswith("zh") else ", "
    whys = {c.code: _(c.why, missing=joiner.join(_(m) for m in c.missing)) if c.missing else _(c.why)
            for c in view.result.checks}
    month = case.outcome.closed_at.astimezone(current_town().tz).strftime("%Y-%m")
    return render_template("review/case.html", case=case, v=view, form=form, weights=weights, whys=whys,
                           month=month), status


@bp.route("/cases/<reference>")
@page_required(Page.SUPERVISION)
def case(reference: str):
    return _case_page(reference)


@bp.route("/cases/<reference>/adjust", methods=["POST"])
@page_required(Page.SUPERVISION)
def adjust(reference: str):
    case = get_visible_case_or_404(current_user, reference)
    now = request_now()
    review = services.case_review(case, now, current_town()).review  # computed first if missing or stale
    if review is None:
        return _case_page(reference)  # not closed: 404
    form = AdjustForm()
    if not form.validate_on_submit():
        return _case_page(reference, form, 422)
    computed = review.grade
    try:
        services.adjust(review, form.grade.data, form.reason.data, current_user, now)
    except services.ReviewRefused as err:
        db.session.rollback()
        target = form[err.field] if err.field in ("grade", "reason") else form.reason
        target.errors = list(target.errors) + [_(err.message, **err.params)]
        return _case_page(reference, form, 422)
    audit.record("review_adjusted", current_user, "case", case.reference, grade=review.adjusted_grade,
                 computed_grade=computed, reason=review.adjusted_reason, at=now, ip=request.remote_addr)
    db.session.commit()
    flash(_("Grade adjusted; the computed grade stays beside it."), "success")
    return redirect(url_for(".case", reference=case.reference), 303)


# ---------------------------------------------------------------------------------------------
# The month's sheet and subsidy table
# ---------------------------------------------------------------------------------------------

def month_context(kind_arg: str | None = None):
    """The month asked for, its span, and its reviews computed; raises BadMonth."""
    now, town = request_now(), current_town()
    year, month = services.month_asked(request.args.get("month"), now, town)
    kind = services.sheet_kind(kind_arg)
    start, end = month_bounds(date(year, month, 1), town.tz)
    services.review_month(start, end, now, town)
    db.session.commit()
    return {"month": f"{year:04d}-{month:02d}", "year": year, "month_number": month, "by": kind,
            "start": start, "end": end}


@bp.route("/monthly")
@page_required(Page.SUPERVISION)
def monthly():
    try:
        context = month_context(request.args.get("by"))
    except services.BadMonth as err:
        return _bad_request(err)
    groups = services.group_rows(services.sheet_rows(context["start"], context["end"]), context["by"])
    return render_template("review/monthly.html", groups=groups, totals=services.grade_totals(groups),
                           grades=[g.value for g in GRADES], pdf=False, **context)


@bp.route("/subsidy")
@page_required(Page.SUPERVISION)
def subsidy():
    try:
        context = month_context()
    except services.BadMonth as err:
        return _bad_request(err)
    table = services.subsidy_table(context["start"], context["end"])
    return render_template("review/subsidy.html", table=table, pdf=False, **context)


# ---------------------------------------------------------------------------------------------
# The rules (admin)
# ---------------------------------------------------------------------------------------------

def _rules_page(item_forms=None, threshold_form=None, rate_form=None, status: int = 200):
    items, grades, rates = services.items_and_grades()
    item_forms = item_forms or {}
    forms = {i.code: item_forms.get(i.code) or ItemForm(prefix=i.code, obj=i, formdata=None) for i in items}
    by_grade = {g.grade: g.min_score for g in grades}
    if threshold_form is None:
        threshold_form = ThresholdForm(formdata=None, excellent=by_grade.get("excellent"),
                                       passing=by_grade.get("pass"))
    return render_template("review/rules.html", items=items, item_forms=forms, grades=grades, rates=rates,
                           threshold_form=threshold_form, rate_form=rate_form or RateForm(formdata=None),
                           total=sum(i.weight for i in items if i.active)), status


@bp.route("/rules")
@page_required(Page.ADMIN)
def rules():
    return _rules_page()


@bp.route("/rules/items/<code>", methods=["POST"])
@page_required(Page.ADMIN)
def save_item(code: str):
    item = db.session.get(ReviewItem, code) if len(code) <= 32 else None
    if item is None:
        abort(404)
    form = ItemForm(prefix=code)
    if not form.validate_on_submit():
        return _rules_page(item_forms={code: form}, status=422)
    now = request_now()
    item.weight, item.mandatory, item.active = form.weight.data, form.mandatory.data, form.active.data
    item.updated_at = now  # every review computed before is stale
    audit.record("review_item_saved", current_user, "review_rule", code, weight=item.weight,
                 mandatory=item.mandatory, active=item.active, at=now, ip=request.remote_addr)
    db.session.commit()
    flash(_("Checklist item saved; reviews are computed again when next shown."), "success")
    return redirect(url_for(".rules"), 303)


@bp.route("/rules/grades", methods=["POST"])
@page_required(Page.ADMIN)
def save_grades():
    form = ThresholdForm()
    if not form.validate_on_submit():
        return _rules_page(threshold_form=form, status=422)
    now = request_now()
    wanted = {"excellent": form.excellent.data, "pass": form.passing.data, "fail": 0}
    existing = {g.grade: g for g in db.session.scalars(select(ReviewGrade))}
    for grade, score in wanted.items():
        row = existing.get(grade) or ReviewGrade(grade=grade)
        row.min_score, row.updated_at = score, now
        db.session.add(row)
    audit.record("review_grades_saved", current_user, "review_rule", "grades", excellent=wanted["excellent"],
                 passing=wanted["pass"], at=now, ip=request.remote_addr)
    db.session.commit()
    flash(_("Thresholds saved; reviews are computed again when next shown."), "success")
    return redirect(url_for(".rules"), 303)


@bp.route("/rules/rates", methods=["POST"])
@page_required(Page.ADMIN)
def save_rate():
    form = RateForm()
    if not form.validate_on_submit():
        return _rules_page(rate_form=form, status=422)
    category, grade = form.category.data or "", form.grade.data
    row = db.session.scalar(select(SubsidyRate).where(SubsidyRate.category == category, SubsidyRate.grade == grade))
    if row is None:
        row = SubsidyRate(category=category, grade=grade)
        db.session.add(row)
    row.amount = form.amount.data
    db.session.flush()
    audit.record("subsidy_rate_saved", current_user, "review_rule", row.id, category=category or None, grade=grade,
                 amount=str(row.amount), at=request_now(), ip=request.remote_addr)
    db.session.commit()
    flash(_("Rate saved."), "success")
    return redirect(url_for(".rules"), 303)


@bp.route("/rules/rates/<int(max=2147483647):rate_id>/delete", methods=["POST"])
@page_required(Page.ADMIN)
def delete_rate(rate_id: int):
    row = db.session.get(SubsidyRate, rate_id) or abort(404)
    audit.record("subsidy_rate_deleted", current_user, "review_rule", row.id, category=row.category or None,
                 grade=row.grade, amount=str(row.amount), at=request_now(), ip=request.remote_addr)
    db.session.delete(row)
    db.session.commit()
    flash(_("Rate deleted."), "success")
    return redirect(url_for(".rules"), 303)


@bp.route("/rules/defaults", methods=["POST"])
@page_required(Page.ADMIN)
def defaults():
    now = request_now()
    created = services.load_defaults(now)
    if created:
        audit.record("review_defaults", current_user, "review_rule", None, created=created, at=now,
                     ip=request.remote_addr)
        flash(_("%(n)s default rows loaded.", n=created), "success")
    else:
        flash(_("Rules already exist; defaults are only loaded into an empty list."), "warning")
    db.session.commit()
    return redirect(url_for(".rules"), 303)

