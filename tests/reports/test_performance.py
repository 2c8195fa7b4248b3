"""Workload and performance per mediator and per committee (考核): open, overdue, closed, closed late, days
to close, success and satisfaction rates, on A4 and in Excel; figures checked against the cases."""
import random
from datetime import timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from openpyxl import load_workbook

from mediation.cases.models import ReturnVisit
from mediation.core.lifecycle import Status
from mediation.db import utcnow

from .conftest import local
from .helpers import tables, text_of

PERIOD = "start=2026-10-01&end=2026-10-31"
MEDIATORS = ("mediator", "other_mediator", "village_mediator")


@pytest.fixture
def workload(db, make_case, place, users):
    """Open and closed cases spread over three mediators (two offices), random outcomes, closing days,
    deadlines and return visits, seeded."""
    rng = random.Random(7)
    cases = []
    for n in range(36):
        who = MEDIATORS[n % 3]
        lead = "vc_qianqiao" if who == "village_mediator" else "judicial_office"
        status = rng.choice([Status.IN_MEDIATION, Status.CLOSED, Status.CLOSED])
        case = make_case(status, lead=lead, co=(), mediator=who)
        if status == Status.CLOSED:
            day = rng.choice([*range(1, 32), 0])
            closed = local(2026, 9, 29, 9, 0) if day == 0 else local(2026, 10, day, 16, 0)
            received = closed - timedelta(days=rng.randint(1, 40), hours=rng.randint(0, 20))
            place(case, received=received, closed=closed,
                  outcome=rng.choice(["agreement_written", "agreement_oral", "failed_referred"]))
            case.conclude_by = received + timedelta(days=30)
            if rng.random() < 0.6:
                db.session.add(ReturnVisit(case_id=case.id, visited_at=closed + timedelta(days=rng.randint(1, 20)),
                                           visited_by_id=users[who].id, performance="performed", method="phone",
                                           satisfaction=rng.choice(["satisfied", "fairly_satisfied", "dissatisfied", None])))
        else:
            case.next_deadline = utcnow() + timedelta(days=rng.choice([-3, -1, 2, 10]))
        db.session.commit()
        cases.append((who, case))
    return cases


def expected(workload, key_of):
    rows = {}
    start, end = local(2026, 10, 1), local(2026, 11, 1)
    now = utcnow()
    for who, case in workload:
        r = rows.setdefault(key_of(who, case), dict(open=0, overdue=0, closed=0, late=0, days=0.0, success=0,
                                                   verdict=0, satisfied=0))
        if case.status == "in_mediation":
            r["open"] += 1
            r["overdue"] += case.next_deadline < now
        elif start <= case.closed_at < end:
            r["closed"] += 1
            r["late"] += case.closed_at > case.conclude_by
            r["days"] += (case.closed_at - case.received_at).total_seconds() / 86400
            r["success"] += case.outcome.outcome.startswith("agreement")
        for visit in case.return_visits:
            if visit.visited_at is not None and start <= visit.visited_at < end and visit.satisfaction:
                r["verdict"] += 1
                r["satisfied"] += visit.satisfaction in ("satisfied", "fairly_satisfied")
    return rows


def page_rows(html):
    return {row.attrs["data-key"]: row.cells for row in tables(html)["performance"] if "data-key" in row.attrs}


def check(cells, want):
    assert int(cells[1]) == want["open"] and int(cells[2]) == want["overdue"]
    assert int(cells[3]) == want["closed"] and int(cells[4]) == want["late"]
    if want["closed"]:
        assert float(cells[5]) == pytest.approx(want["days"] / want["closed"], abs=0.051)
        assert float(cells[6].rstrip("%")) == pytest.approx(100 * want["success"] / want["closed"], abs=0.051)
    else:
        assert cells[5] == cells[6] == "—"
    if want["verdict"]:
        assert float(cells[7].rstrip("%")) == pytest.approx(100 * want["satisfied"] / want["verdict"], abs=0.051)
    assert int(cells[8]) == want["verdict"]


