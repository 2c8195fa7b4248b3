"""The 卷宗评查 downloads: the monthly review sheet and the subsidy table (以案定补) as Excel, the
same figures as the printable pages (review/views.py). Exports are audited."""
from datetime import date

from flask import Blueprint, current_app, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from ..auth import audit
from ..auth.permissions import page_required
from ..clock import request_now
from ..core.permissions import Page
from ..core.review import GRADES
from ..core.statistics import month_bounds
from ..extensions import db
from ..organisation.town import current_town
from ..review import services
from .requests import attachment
from .review_excel import review_workbook, subsidy_workbook

bp = Blueprint("review_exports", __name__, url_prefix="/review")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _month():
    """(month text, start, end), the month's reviews computed first; raises BadMonth."""
    now, town = request_now(), current_town()
    year, month = services.month_asked(request.args.get("month"), now, town)
    start, end = month_bounds(date(year, month, 1), town.tz)
    services.review_month(start, end, now, town)
    return f"{year:04d}-{month:02d}", start, end


def _bad(err: services.BadMonth):
    return render_template("errors/error.html", code=400, message=_(err.message, **err.params)), 400


@bp.route("/monthly.xlsx")
@page_required(Page.SUPERVISION)
def monthly_xlsx():
    try:
        month, start, end = _month()
    except services.BadMonth as err:
        return _bad(err)
    rows = services.sheet_rows(start, end)
    title = _("%(town)s case-file review, %(month)s", town=current_app.config["TOWN_NAME"], month=month)
    body = review_workbook(services.group_rows(rows, "committee"), services.group_rows(rows, "mediator"), title,
                           month, [g.value for g in GRADES])
    audit.record("export", current_user, "case_review", month, document="review_sheet", format="xlsx",
                 at=request_now(), ip=request.remote_addr)
    db.session.commit()
    return attachment(body, XLSX, f"case-file-review-{month}.xlsx")


@bp.route("/subsidy.xlsx")
@page_required(Page.SUPERVISION)
def subsidy_xlsx():
    try:
        month, start, end = _month()
    except services.BadMonth as err:
        return _bad(err)
    title = _("%(town)s per-case subsidy, %(month)s", town=current_app.config["TOWN_NAME"], month=month)
    body = subsidy_workbook(services.subsidy_table(start, end), title, month)
    audit.record("export", current_user, "case_review", month, document="subsidy", format="xlsx", at=request_now(),
                 ip=request.remote_addr)
    db.session.commit()
    return attachment(body, XLSX, f"per-case-subsidy-{month}.xlsx")
