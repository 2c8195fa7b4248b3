"""The Ministry of Justice's statistics form: categories x (mediated, successful, amounts, 防止民转刑 and
防止群体性上访 cases and persons, sources), for any period and committee, on A4 and in Excel; its figures
checked against the cases themselves."""
import random
from collections import defaultdict
from decimal import Decimal
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from mediation.auth.models import AuditEvent
from mediation.core.lifecycle import Status
from mediation.core.statistics import source_of
from mediation.core.vocab import CATEGORIES

from .conftest import local
from .helpers import tables, text_of

PERIOD = "start=2026-10-01&end=2026-10-31"
CHANNELS = ("grid_patrol", "walk_in", "dispute_platform", "police_110", "hotline_12345", "referral")
OUTCOMES = ("agreement_written", "agreement_oral", "failed_referred", "withdrawn")
COLUMNS = ("mediated", "successful", "written", "oral", "amount", "criminal_cases", "criminal_persons",
           "petition_cases", "petition_persons")


@pytest.fixture
def season(db, make_case, place):
    """Forty closed cases with random category, channel, outcome, amount, risk, escalation, people and lead
    committee (the town's or 前桥村's); most closed in October, some just outside it."""
    rng = random.Random(2026)
    cases = []
    for n in range(40):
        village = rng.random() < 0.3
        case = make_case(Status.CLOSED, channel=rng.choice(CHANNELS), category=rng.choice(CATEGORIES[:6]),
                         lead="vc_qianqiao" if village else "judicial_office",
                         co=(), mediator="village_mediator" if village else "mediator")
        outcome = rng.choice(OUTCOMES)
        amount = str(rng.randint(0, 90000) / 4) if outcome.startswith("agreement") else None
        day = rng.choice([*range(1, 32), 0, 32])  # 0: 30 September, 32: 1 November
        closed = local(2026, 9, 30, 22, 0) if day == 0 else local(2026, 11, 1, 0, 30) if day == 32 \
            else local(2026, 10, day, 15, 0)
        case.people_involved = rng.choice([None, None, 3, 6, 12])
        place(case, received=local(2026, 9, 1, 9, 0), closed=closed, outcome=outcome, amount=amount,
              risk=rng.choice(["low", "low", "high"]), escalated=rng.random() < 0.2)
        cases.append(case)
    return cases


def expected_form(cases, office_id=None) -> dict[str, dict[str, Decimal]]:
    """The form's figures worked out from the case objects, one by one, in Python."""
    rows: dict[str, dict] = defaultdict(lambda: defaultdict(Decimal))
    for case in cases:
        if not (local(2026, 10, 1) <= case.closed_at < local(2026, 11, 1)):
            continue
        if office_id is not None and case.lead_office_id != office_id:
            continue
        persons = max(len(case.parties), case.people_involved or 0)
        success = case.outcome.outcome in ("agreement_written", "agreement_oral")
        for key in (case.category, ""):
            row = rows[key]
            row["mediated"] += 1
            row[source_of(case.channel).value] += 1
            if success:
                row["successful"] += 1
                row["written" if case.outcome.outcome == "agreement_written" else "oral"] += 1
                row["amount"] += case.outcome.amount or 0
                if case.risk_level == "high" or case.escalated:
                    row["criminal_cases"] += 1
                    row["criminal_persons"] += persons
                if persons >= 5:
                    row["petition_cases"] += 1
                    row["petition_persons"] += persons
    return rows


def page_form(html: str) -> dict[str, dict[str, Decimal]]:
    parsed = {}
    for row in tables(html)["ministry-form"]:
        if "data-category" not in row.attrs:
            continue
        values = [Decimal(v.replace(",", "")) for v in row.cells[1:]]
        names = (*COLUMNS, "own_initiative", "application", "referred")
        parsed[row.attrs["data-category"]] = dict(zip(names, values))
    return parsed


