"""调解通知书: the notice of a scheduled mediation session, one per invited party (HTML for the
browser's print, and a PDF). It goes to that party, so it names them and nobody else in full, like
the acknowledgement (受理回执); printing it with personal data is recorded like the other prints.

The receipt's print helpers (`print_page`: render and audit; `pdf`: the download) belong to
reports/views.py, which hands them to `register`: only the factory imports a views module.
"""
from collections.abc import Callable

from flask import Blueprint, abort, current_app, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..cases.access import get_visible_case_or_404
from ..cases.appointments import get_appointment
from ..clock import request_now

DOCUMENT = "session_notice"


def _notice_page(print_page: Callable, pdf_response: Callable, reference: str, appointment_id: int, pdf: bool):
    case = get_visible_case_or_404(current_user, reference)
    appointment = get_appointment(case, appointment_id)
    if appointment is None:
        abort(404)
    if appointment.cancelled:
        return render_template("errors/error.html", code=404,
                               message=_("This session was cancelled: there is no notice to print.")), 404
    party_id = request.args.get("party", type=int)
    if request.args.get("party") and party_id is None:
        abort(404)
    invited = [p for pid in appointment.party_ids or [] for p in case.parties if p.id == pid]
    if party_id is not None:
        party = next((p for p in invited if p.id == party_id), None)
        if party is None:
            abort(404)  # not a party of this case, or not invited to this session
    elif invited:
        party = invited[0]
    else:
        abort(404)
    others = [p for p in case.parties if p is not party]
    html = print_page(case, DOCUMENT, "reports/session_notice.html", pdf=pdf, party=party, others=others,
                      invited=invited, appointment=appointment,
                      enquiry_phone=current_app.config.get("ENQUIRY_PHONE") or "", issued_at=request_now())
    return pdf_response(html, case.reference, "session-notice") if pdf else html


def register(bp: Blueprint, print_page: Callable, pdf_response: Callable) -> None:
    @login_required
    def session_notice(reference: str, appointment_id: int):
        return _notice_page(print_page, pdf_response, reference, appointment_id, pdf=False)

    @login_required
    def session_notice_pdf(reference: str, appointment_id: int):
        return _notice_page(print_page, pdf_response, reference, appointment_id, pdf=True)

    rule = "/cases/<reference>/appointments/<int(max=2147483647):appointment_id>/notice"
    bp.add_url_rule(rule, view_func=session_notice)
    bp.add_url_rule(rule + ".pdf", view_func=session_notice_pdf)
