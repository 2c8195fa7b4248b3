"""Statistics for any period: Ministry of Justice categories x sources, outcomes, amounts, 防止民转刑,
charts, and the Excel export that cannot run a formula."""
from datetime import date
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from mediation.auth.models import AuditEvent
from mediation.cases.models import ReturnVisit
from mediation.organisation.town import current_town
from mediation.reports import queries
from mediation.core.lifecycle import Status
from mediation.reports.safety import FORMULA_TRIGGERS, formula_safe

from .conftest import local
from .helpers import tables, text_of

PERIOD = "start=2026-10-01&end=2026-10-31"
INJECTION = '=HYPERLINK("http://evil.example/","click")'


@pytest.fixture
def october(db, make_case, place):
    """Received in October (Shanghai): r1 grid/邻里, r2 walk-in/邻里, r3 platform/合同 (the 31st, 23:50),
    r4 12345/合同, r5 110/邻里, r6 referral/婚姻家庭, r7 walk-in/"=1+2". Not counted: one received
    on 30 September 23:59, one rejected, one merged (and its target).
    Closed in October: r4 written ¥1500.50, r5 oral ¥200 (high risk), r6 failed (high risk),
    r7 written ¥100 (escalated). Closed on 1 November 00:01: not counted."""
    c = {
        "r1": make_case(Status.IN_MEDIATION, channel="grid_patrol", category="邻里"),
        "r2": make_case(Status.REGISTERED, channel="walk_in", category="邻里"),
        "r3": make_case(Status.ACCEPTED, channel="dispute_platform", category="合同"),
        "r4": make_case(Status.CLOSED, channel="hotline_12345", category="合同"),
        "r5": make_case(Status.CLOSED, channel="police_110", category="邻里"),
        "r6": make_case(Status.CLOSED, channel="referral", category="婚姻家庭"),
        "r7": make_case(Status.CLOSED, channel="walk_in", category="=1+2"),
        "out": make_case(Status.CLOSED, channel="grid_patrol", category="邻里"),
        "rejected": make_case(Status.REJECTED, channel="grid_patrol", category="邻里"),
        "merged": make_case(Status.MERGED, channel="grid_patrol", category="邻里"),
    }
    c["target"] = c["merged"].merged_into
    for case in c.values():
        place(case, received=local(2026, 8, 1, 9, 0), risk="low", escalated=False)
    place(c["r1"], received=local(2026, 10, 1, 0, 10))
    place(c["r2"], received=local(2026, 10, 15, 9, 0))
    place(c["r3"], received=local(2026, 10, 31, 23, 50))
    place(c["r4"], received=local(2026, 10, 20, 9, 0), closed=local(2026, 10, 25, 9, 0), amount="1500.50")
    place(c["r5"], received=local(2026, 10, 5, 9, 0), closed=local(2026, 10, 10, 9, 0), outcome="agreement_oral",
          amount="200", risk="high", reasons=["violence"])
    place(c["r6"], received=local(2026, 10, 6, 9, 0), closed=local(2026, 10, 30, 9, 0), outcome="failed_referred",
          amount=None, risk="high", reasons=["violence"])
    place(c["r7"], received=local(2026, 10, 7, 9, 0), closed=local(2026, 10, 8, 9, 0), amount="100",
          escalated=True, summary=INJECTION)
    place(c["out"], received=local(2026, 9, 30, 23, 59), closed=local(2026, 11, 1, 0, 1))
    place(c["rejected"], received=local(2026, 10, 3, 9, 0))
    place(c["merged"], received=local(2026, 10, 4, 9, 0))
    return c


def grid(html) -> dict[str, list[str]]:
    return {r.attrs["data-category"]: r.cells[1:] for r in tables(html)["category-source"] if "data-category" in r.attrs}


def test_counts_by_category_and_source(october, login, users):
    html = login(users["viewer"]).get(f"/reports/statistics?{PERIOD}&lang=en").get_data(as_text=True)
    assert text_of(html, "period") == "2026-10-01 – 2026-10-31"
    rows = grid(html)
    # own initiative, application, referred, total, closed, agreements, amount
    assert rows["邻里"] == ["1", "1", "1", "3", "1", "1", "200.00"]
    assert rows["合同"] == ["0", "1", "1", "2", "1", "1", "1,500.50"]
    assert rows["婚姻家庭"] == ["0", "0", "1", "1", "1", "0", "0.00"]
    assert rows["=1+2"] == ["0", "1", "0", "1", "1", "1", "100.00"]
    assert rows["物业"] == ["0", "0", "0", "0", "0", "0", "0.00"]  # every ministry category is listed
    assert rows[""] == ["1", "3", "3", "7", "4", "3", "1,800.50"]  # totals
    assert list(rows)[:3] == ["婚姻家庭", "邻里", "房屋宅基地"]  # the ministry's order


