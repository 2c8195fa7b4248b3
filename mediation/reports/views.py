"""Printouts and statistics: the weekly joint-meeting summary (HTML for the browser's print, PDF
download), statistics for any period with an Excel export, one case's file and its agreement.

Pages are rendered from plain figures (core/statistics.py) and a fixed number of queries
(queries.py). Exports and prints that show personal data are recorded in the audit trail.
"""
from datetime import date, timedelta

from flask import Response, abort, current_app, render_template, request
from flask_babel import get_locale, gettext as _
from flask_login import current_user, login_required

from ..auth import audit
from ..auth.permissions import page_required
from ..core.permissions import Page
from ..cases.access import get_visible_case_or_404, sees_personal_data, visibility_clause
from ..cases.consultations import case_consultations
from ..core.numerals import chinese_numeral
from ..core.risk import RULES_BY_CODE
from ..core.statistics import SOURCE_LABELS, Source, week_before_meeting, week_of, week_start
from ..core.vocab import SUCCESS_OUTCOMES
from ..clock import request_now
from ..extensions import db
from ..hotspots.services import weekly_hotspots
from ..meetings.models import Meeting
from ..screening.services import screening_for_week, screening_period
from ..labels import label
from ..organisation.town import current_town
from ..forms_common import MAX_ID
from . import charts, queries
from .excel import statistics_workbook
from .pdf import html_to_pdf
from .requests import BadRequestMessage, attachment as _attachment, bp, parse_date as _parse_date, requested_period
from .safety import mask_names_in
from .notice_views import register as register_notices


# ---------------------------------------------------------------------------------------------
# Weekly summary (联席会议周报)
# ---------------------------------------------------------------------------------------------

def _weekly_context(now, town):
    """The week and meeting asked for, and the summary's figures at `now`; raises BadRequestMessage or 404."""
    meeting_id = request.args.get("meeting", type=int)
    if request.args.get("meeting") and (meeting_id is None or not 0 < meeting_id <= MAX_ID):
        abort(404)
    meeting = db.session.get(Meeting, meeting_id) if meeting_id is not None else None
    if meeting_id is not None and meeting is None:
        abort(404)
    week = _parse_date(request.args.get("week"), _("Week"))
    if week is not None:
        monday = week_start(week)
    elif meeting is not None:
        monday = week_before_meeting(meeting.scheduled_at, town.tz)
    else:
        monday = week_of(now, town.tz)
    summary = queries.weekly_summary(monday, now, town, meeting_id=meeting_id, reader=current_user)
    trend = charts.grouped_bars([p.week.strftime("%m-%d") for p in summary.trend],
                                [(_("New"), [p.new for p in summary.trend]),
                                 (_("Closed"), [p.closed for p in summary.trend])])
    attendees = sign_off_offices(summary.offices.values(), town.meeting.attendee_offices)
    issue = None
    if summary.meeting is not None:
        issue = (summary.meeting.scheduled_at.astimezone(town.tz).year, queries.issue_number(summary.meeting, town.tz))
    nav_args = {"meeting": meeting_id} if meeting_id is not None else {}
    link_args = dict(nav_args, week=monday.isoformat()) if request.args.get("week") else nav_args
    return dict(s=summary, scoped=visibility_clause(current_user) is not None, trend_chart=trend, attendees=attendees, risk_rules=RULES_BY_CODE,
                issuer=issuing_unit(summary.offices.values()), issue=issue,
                link_args=link_args, nav_args=nav_args, prev_week=(monday - timedelta(days=7)).isoformat(),
                next_week=(monday + timedelta(days=7)).isoformat(),
                screening=screening_for_week(summary.sunday, now, town),
                hotspots=weekly_hotspots(monday, now, town, total_label=_("Total"), no_village_label=_("No village given"),
                                         with_references=visibility_clause(current_user) is None))


# The three-office linkage (三所联动) sits at every joint meeting, with the offices the town's
# configuration adds (信访办, 平安办 by default): the handout's sign-off lists them all.
LINKED_OFFICE_KINDS = ("police_station", "judicial_office", "law_firm")


