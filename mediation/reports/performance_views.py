"""Workload and performance per mediator and per committee (考核): a print (A4) and Excel."""
from flask import current_app, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from ..auth import audit
from ..auth.permissions import page_required
from ..clock import request_now
from ..core.performance import GRADES
from ..core.permissions import Page
from ..extensions import db
from ..organisation.town import current_town
from .excel import performance_workbook
from .performance import BY, performance_rows
from .requests import BadRequestMessage, attachment, bp, requested_period

TEMPLATE = "reports/performance.html"


def _year_start(today):
    return today.replace(month=1, day=1)  # the yearly assessment: this year so far


def _arguments():
    by = request.args.get("by", "mediator")
    if by not in BY:
        raise BadRequestMessage(_("Show the table by mediator or by committee."))
    first, last = requested_period(_year_start)
    return by, first, last


def _table(by, first, last):
    return performance_rows(by, first, last, request_now(), current_town(), current_user,
                            unassigned=_("No mediator assigned"))


def _error(err):
    return render_template(TEMPLATE, error=str(err), rows=None, by=request.args.get("by", "mediator"),
                           start=request.args.get("start", ""), end=request.args.get("end", "")), 400


@bp.route("/performance")
@page_required(Page.STATISTICS)
def performance():
    try:
        by, first, last = _arguments()
    except BadRequestMessage as err:
        return _error(err)
    rows, total = _table(by, first, last)
    return render_template(TEMPLATE, error=None, rows=rows, total=total, by=by, first=first, last=last,
                           start=first.isoformat(), end=last.isoformat(), grades=GRADES, printed_at=request_now())


@bp.route("/performance.xlsx")
@page_required(Page.STATISTICS)
def performance_xlsx():
    try:
        by, first, last = _arguments()
    except BadRequestMessage as err:
        return _error(err)
    rows, total = _table(by, first, last)
    body = performance_workbook(rows, total, by, first, last, current_app.config["TOWN_NAME"])
    audit.record("export", current_user, "statistics", f"performance:{by}:{first.isoformat()}..{last.isoformat()}",
                 format="xlsx", at=request_now(), ip=request.remote_addr)
    db.session.commit()
    return attachment(body, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                      f"performance-{by}-{first.isoformat()}-{last.isoformat()}.xlsx")
