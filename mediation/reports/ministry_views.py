"""The Ministry of Justice's statistics form for any period and any committee: a print (A4) and Excel."""
from flask import current_app, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..auth import audit
from ..auth.permissions import page_required
from ..clock import request_now
from ..core.ministry import COLUMN_NOTES, GROUP_SIZE
from ..core.permissions import Page
from ..core.statistics import SOURCE_LABELS, Source
from ..extensions import db
from ..forms_common import MAX_ID, whole_number
from ..organisation.models import Office
from ..organisation.town import current_town
from .excel import ministry_workbook
from .ministry import ministry_figures
from .requests import BadRequestMessage, attachment as _attachment, bp, requested_period as _period

TEMPLATE = "reports/ministry.html"


def _committees() -> list[Office]:
    """The committees a form can be for: the town's (the judicial office leads it) and the villages'."""
    return db.session.scalars(select(Office).where(
        Office.active.is_(True), Office.kind.in_(["judicial_office", "village_committee"]))
        .order_by(Office.kind, Office.id)).all()


def _committee(committees: list[Office]) -> Office | None:
    raw = request.args.get("office", "")
    if not raw:
        return None
    office_id = whole_number(raw, 1, MAX_ID)
    office = next((o for o in committees if o.id == office_id), None)
    if office is None:
        raise BadRequestMessage(_("Choose a committee from the list."))
    return office


def _arguments():
    committees = _committees()
    first, last = _period()
    return committees, _committee(committees), first, last


def _title() -> str:
    return _("%(town)s people's mediation cases (Ministry of Justice form)", town=current_app.config["TOWN_NAME"])


def _error(err: BadRequestMessage):
    return render_template(TEMPLATE, error=str(err), form=None, committees=_committees(),
                           start=request.args.get("start", ""), end=request.args.get("end", ""), office_id=None), 400


@bp.route("/ministry")
@page_required(Page.STATISTICS)
def ministry():
    try:
        committees, office, first, last = _arguments()
    except BadRequestMessage as err:
        return _error(err)
    form = ministry_figures(first, last, current_town(), office.id if office else None, current_user)
    return render_template(TEMPLATE, error=None, form=form, committees=committees, office=office,
                           office_id=office.id if office else None, first=first, last=last,
                           start=first.isoformat(), end=last.isoformat(), sources=list(Source),
                           source_labels=SOURCE_LABELS, notes=COLUMN_NOTES, group_size=GROUP_SIZE,
                           title=_title(), printed_at=request_now())


@bp.route("/ministry.xlsx")
@page_required(Page.STATISTICS)
def ministry_xlsx():
    try:
        committees, office, first, last = _arguments()
    except BadRequestMessage as err:
        return _error(err)
    form = ministry_figures(first, last, current_town(), office.id if office else None, current_user)
    committee = office.name if office else _("All committees")
    body = ministry_workbook(form, first, last, _title(), committee)
    audit.record("export", current_user, "statistics", f"ministry:{first.isoformat()}..{last.isoformat()}",
                 format="xlsx", office=office.id if office else None, at=request_now(), ip=request.remote_addr)
    db.session.commit()
    return _attachment(body, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       f"ministry-{first.isoformat()}-{last.isoformat()}.xlsx")