def sign_off_offices(offices, attendee_codes) -> list[tuple[str, str | None]]:
    """(code, name) of each office that signs the handout: the active offices of the three-office
    linkage in that order, then each configured attendee not already listed (its name None when the
    code names no office: the template writes the kind's label instead)."""
    offices = list(offices)
    listed = [o for kind in LINKED_OFFICE_KINDS for o in offices if o.kind == kind and o.active]
    rows = [(o.code, o.name) for o in listed]
    for code in attendee_codes:
        if code not in {c for c, _name in rows}:
            rows.append((code, next((o.name for o in offices if o.code == code), None)))
    return rows


def issuing_unit(offices) -> str:
    """Who issues the handout: the town's judicial office (XX镇司法所), which runs the joint meeting."""
    office = next((o for o in offices if o.kind == "judicial_office" and o.active), None)
    return office.name if office else _("%(town)s judicial office", town=current_app.config["TOWN_NAME"])


@bp.route("/weekly")
@page_required(Page.WEEKLY)
def weekly():
    try:
        context = _weekly_context(request_now(), current_town())
    except BadRequestMessage as err:
        return render_template("errors/error.html", code=400, message=str(err)), 400
    html = render_template("reports/weekly.html", pdf=False, **context)
    _keep_issue_number(context)
    return html


def _keep_issue_number(context) -> None:
    """A meeting numbered by this print keeps its number (committed after rendering, as the audit is)."""
    meeting = context["s"].meeting
    if meeting is not None:  # a later query may have flushed it already: dirty or not, commit
        db.session.commit()


@bp.route("/weekly.pdf")
@page_required(Page.WEEKLY)
def weekly_pdf():
    try:
        context = _weekly_context(request_now(), current_town())
    except BadRequestMessage as err:
        return render_template("errors/error.html", code=400, message=str(err)), 400
    body = html_to_pdf(render_template("reports/weekly.html", pdf=True, **context))
    _keep_issue_number(context)
    monday = context["s"].monday
    audit.record("export", current_user, "weekly_summary", monday.isoformat(), format="pdf",
                 meeting=request.args.get("meeting", type=int), at=request_now(), ip=request.remote_addr)
    db.session.commit()
    return _attachment(body, "application/pdf", f"weekly-summary-{monday.isoformat()}.pdf")


# ---------------------------------------------------------------------------------------------
# Statistics for any period
# ---------------------------------------------------------------------------------------------

def _period() -> tuple[date, date]:
    return requested_period()


def _statistics_charts(stats):
    by_category = charts.horizontal_bars([(r.category, r.received_total) for r in stats.rows])
    by_source = charts.horizontal_bars([(_(SOURCE_LABELS[s]), stats.totals.received[s]) for s in Source])
    by_outcome = charts.horizontal_bars([(label("outcome", o), n) for o, n in stats.by_outcome.items()])
    return {"category": by_category, "source": by_source, "outcome": by_outcome}


@bp.route("/statistics")
@page_required(Page.STATISTICS)
def statistics():
    try:
        first, last = _period()
    except BadRequestMessage as err:
        return render_template("reports/statistics.html", error=str(err), stats=None,
                               start=request.args.get("start", ""), end=request.args.get("end", "")), 400
    stats = queries.period_figures(first, last, current_town(), current_user)
    return render_template("reports/statistics.html", error=None, stats=stats, first=first, last=last,
                           screening_period=screening_period(first, last),
                           start=first.isoformat(), end=last.isoformat(), sources=list(Source),
                           source_labels=SOURCE_LABELS, charts=_statistics_charts(stats))


@bp.route("/statistics.xlsx")
@page_required(Page.STATISTICS)
def statistics_xlsx():
    try:
        first, last = _period()
    except BadRequestMessage as err:
        return render_template("reports/statistics.html", error=str(err), stats=None,
                               start=request.args.get("start", ""), end=request.args.get("end", "")), 400
    town = current_town()
    body = statistics_workbook(first, last, current_app.config["TOWN_NAME"],
                               queries.received_counts(first, last, town, current_user),
                               queries.closed_cases(first, last, town, current_user),
                               queries.satisfaction_counts(first, last, town, current_user))
    audit.record("export", current_user, "statistics", f"{first.isoformat()}..{last.isoformat()}", format="xlsx", at=request_now(), ip=request.remote_addr)
    db.session.commit()
    return _attachment(body, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       f"statistics-{first.isoformat()}-{last.isoformat()}.xlsx")