def assert_matches(parsed, expected):
    for category in (*CATEGORIES, ""):
        got, want = parsed[category], expected.get(category, {})
        for name, value in got.items():
            assert value == want.get(name, 0), (category or "total", name, value, want.get(name, 0))


def test_the_form_adds_up_to_the_cases(season, login, users):
    html = login(users["viewer"]).get(f"/reports/ministry?{PERIOD}").get_data(as_text=True)
    parsed = page_form(html)
    assert list(parsed)[:len(CATEGORIES)] == list(CATEGORIES)  # every category of the form, zero or not
    expected = expected_form(season)
    assert expected[""]["mediated"] > 20 and expected[""]["criminal_cases"] > 0 and expected[""]["petition_cases"] > 0
    assert_matches(parsed, expected)
    assert "防止民转刑" in html and "防止群体性上访" in html and "委托移送" in html


def test_one_committee(season, login, users, town):
    office = town["offices"]["vc_qianqiao"]
    client = login(users["supervisor"])
    html = client.get(f"/reports/ministry?{PERIOD}&office={office.id}").get_data(as_text=True)
    expected = expected_form(season, office.id)
    assert 0 < expected[""]["mediated"] < expected_form(season)[""]["mediated"]
    assert_matches(page_form(html), expected)
    assert text_of(html, "committee") == office.name


def test_excel_has_the_same_figures(season, login, users, db):
    response = login(users["viewer"]).get(f"/reports/ministry.xlsx?{PERIOD}&lang=en")
    assert response.status_code == 200
    assert 'filename="ministry-2026-10-01-2026-10-31.xlsx"' in response.headers["Content-Disposition"]
    sheet = load_workbook(BytesIO(response.data)).active
    rows = {r[0]: r[1:] for r in sheet.iter_rows(values_only=True) if r and r[0] in (*CATEGORIES, "Total")}
    expected = expected_form(season)
    for category, values in rows.items():
        want = expected.get("" if category == "Total" else category, {})
        for name, value in zip(COLUMNS, values):
            assert Decimal(str(value)) == want.get(name, 0), (category, name)
    assert db.session.scalars(select(AuditEvent.object_id).where(AuditEvent.action == "export")).all() == [
        "ministry:2026-10-01..2026-10-31"]


@pytest.mark.parametrize("query, message", [
    ("start=2026-13-01", "YYYY-MM-DD"), ("start=2026-10-31&end=2026-10-01", "before its start"),
    ("office=abc", "committee"), ("office=99999999", "committee"), ("office=" + "9" * 40, "committee"),
    ("office=²", "committee"), ("office=-1", "committee")])
def test_bad_arguments_are_a_message(query, message, login, users, town):
    response = login(users["supervisor"]).get(f"/reports/ministry?{query}&lang=en")
    assert response.status_code == 400
    assert message in text_of(response.get_data(as_text=True), "form-error")


def test_an_office_that_is_not_a_committee_is_refused(login, users, town):
    police = town["offices"]["police_station"]
    response = login(users["supervisor"]).get(f"/reports/ministry?office={police.id}&lang=en")
    assert response.status_code == 400


@pytest.mark.parametrize("role, expected", [("supervisor", 200), ("viewer", 200), ("admin", 200),
                                            ("mediator", 403), ("lawyer", 403)])
def test_who_may_see_it(role, expected, login, users, town):
    client = login(users[role])
    assert client.get("/reports/ministry").status_code == expected
    assert client.get("/reports/ministry.xlsx").status_code == expected


def test_a_fixed_number_of_queries(season, login, users, make_case, place, count_queries):
    client = login(users["supervisor"])
    url = f"/reports/ministry?{PERIOD}"
    client.get(url)
    with count_queries() as before:
        client.get(url)
    for n in range(5):
        place(make_case(Status.CLOSED, category=CATEGORIES[n]), closed=local(2026, 10, 9, 9, 0))
    with count_queries() as after:
        client.get(url)
    assert len(after) == len(before)