def test_outcomes_amounts_success_rate_and_escalation_prevented(october, login, users):
    html = login(users["supervisor"]).get(f"/reports/statistics?{PERIOD}&lang=en").get_data(as_text=True)
    assert text_of(html, "kpi-received") == "7"
    assert text_of(html, "kpi-closed") == "4"
    assert text_of(html, "kpi-agreements") == "3"
    assert text_of(html, "kpi-success") == "75.0%"
    assert text_of(html, "kpi-amount") == "1,800.50"
    assert text_of(html, "kpi-prevented") == "2"  # r5 (high risk) and r7 (escalated); r6 failed
    outcomes = {r.attrs["data-outcome"]: r.cells[1] for r in tables(html)["outcome-table"] if "data-outcome" in r.attrs}
    assert outcomes == {"agreement_written": "2", "agreement_oral": "1", "failed_referred": "1", "withdrawn": "0",
                        "transferred_out": "0"}
    assert html.count("<svg") == 3  # by category, by source, by outcome
    assert 'href="/reports/statistics.xlsx?start=2026-10-01&amp;end=2026-10-31"' in html


def test_a_case_escalated_once_counts_even_if_the_flag_is_gone(october, login, users, db):
    from mediation.cases.models import TimelineEvent

    r4 = october["r4"]
    db.session.add(TimelineEvent(case_id=r4.id, at=local(2026, 10, 21, 9, 0), action="escalate",
                                 from_status="in_mediation", to_status="in_mediation", details={}))
    db.session.commit()
    html = login(users["supervisor"]).get(f"/reports/statistics?{PERIOD}").get_data(as_text=True)
    assert text_of(html, "kpi-prevented") == "3"


def test_default_period_is_this_month_so_far(login, users, town):
    html = login(users["admin"]).get("/reports/statistics").get_data(as_text=True)
    first, last = text_of(html, "period").split(" – ")
    assert first.endswith("-01") and first[:7] == last[:7]


@pytest.mark.parametrize("query, message", [
    ("start=2026-13-01&end=2026-12-31", "YYYY-MM-DD"),
    ("start=yesterday", "YYYY-MM-DD"),
    ("start=2026-10-31&end=2026-10-01", "before its start"),
    ("start=0001-01-01&end=2026-10-01", "between the years"),
])
def test_bad_dates_are_a_form_message(query, message, login, users, town):
    client = login(users["supervisor"])
    for path in ("/reports/statistics", "/reports/statistics.xlsx"):
        response = client.get(f"{path}?{query}&lang=en")
        assert response.status_code == 400
        html = response.get_data(as_text=True)
        assert message in text_of(html, "form-error")
        assert 'name="start"' in html  # the form, to correct it


@pytest.mark.parametrize("role, expected", [
    ("supervisor", 200), ("admin", 200), ("viewer", 200),
    ("mediator", 403), ("liaison", 403), ("lawyer", 403), ("village_mediator", 403)])
def test_who_may_see_statistics(role, expected, login, users, town):
    client = login(users[role])
    assert client.get("/reports/statistics").status_code == expected
    assert client.get("/reports/statistics.xlsx").status_code == expected


def test_excel_export_opens_and_neutralises_formulas(october, login, users, db):
    response = login(users["viewer"]).get(f"/reports/statistics.xlsx?{PERIOD}&lang=en")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert 'filename="statistics-2026-10-01-2026-10-31.xlsx"' in response.headers["Content-Disposition"]
    wb = load_workbook(BytesIO(response.data))
    assert wb.sheetnames == ["Statistics", "Outcomes", "Closed cases"]

    stats = {row[0]: row[1:] for row in wb["Statistics"].iter_rows(values_only=True) if row and row[0]}
    assert stats["邻里"][:7] == (1, 1, 1, 3, 1, 1, 1)
    assert stats["'=1+2"][:4] == (0, 1, 0, 1)  # the category that looks like a formula
    assert stats["Total"][:6] == (1, 3, 3, 7, 4, 3) and stats["Total"][7] == pytest.approx(1800.5)
    assert stats["Escalation prevented (防止民转刑)"][0] == 2

    closed = list(wb["Closed cases"].iter_rows(values_only=True))
    assert closed[0][0] == "Reference"
    by_ref = {row[0]: row for row in closed[1:]}
    assert set(by_ref) == {october[k].reference for k in ("r4", "r5", "r6", "r7")}
    r7 = by_ref[october["r7"].reference]
    assert r7[1] == "'=1+2" and r7[-1] == "'" + INJECTION
    assert by_ref[october["r4"].reference][5] == pytest.approx(1500.5)

    for sheet in wb.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{sheet.title}!{cell.coordinate} is a formula: {cell.value}"
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(FORMULA_TRIGGERS), (sheet.title, cell.coordinate, cell.value)

    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export")).all()
    assert [(e.user_id, e.object_type, e.object_id, e.details["format"]) for e in events] == [
        (users["viewer"].id, "statistics", "2026-10-01..2026-10-31", "xlsx")]


