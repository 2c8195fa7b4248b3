"""Enumeration, as an attacker with each role's account would try it: every case reference through
every case-scoped page, print (PDF), export and API read, and every list that names cases; a read
is out of scope when it answers 200 and shows a case the role may not see. Asserted: 0.

Twelve cases across the offices and both villages, every one overdue, high risk and on the next
joint meeting's agenda, so that each summary, list and agenda would show it if it leaked.
Who may see which case is written out below from DESIGN.md's Roles table (not asked of the app).
"""
from datetime import timedelta
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlalchemy import update

from mediation.api.cli import create_token
from mediation.cases.models import Case
from mediation.core.lifecycle import Status
from mediation.db import utcnow
from mediation.meetings.models import AgendaItem, Meeting

from .reports.helpers import normalise, page_texts, read_pdf
from .test_access_matrix import DETAIL_PAGE, ROLES

# (status, lead office, co-offices, mediator, village, channel)
CASES = [
    (Status.REGISTERED, None, (), None, "xiaomiao", "hotline_12345"),
    (Status.ACCEPTED, None, (), None, "qianqiao", "police_110"),
    (Status.IN_MEDIATION, "judicial_office", ("law_firm",), "mediator", "xiaomiao", "hotline_12345"),
    (Status.IN_MEDIATION, "judicial_office", (), "other_mediator", "qianqiao", "grid_patrol"),
    (Status.IN_MEDIATION, "police_station", ("judicial_office",), "liaison", "xiaomiao", "police_110"),
    (Status.IN_MEDIATION, "police_station", (), "liaison", "qianqiao", "police_110"),
    (Status.IN_MEDIATION, "law_firm", (), "lawyer", "xiaomiao", "dispute_platform"),
    (Status.IN_MEDIATION, "vc_qianqiao", (), "village_mediator", "qianqiao", "grid_patrol"),
    (Status.IN_MEDIATION, "vc_xiaomiao", (), None, "xiaomiao", "walk_in"),
    (Status.IN_MEDIATION, "vc_qianqiao", ("police_station",), "village_mediator", "qianqiao", "hotline_12345"),
    (Status.CLOSED, "judicial_office", ("law_firm",), "mediator", "xiaomiao", "hotline_12345"),
    (Status.CLOSED, "police_station", ("judicial_office",), "other_mediator", "qianqiao", "police_110"),
]
SEES_ALL = {"admin", "supervisor", "viewer"}
CHANNELS = sorted({c[5] for c in CASES})


def may_see(role: str, user, spec, case) -> bool:
    """DESIGN.md: admin, supervisor and viewer see every case; a mediator or liaison the cases where
    their office is the intake, lead or a co-office, or which they mediate."""
    if role in SEES_ALL:
        return True
    _status, lead, co, mediator, _village, _channel = spec
    office = user.office.code
    intake = "judicial_office"  # every case here is registered by the supervisor
    return office in (intake, lead, *co) or (mediator is not None and case.mediator_id == user.id)


@pytest.fixture
def world(db, make_case, users, town):
    cases = []
    for status, lead, co, mediator, village, channel in CASES:
        if lead is None:
            case = make_case(status, village=village, channel=channel)
        else:
            case = make_case(status, lead=lead, co=co, mediator=mediator, village=village, channel=channel)
        cases.append(case)
    now = utcnow()
    db.session.execute(update(Case).where(Case.id.in_([c.id for c in cases])).values(
        next_deadline=now - timedelta(days=3), next_stage="conclude", risk_level="high",
        risk_reasons=["violence"], received_at=now - timedelta(days=1)))
    meeting = Meeting(scheduled_at=now + timedelta(days=2))
    db.session.add(meeting)
    db.session.flush()
    db.session.add_all([AgendaItem(meeting_id=meeting.id, case_id=c.id, reasons=["overdue"], added_at=now)
                        for c in cases])
    db.session.commit()
    tokens = {}
    for channel in CHANNELS:
        _row, tokens[channel] = create_token(channel, channel)
    db.session.commit()
    return {"cases": cases, "meeting": meeting, "tokens": tokens}


CASE_PAGES = [("GET", "/cases/{ref}"), ("POST", "/cases/{ref}/reveal"), ("GET", "/cases/{ref}/log_session"),
              ("GET", "/cases/{ref}/close"), ("GET", "/cases/{ref}/accept"), ("GET", "/cases/{ref}/supervise"),
              ("GET", "/cases/{ref}/follow_up"), ("GET", "/reports/cases/{ref}/file"),
              ("GET", "/reports/cases/{ref}/agreement")]
LIST_PAGES = ["/cases/", "/cases/?scope=all", "/cases/?scope=office", "/cases/?scope=mine", "/supervision/",
              "/meetings/", "/meetings/{meeting}", "/reports/weekly", "/reports/weekly?meeting={meeting}",
              "/notifications/"]


def _text(response) -> str:
    if response.mimetype == "application/pdf":
        return normalise("".join(page_texts(read_pdf(response.data))))
    if response.mimetype.startswith("application/vnd.openxmlformats"):
        book = load_workbook(BytesIO(response.data))
        return " ".join(str(v) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)
                        for v in row if v is not None)
    return response.get_data(as_text=True)