def test_by_mediator_adds_up_to_the_cases(workload, login, users):
    html = login(users["supervisor"]).get(f"/reports/performance?by=mediator&{PERIOD}").get_data(as_text=True)
    rows = page_rows(html)
    want = expected(workload, lambda who, case: str(users[who].id))
    assert sum(w["closed"] for w in want.values()) > 10 and sum(w["overdue"] for w in want.values()) > 0
    for key, w in want.items():
        check(rows[key], w)
    total = {k: sum(w[k] for w in want.values()) for k in next(iter(want.values()))}
    check(rows[""], total)
    assert users["lawyer"].display_name in html  # everyone who mediates has a row, zero or not


def test_by_committee(workload, login, users, town):
    html = login(users["viewer"]).get(f"/reports/performance?by=committee&{PERIOD}").get_data(as_text=True)
    rows = page_rows(html)
    offices = town["offices"]
    want = expected(workload, lambda who, case: str(case.lead_office_id))
    assert set(want) == {str(offices["judicial_office"].id), str(offices["vc_qianqiao"].id)}
    for key, w in want.items():
        check(rows[key], w)


def test_excel(workload, login, users):
    response = login(users["supervisor"]).get(f"/reports/performance.xlsx?by=mediator&{PERIOD}&lang=en")
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(response.data)).active
    by_name = {r[0]: r for r in sheet.iter_rows(values_only=True) if r and r[0]}
    want = expected(workload, lambda who, case: who)
    for who, w in want.items():
        row = by_name[f"{users[who].display_name}（{users[who].office.name}）"]
        assert row[1:5] == (w["open"], w["overdue"], w["closed"], w["late"])
        if w["closed"]:
            assert row[6] == pytest.approx(w["success"] / w["closed"], abs=0.0001)


@pytest.mark.parametrize("query, message", [("by=village", "mediator or by committee"),
                                            ("start=2026-02-30", "YYYY-MM-DD"),
                                            ("start=2026-10-02&end=2026-10-01", "before its start")])
def test_bad_arguments(query, message, login, users, town):
    response = login(users["supervisor"]).get(f"/reports/performance?{query}&lang=en")
    assert response.status_code == 400
    assert message in text_of(response.get_data(as_text=True), "form-error")


def test_a_fixed_number_of_queries(workload, login, users, make_case, make_user, count_queries):
    client = login(users["supervisor"])
    url = f"/reports/performance?by=mediator&{PERIOD}"
    client.get(url)
    with count_queries() as before:
        client.get(url)
    for _ in range(4):
        make_case(Status.CLOSED, mediator="other_mediator")
        make_user("mediator")
    with count_queries() as after:
        client.get(url)
    assert len(after) == len(before)


def test_mediators_cannot_open_it(login, users, town):
    assert login(users["mediator"]).get("/reports/performance").status_code == 403


def test_review_grades_as_adjusted(workload, login, users, db, town):
    from mediation.organisation.town import current_town
    from mediation.review.models import CaseReview
    from mediation.review.services import adjust, review_closed_cases
    assert review_closed_cases(utcnow(), current_town()) > 0
    reviews = {r.case_id: r for r in db.session.query(CaseReview)}
    start, end = local(2026, 10, 1), local(2026, 11, 1)
    in_period = [(who, case) for who, case in workload if case.closed_at and start <= case.closed_at < end]
    first = reviews[in_period[0][1].id]
    adjust(first, "excellent" if first.grade != "excellent" else "fail", "复查后调整", users["supervisor"], utcnow())
    db.session.commit()
    assert first.adjusted_grade is not None
    html = login(users["supervisor"]).get(f"/reports/performance?by=mediator&{PERIOD}").get_data(as_text=True)
    rows = page_rows(html)
    for who in MEDIATORS:
        want = {"excellent": 0, "pass": 0, "fail": 0}
        for w, case in in_period:
            if w == who:
                want[reviews[case.id].final_grade] += 1
        got = {g: int(c) for g, c in zip(("excellent", "pass", "fail"), rows[str(users[who].id)][9:12])}
        assert got == want, who


def test_a_mediator_who_has_left_keeps_their_name(workload, login, users, db):
    gone = users["other_mediator"]
    gone.active = False
    db.session.commit()
    html = login(users["supervisor"]).get(f"/reports/performance?by=mediator&{PERIOD}").get_data(as_text=True)
    row = page_rows(html)[str(gone.id)]
    assert row[0] == f"{gone.display_name}（{gone.office.name}）"