@pytest.mark.parametrize("value, expected", [
    ("=1+2", "'=1+2"), ("+1", "'+1"), ("-1", "'-1"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"),
    ("\rx", "'\rx"), ("邻里", "邻里"), ("a=b", "a=b"), ("", ""), (-5, -5), (None, None), (1.5, 1.5)])
def test_formula_safe(value, expected):
    assert formula_safe(value) == expected


@pytest.mark.parametrize("path", ["/reports/statistics", "/reports/statistics.xlsx"])
def test_the_page_and_the_export_take_a_fixed_number_of_queries(path, october, login, users, make_case, place,
                                                                 count_queries, db):
    client = login(users["supervisor"])
    url = f"{path}?{PERIOD}"
    client.get(url)
    with count_queries() as before:
        client.get(url)
    for category, satisfaction in (("物业", "satisfied"), ("医疗", "dissatisfied"), ("消费", None)):
        case = place(make_case(Status.CLOSED, channel="walk_in", category=category), received=local(2026, 10, 9, 9, 0),
                     closed=local(2026, 10, 12, 9, 0))
        db.session.add(ReturnVisit(case_id=case.id, visited_at=local(2026, 10, 20, 9, 0), visited_by_id=users["mediator"].id,
                                   performance="performed", satisfaction=satisfaction, method="phone"))
    db.session.commit()
    with count_queries() as after:
        client.get(url)
    assert len(after) == len(before)


def test_the_closed_cases_sheet_keeps_every_column_in_place(october, login, users, place):
    """Cells are written without references, so an empty one (no amount) must still hold its column;
    times are local, as the page shows them; text XML cannot carry is dropped, markup escaped."""
    place(october["r4"], summary="<b>双方&解</b>\x01\x0b 联系13812345678")
    response = login(users["supervisor"]).get(f"/reports/statistics.xlsx?{PERIOD}&lang=en")
    closed = list(load_workbook(BytesIO(response.data))["Closed cases"].iter_rows(values_only=True))
    by_ref = {row[0]: row for row in closed[1:]}
    assert all(len(row) == 9 for row in closed)
    r6 = by_ref[october["r6"].reference]  # no agreement, no amount
    assert r6[1:] == ("婚姻家庭", "Referred (委托移送)", "Referral", "No agreement, referred on", None,
                      "2026-10-06 09:00", "2026-10-30 09:00", "邻居噪音纠纷")
    r4 = by_ref[october["r4"].reference]
    assert r4[5] == pytest.approx(1500.5) and r4[6:8] == ("2026-10-20 09:00", "2026-10-25 09:00")
    assert r4[8] == "<b>双方&解</b> 联系138****5678"
    assert [row[0] for row in closed[1:]] == [october[k].reference for k in ("r7", "r5", "r4", "r6")]  # closing order


def test_the_export_and_the_page_give_the_same_figures(october, login, users):
    client = login(users["supervisor"])
    page = grid(client.get(f"/reports/statistics?{PERIOD}&lang=en").get_data(as_text=True))
    wb = load_workbook(BytesIO(client.get(f"/reports/statistics.xlsx?{PERIOD}&lang=en").data))
    rows = {row[0]: row[1:] for row in wb["Statistics"].iter_rows(min_row=4, values_only=True) if row and row[0]}
    for category, cells in page.items():
        sheet = rows["Total" if category == "" else formula_safe(category)]
        assert [str(v) for v in sheet[:6]] == cells[:6], category
        assert f"{sheet[7]:,.2f}" == cells[6], category


def test_a_list_longer_than_a_worksheet_stops_and_says_so(october, login, users, monkeypatch):
    monkeypatch.setattr("mediation.reports.excel.SHEET_ROWS", 4)  # the heading, two cases, the note
    wb = load_workbook(BytesIO(login(users["supervisor"]).get(f"/reports/statistics.xlsx?{PERIOD}&lang=en").data))
    closed = list(wb["Closed cases"].iter_rows(values_only=True))
    assert [row[0] for row in closed[1:3]] == [october["r7"].reference, october["r5"].reference]
    assert closed[3][0] == ("The list stops at 2 cases, as many as a worksheet holds; the figures count all 4. "
                            "Choose a shorter period to list the others.")
    assert len(closed) == 4
    stats = {row[0]: row[1:] for row in wb["Statistics"].iter_rows(values_only=True) if row and row[0]}
    assert stats["Total"][:6] == (1, 3, 3, 7, 4, 3)  # every closed case still counted


def test_times_converted_in_python_read_the_same(october, login, users, monkeypatch):
    """Where the database cannot convert to local time (SQLite with a zone that has summer time),
    Python does: the sheet reads the same."""
    client = login(users["supervisor"])
    url = f"/reports/statistics.xlsx?{PERIOD}&lang=en"
    in_sql = list(load_workbook(BytesIO(client.get(url).data))["Closed cases"].iter_rows(values_only=True))
    monkeypatch.setattr("mediation.reports.queries._local_minute_sql", lambda column, tz: None)
    in_python = list(load_workbook(BytesIO(client.get(url).data))["Closed cases"].iter_rows(values_only=True))
    assert in_python == in_sql
    assert in_sql[1][6:8] == ("2026-10-07 09:00", "2026-10-08 09:00")  # r7, Shanghai time


# -- Return-visit satisfaction ---------------------------------------------------------------------

@pytest.fixture
def october_visits(october, db, users):
    def visit(key, at, satisfaction):
        db.session.add(ReturnVisit(case_id=october[key].id, visited_at=at, visited_by_id=users["mediator"].id if at else None,
                                   performance="performed" if at else None, satisfaction=satisfaction, method="visit"))

    visit("r4", local(2026, 10, 1, 0, 0), "satisfied")
    visit("r5", local(2026, 10, 12, 9, 0), "satisfied")
    visit("r7", local(2026, 10, 20, 9, 0), "satisfied")
    visit("r4", local(2026, 10, 26, 9, 0), "fairly_satisfied")
    visit("r6", local(2026, 10, 31, 23, 59), "dissatisfied")
    visit("r5", local(2026, 10, 28, 9, 0), None)  # made, no verdict
    visit("r4", local(2026, 9, 30, 23, 59), "dissatisfied")  # September: not counted
    visit("r6", local(2026, 11, 1, 0, 0), "dissatisfied")  # November: not counted
    visit("r7", None, None)  # scheduled, not made
    db.session.commit()
    return october


def test_return_visit_satisfaction_and_rate(october_visits, login, users):
    html = login(users["viewer"]).get(f"/reports/statistics?{PERIOD}&lang=en").get_data(as_text=True)
    row = tables(html)["satisfaction-table"][1].cells
    assert row == ["3", "1", "1", "1", "80.0%"]  # satisfied, fairly, dissatisfied, no verdict, (3+1)/5
    assert tables(html)["satisfaction-table"][0].cells[:3] == ["Satisfied", "Fairly satisfied", "Dissatisfied"]


def test_no_visits_no_rate(october, login, users):
    html = login(users["supervisor"]).get(f"/reports/statistics?{PERIOD}").get_data(as_text=True)
    assert tables(html)["satisfaction-table"][1].cells == ["0", "0", "0", "0", "—"]


def test_the_export_has_the_satisfaction_figures(october_visits, login, users):
    wb = load_workbook(BytesIO(login(users["supervisor"]).get(f"/reports/statistics.xlsx?{PERIOD}&lang=en").data))
    stats = {row[0]: row[1:] for row in wb["Statistics"].iter_rows(values_only=True) if row and row[0]}
    assert stats["Return-visit satisfaction"][0] == "Visits"
    assert (stats["Satisfied"][0], stats["Fairly satisfied"][0], stats["Dissatisfied"][0]) == (3, 1, 1)
    assert stats["No verdict recorded"][0] == 1 and stats["Satisfaction rate"][0] == pytest.approx(0.8)


def test_satisfaction_counts_only_the_readers_cases(october_visits, users):
    """The figures follow the reader's scope (cases/access.py) like every other statistics query."""
    rows = dict(queries.satisfaction_counts(date(2026, 10, 1), date(2026, 10, 31), current_town(), users["liaison"]))
    assert sum(rows.values()) == 0  # the police station's liaison works none of these cases
    rows = dict(queries.satisfaction_counts(date(2026, 10, 1), date(2026, 10, 31), current_town(), users["lawyer"]))
    assert rows == {"satisfied": 3, "fairly_satisfied": 1, "dissatisfied": 1, None: 1}  # co-office of all
