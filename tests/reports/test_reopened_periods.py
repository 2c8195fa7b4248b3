"""Statistics count closing events in their period (issue #11 item 5): a case closed in March, reopened
and closed again in April leaves March's figures as they were reported, and counts in April too."""
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from mediation.cases.models import Case
from mediation.core.lifecycle import Status

from .conftest import local
from .helpers import tables, text_of

MARCH = "start=2026-03-01&end=2026-03-31"
APRIL = "start=2026-04-01&end=2026-04-30"
MARCH_WEEK = "2026-03-09"  # the Monday of the week the case first closed in


def _figures(client, period):
    html = client.get(f"/reports/statistics?{period}&lang=en").get_data(as_text=True)
    grid = {r.attrs["data-category"]: r.cells[1:] for r in tables(html)["category-source"]
            if "data-category" in r.attrs}
    outcomes = {r.attrs["data-outcome"]: r.cells[1] for r in tables(html)["outcome-table"]
                if "data-outcome" in r.attrs}
    kpis = {k: text_of(html, f"kpi-{k}") for k in ("received", "closed", "agreements", "success", "amount")}
    return {"grid": grid, "outcomes": outcomes, "kpis": kpis}


def _weekly(client):
    html = client.get(f"/reports/weekly?week={MARCH_WEEK}&lang=en").get_data(as_text=True)
    return {k: text_of(html, f"kpi-{k}") for k in ("closed", "success", "days")}


def _closed_sheet(client, period):
    wb = load_workbook(BytesIO(client.get(f"/reports/statistics.xlsx?{period}&lang=en").data))
    return list(wb["Closed cases"].iter_rows(min_row=2, values_only=True))


def _post(client, db, reference, action, **data):
    db.session.expire_all()
    data.setdefault("version", str(db.session.scalar(select(Case.version).where(Case.reference == reference))))
    response = client.post(f"/cases/{reference}/{action}", data=data)
    assert response.status_code == 303, response.get_data(as_text=True)


@pytest.fixture
def closed_in_march(db, make_case, place):
    case = make_case(Status.CLOSED, channel="walk_in", category="邻里")
    return place(case, received=local(2026, 3, 2, 9, 0), closed=local(2026, 3, 10, 9, 0), amount="500")


def test_reopening_in_april_does_not_change_march(closed_in_march, db, login, users, place):
    client = login(users["supervisor"])
    march, week, sheet = _figures(client, MARCH), _weekly(client), _closed_sheet(client, MARCH)
    assert march["kpis"]["closed"] == "1" and march["grid"]["邻里"][4] == "1"  # closed, in its category
    assert march["outcomes"]["agreement_written"] == "1" and week["closed"] == "1"
    assert [row[0] for row in sheet] == [closed_in_march.reference]

    reference = closed_in_march.reference
    _post(client, db, reference, "reopen", reason="被申请人未按期付款")
    assert _figures(client, MARCH) == march  # reopened, not yet closed again: March still closed 1
    _post(client, db, reference, "close", outcome="agreement_oral", agreement_text="当面付清余款",
          amount="300")
    case = db.session.scalar(select(Case).where(Case.reference == reference))
    place(case, closed=local(2026, 4, 20, 9, 0))

    assert _figures(client, MARCH) == march
    assert _weekly(client) == week
    assert _closed_sheet(client, MARCH) == sheet
    april = _figures(client, APRIL)
    assert april["kpis"]["closed"] == "1" and april["outcomes"] == {
        "agreement_written": "0", "agreement_oral": "1", "failed_referred": "0", "withdrawn": "0",
        "transferred_out": "0"}
    assert april["kpis"]["amount"] == "300.00"
    april_sheet = _closed_sheet(client, APRIL)
    assert [(row[0], row[4]) for row in april_sheet] == [(reference, "Oral agreement")]


def test_a_period_spanning_both_closings_counts_both(closed_in_march, db, login, users, place):
    """Two closing events, each in its period: a report over March and April counts both."""
    client = login(users["supervisor"])
    reference = closed_in_march.reference
    _post(client, db, reference, "reopen", reason="协议未履行")
    _post(client, db, reference, "close", outcome="withdrawn")
    place(db.session.scalar(select(Case).where(Case.reference == reference)), closed=local(2026, 4, 2, 9, 0))
    both = _figures(client, "start=2026-03-01&end=2026-04-30")
    assert both["kpis"]["closed"] == "2"
    assert both["outcomes"]["agreement_written"] == "1" and both["outcomes"]["withdrawn"] == "1"
    assert [row[0] for row in _closed_sheet(client, "start=2026-03-01&end=2026-04-30")] == [reference, reference]
