"""The queue as an Excel workbook: the cases the signed-in user's queue shows with the same filters
(cases/queue_forms.py `queue_query`), in the queue's order, at most EXPORT_LIMIT rows.

Personal data as the user may see it: party names masked for those who read them masked (the
town's leadership), phone numbers in full only on the cases whose personal data the user works
with (cases/access.py `sees_personal_data`), masked otherwise; free text scrubbed of phone and ID
numbers. Every text cell is formula-safe (reports/safety.py). Each export is recorded in the audit
trail with its filters and its count."""
from io import BytesIO

from flask import Blueprint, Response, request
from flask_babel import gettext as _
from flask_login import current_user, login_required
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from ..auth import audit
from ..cases.access import masks_party_names, sees_personal_data, visible_cases
from ..cases.models import Case
from ..cases.queries import QUEUE_ORDER
from ..cases.queue_forms import EXPORT_LIMIT, queue_query
from ..cases.search import search_cases
from ..clock import request_now
from ..core.identity import mask_name, mask_phone, scrub_identifiers
from ..extensions import db
from ..labels import label, local_time
from .safety import formula_safe

bp = Blueprint("queue_export", __name__, url_prefix="/exports")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _cases(query) -> list[Case]:
    options = (joinedload(Case.lead_office), joinedload(Case.village), joinedload(Case.mediator),
               selectinload(Case.parties), selectinload(Case.co_offices))
    if query.text:
        ids = [c.id for c in search_cases(current_user, query.text, EXPORT_LIMIT + 1, query.filters)]
        by_id = {c.id: c for c in db.session.scalars(select(Case).where(Case.id.in_(ids)).options(*options))} \
            if ids else {}
        return [by_id[i] for i in ids if i in by_id]
    return list(db.session.scalars(visible_cases(current_user).where(*query.filters).options(*options)
                                   .order_by(QUEUE_ORDER, Case.id.desc()).limit(EXPORT_LIMIT + 1)))


def _parties(case: Case, full: bool, masked_names: bool) -> str:
    out = []
    for p in case.parties:
        name = mask_name(p.name) if masked_names else p.name
        phone = (p.phone or "") if full else mask_phone(p.phone)
        out.append(f"{name}（{label('party_role', p.role)}）{(' ' + phone) if phone else ''}")
    return "；".join(out)


def _cell(value):
    return formula_safe(value) if isinstance(value, str) else value


@bp.route("/queue.xlsx")
@login_required
def queue_xlsx():
    now = request_now()
    query = queue_query(current_user, request.args, now)
    cases = _cases(query)
    more = len(cases) > EXPORT_LIMIT
    cases = cases[:EXPORT_LIMIT]
    masked_names = masks_party_names(current_user)
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Cases"))
    bold = Font(bold=True)
    heading = [_("Reference"), _("Status"), _("Channel"), _("Category"), _("Village"), _("Lead office"),
               _("Mediator"), _("Received at"), _("Next deadline"), _("Risk"), _("Parties"), _("Summary")]
    for width, column in zip((16, 10, 12, 12, 12, 20, 14, 17, 17, 8, 40, 60), "ABCDEFGHIJKL"):
        sheet.column_dimensions[column].width = width
    sheet.append([_styled(sheet, h, bold) for h in heading])
    in_full = 0
    for case in cases:
        full = sees_personal_data(current_user, case)
        in_full += full
        sheet.append([_cell(v) for v in (
            case.reference, label("status", case.status), label("channel", case.channel), case.category,
            case.village.name if case.village else "", case.lead_office.name if case.lead_office else "",
            case.mediator.display_name if case.mediator else "", local_time(case.received_at),
            local_time(case.next_deadline), label("risk", case.risk_level) if case.risk_level else "",
            _parties(case, full, masked_names), scrub_identifiers(case.summary))])
    if more:
        sheet.append([_("The list stops at %(n)s cases; narrow the filters to list the others.",
                        n=f"{EXPORT_LIMIT:,}")])
    out = BytesIO()
    book.save(out)
    audit.record("export", current_user, "queue", query.scope, format="xlsx", rows=len(cases), truncated=more,
                 filters=query.query_string, personal_data_cases=in_full, at=now, ip=request.remote_addr)
    db.session.commit()
    response = Response(out.getvalue(), mimetype=XLSX)
    response.headers["Content-Disposition"] = f'attachment; filename="cases-{now.strftime("%Y%m%d-%H%M")}.xlsx"'
    return response


def _styled(sheet, value, font):
    cell = WriteOnlyCell(sheet, value=_cell(value))
    cell.font = font
    return cell