# ---------------------------------------------------------------------------------------------
# One case: its file (卷宗) and its agreement (调解协议书)
# ---------------------------------------------------------------------------------------------

def _chinese() -> bool:
    return get_locale() is not None and get_locale().language == "zh"


def copies(n: int) -> str:
    """A count as the document writes it: 一式三份 in Chinese, 3 copies in English."""
    return chinese_numeral(n) if _chinese() else str(n)


def _print(case, document: str, template: str, pdf: bool = False, **context) -> str:
    """Render one case's print, then record it when it shows personal data in full.

    The audit commits after rendering: a commit first would expire the eagerly loaded case.
    """
    queries.load_case_file(case)
    full = sees_personal_data(current_user, case)
    html = render_template(template, case=case, full=full, committee=committee_name(case), copies=copies, pdf=pdf,
                           **context)
    if full and case.parties:
        details = {"format": "pdf"} if pdf else {}
        audit.record("print_personal_data", current_user, "case", case.reference, document=document, at=request_now(),
                     ip=request.remote_addr, **details)
        db.session.commit()
    return html


def _pdf(html: str, reference: str, document: str) -> Response:
    return _attachment(html_to_pdf(html), "application/pdf", f"{document}-{reference}.pdf")


def committee_name(case) -> str:
    """The people's mediation committee that seals the agreement: a village's own committee, or the town's."""
    office = case.lead_office
    if office is not None and office.kind == "village_committee":
        return office.name
    return _("%(town)s People's Mediation Committee", town=current_app.config["TOWN_NAME"])


@bp.route("/cases/<reference>/file")
@login_required
def case_file(reference: str):
    case = get_visible_case_or_404(current_user, reference)
    return _print(case, "file", "reports/case_file.html", risk_rules=RULES_BY_CODE, now=request_now(),
                  consultations=case_consultations(case.id))


def _agreement(reference: str, pdf: bool):
    case = get_visible_case_or_404(current_user, reference)
    if case.outcome is None or case.outcome.outcome not in SUCCESS_OUTCOMES:
        return render_template("errors/error.html", code=404,
                               message=_("%(reference)s has no written or oral agreement to print.",
                                         reference=case.reference)), 404
    html = _print(case, "agreement", "reports/agreement.html", pdf=pdf)
    return _pdf(html, case.reference, "agreement") if pdf else html


@bp.route("/cases/<reference>/agreement")
@login_required
def agreement(reference: str):
    return _agreement(reference, pdf=False)


@bp.route("/cases/<reference>/agreement.pdf")
@login_required
def agreement_pdf(reference: str):
    return _agreement(reference, pdf=True)


# ---------------------------------------------------------------------------------------------
# The acknowledgement (受理回执) a party takes home
# ---------------------------------------------------------------------------------------------

def _receipt(reference: str, pdf: bool):
    """The slip for one party (?party=<id>, by default the first applicant): the case's reference and
    what was received, who handles it and how to ask. It goes to that party, so it names them and
    nobody else: the other parties appear as 李* and their names are masked in the summary too, and
    phone and ID numbers typed into the summary are scrubbed."""
    case = get_visible_case_or_404(current_user, reference)
    party_id = request.args.get("party", type=int)
    if request.args.get("party") and party_id is None:
        abort(404)
    if party_id is not None:
        party = next((p for p in case.parties if p.id == party_id), None)
        if party is None:
            abort(404)
    else:
        party = next((p for p in case.parties if p.role == "applicant"), case.parties[0] if case.parties else None)
    others = [p for p in case.parties if p is not party]
    summary = mask_names_in(case.summary or "", [p.name for p in others], keep=[party.name] if party else ())
    html = _print(case, "receipt", "reports/receipt.html", pdf=pdf, party=party, others=others, summary=summary,
                  enquiry_phone=current_app.config.get("ENQUIRY_PHONE") or "", issued_at=request_now())
    return _pdf(html, case.reference, "receipt") if pdf else html


@bp.route("/cases/<reference>/receipt")
@login_required
def receipt(reference: str):
    return _receipt(reference, pdf=False)


@bp.route("/cases/<reference>/receipt.pdf")
@login_required
def receipt_pdf(reference: str):
    return _receipt(reference, pdf=True)


register_notices(bp, _print, _pdf)  # 调解通知书, per party (notice_views.py), with the receipt's helpers