def _without_echo(html: str, reference: str) -> str:
    """A search page repeats what was searched for (the box, the language link): not a result."""
    return html.replace(f'value="{reference}"', "").replace(f"q={reference}", "")


@pytest.mark.parametrize("role", ROLES)
def test_no_out_of_scope_read_for_any_role(client, db, users, login, world, role, capsys):
    cases, meeting = world["cases"], world["meeting"]
    user = users[role]
    visible = {c.reference for spec, c in zip(CASES, cases) if may_see(role, user, spec, c)}
    hidden = {c.reference for c in cases} - visible
    login(user)
    reads, leaks = 0, []
    # Each case through each page addressed by its reference (and a search for it).
    for case in cases:
        for method, pattern in CASE_PAGES + [("GET", f"/cases/?q={case.reference}")]:
            url = pattern.format(ref=case.reference)
            response = client.open(url, method=method)
            reads += 1
            if response.status_code == 200 and case.reference in hidden:
                if method == "GET" and pattern.startswith("/cases/?q="):
                    if case.reference in _without_echo(_text(response), case.reference):
                        leaks.append((url, case.reference))
                else:
                    leaks.append((url, case.reference))
    # Every list, print and export that names cases.
    day = utcnow().date()
    exports = [f"/reports/weekly.pdf?meeting={meeting.id}",
               f"/reports/statistics.xlsx?start={day - timedelta(days=30)}&end={day + timedelta(days=1)}"]
    for url in [p.format(meeting=meeting.id) for p in LIST_PAGES] + exports:
        response = client.get(url)
        reads += 1
        if response.status_code != 200:
            continue
        text = _text(response)
        leaks += [(url, ref) for ref in sorted(hidden) if normalise(ref) in text or ref in text]
    print(f"{role}: {reads} reads, {len(hidden)} cases out of scope, {len(leaks)} out-of-scope reads")
    assert leaks == [], leaks
    if role in SEES_ALL:
        assert hidden == set()
    # The scope is real: the agenda and the summary still show what the role may see (so the zero
    # above is not an empty page), and every restricted role has cases on both sides.
    if role in ("village_mediator", "liaison", "lawyer"):  # the judicial office registered every case
        assert visible and hidden
    if role in ("liaison", "lawyer"):
        for url in (f"/meetings/{meeting.id}", f"/reports/weekly?meeting={meeting.id}"):
            html = client.get(url).get_data(as_text=True)
            assert all(ref in html for ref in visible), url


def test_no_out_of_scope_api_read_for_any_channel(client, world):
    cases, tokens = world["cases"], world["tokens"]
    reads, leaks = 0, []
    for channel, token in tokens.items():
        headers = {"Authorization": f"Bearer {token}"}
        own = {c.reference for c in cases if c.channel == channel}
        for case in cases:
            response = client.get(f"/api/v1/cases/{case.reference}", headers=headers)
            reads += 1
            assert response.status_code == (200 if case.reference in own else 404)
            if response.status_code == 200 and case.reference not in own:
                leaks.append((channel, case.reference))
        listed = client.get("/api/v1/cases?per_page=100", headers=headers).get_json()
        reads += 1
        assert {item["reference"] for item in listed["items"]} == own
    print(f"api: {reads} reads, 0 expected out of scope, {len(leaks)} out-of-scope reads")
    assert leaks == []


def test_the_oracle_matches_the_access_matrix(users, world):
    """The written-out rule above agrees with tests/test_access_matrix.py's DETAIL_PAGE for its case."""
    spec, case = CASES[2], world["cases"][2]  # routed like the matrix's case
    for role in ROLES:
        assert may_see(role, users[role], spec, case) is (DETAIL_PAGE[role] == 200), role


@pytest.mark.parametrize("role", ["liaison", "supervisor"])
def test_scoped_lists_keep_a_fixed_number_of_queries(client, db, users, login, make_case, world, count_queries,
                                                     role):
    """The scope is a WHERE clause in the same statements: twelve cases or twenty-four, scoped or not,
    the weekly summary and the meeting page issue the same statements."""
    meeting = world["meeting"]
    urls = (f"/reports/weekly?meeting={meeting.id}", f"/meetings/{meeting.id}")
    login(users[role])

    def statements():
        counts = []
        for url in urls:
            with count_queries() as issued:
                assert client.get(url).status_code == 200
            counts.append(len(issued))
        return counts

    statements()  # the first print of the handout numbers the issue (期号): a one-time write
    few = statements()
    now = utcnow()
    more = [make_case(Status.IN_MEDIATION, lead=lead, co=(), mediator=None)
            for lead in ("judicial_office", "police_station", "law_firm", "vc_qianqiao") for _ in range(3)]
    db.session.execute(update(Case).where(Case.id.in_([c.id for c in more])).values(
        next_deadline=now - timedelta(days=3), next_stage="conclude", risk_level="high",
        risk_reasons=["violence"], received_at=now - timedelta(days=1)))
    db.session.add_all([AgendaItem(meeting_id=meeting.id, case_id=c.id, reasons=["overdue"], added_at=now)
                        for c in more])
    db.session.commit()
    assert statements() == few
