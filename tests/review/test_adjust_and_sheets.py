"""A reviewer's adjustment (reason required, audited, on the timeline, kept by re-computation); the
monthly review sheet and subsidy table, on the page and in Excel, against sums worked out here."""
from collections import Counter, defaultdict
from decimal import Decimal
from io import BytesIO

import openpyxl
import pytest
from sqlalchemy import select

from mediation.auth.models import AuditEvent
from mediation.cases.models import TimelineEvent
from mediation.cases.services import perform
from mediation.core.lifecycle import Action, Payload
from mediation.core.review import DEFAULT_RATES, Grade
from mediation.db import utcnow
from mediation.organisation.town import current_town
from mediation.review.models import CaseReview
from mediation.review.services import review_closed_cases

from tests.reports.helpers import body_rows


def review_of(db, case) -> CaseReview:
    db.session.expire_all()
    return db.session.scalar(select(CaseReview).where(CaseReview.case_id == case.id))


def month_of(case) -> str:
    return case.outcome.closed_at.astimezone(current_town().tz).strftime("%Y-%m")


# --------------------------------------------------------------------------------------------
# Adjusting a grade
# --------------------------------------------------------------------------------------------

def test_an_adjustment_needs_a_reason(db, build, users, login, client):
    case = build(follow_up=False)
    login(users["supervisor"])
    response = client.post(f"/review/cases/{case.reference}/adjust?lang=en", data={"grade": "excellent", "reason": "  "})
    assert response.status_code == 422
    assert "invalid-feedback" in response.get_data(as_text=True)
    review = review_of(db, case)
    assert review.grade == Grade.PASS and review.adjusted_grade is None
    assert db.session.scalars(select(AuditEvent).where(AuditEvent.action == "review_adjusted")).all() == []


def test_an_unknown_grade_is_a_form_error(db, build, users, login, client):
    case = build(follow_up=False)
    login(users["supervisor"])
    response = client.post(f"/review/cases/{case.reference}/adjust", data={"grade": "superb", "reason": "因为"})
    assert response.status_code == 422
    assert review_of(db, case).adjusted_grade is None


def test_an_adjustment_is_kept_beside_the_computed_grade_audited_and_on_the_timeline(db, build, users, login, client):
    case = build(follow_up=False)
    login(users["supervisor"])
    response = client.post(f"/review/cases/{case.reference}/adjust",
                           data={"grade": "excellent", "reason": "回访已电话完成，记录补录中"})
    assert response.status_code == 303
    review = review_of(db, case)
    assert (review.grade, review.adjusted_grade, review.final_grade) == ("pass", "excellent", "excellent")
    assert review.adjusted_reason == "回访已电话完成，记录补录中"
    assert review.adjusted_by_id == users["supervisor"].id and review.adjusted_at is not None
    row = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "review_adjusted")).one()
    assert row.object_id == case.reference and row.user_id == users["supervisor"].id
    event = db.session.scalars(select(TimelineEvent).where(TimelineEvent.case_id == case.id,
                                                           TimelineEvent.action == "review_adjusted")).one()
    assert event.from_status == event.to_status == "closed"
    assert event.details["reason"] == review.adjusted_reason and event.details["computed_grade"] == "pass"
    html = client.get(f"/review/cases/{case.reference}").get_data(as_text=True)
    assert 'id="final-grade" data-grade="excellent"' in html and 'id="computed-grade" data-grade="pass"' in html


def test_recomputation_keeps_the_adjustment(db, build, users, login, client):
    case = build(follow_up=False)
    login(users["supervisor"])
    client.post(f"/review/cases/{case.reference}/adjust", data={"grade": "fail", "reason": "卷宗材料不齐"})
    perform(case, Action.FOLLOW_UP, users["mediator"], Payload(performance="performed"), now=utcnow(),
            town=current_town())
    db.session.commit()
    assert review_closed_cases(utcnow(), current_town()) == 1  # stale: the case changed
    db.session.commit()
    review = review_of(db, case)
    assert review.grade == Grade.EXCELLENT and review.score == 100  # computed again
    assert review.adjusted_grade == "fail" and review.adjusted_reason == "卷宗材料不齐"  # the reviewer's stands
    assert review.final_grade == "fail"


# --------------------------------------------------------------------------------------------
# The month's sheet and subsidy
# --------------------------------------------------------------------------------------------

@pytest.fixture
def month_world(db, build, users, login, client):
    """Seven cases closed this month in two committees with two mediators, of two categories; one
    adjusted by the reviewer. Returns the cases with the grade each must count with."""
    plan = [  # (lead office, mediator, category, followed up: 优秀, else 合格)
        ("judicial_office", "mediator", "邻里", True),
        ("judicial_office", "mediator", "邻里", False),
        ("judicial_office", "other_mediator", "征地拆迁", True),
        ("judicial_office", "other_mediator", "征地拆迁", False),
        ("vc_qianqiao", "village_mediator", "邻里", True),
        ("vc_qianqiao", "village_mediator", "邻里", True),
        ("vc_qianqiao", "village_mediator", "征地拆迁", False),
    ]
    cases = []
    for lead, mediator, category, followed in plan:
        case = build(lead=lead, mediator=mediator, category=category, follow_up=followed)
        cases.append({"case": case, "reference": case.reference, "office": lead, "mediator": mediator,
                      "category": category, "grade": "excellent" if followed else "pass"})
    login(users["supervisor"])
    adjusted = cases[1]
    assert client.post(f"/review/cases/{adjusted['reference']}/adjust",
                       data={"grade": "fail", "reason": "调解记录不全"}).status_code == 303
    adjusted["grade"] = "fail"
    return cases


def expected_counts(cases, key):
    counts = defaultdict(Counter)
    for c in cases:
        counts[c[key]][c["grade"]] += 1
    return counts


def test_the_monthly_sheet_by_committee_counts_what_the_cases_are(db, month_world, town, client):
    month = month_of(month_world[0]["case"])
    response = client.get(f"/review/monthly?month={month}&by=committee")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for code, counts in expected_counts(month_world, "office").items():
        office = town["offices"][code]
        section = html.split(f'data-group="{office.id}"', 1)[1].split("</section>", 1)[0]
        assert f'class="count-cases">{sum(counts.values())}<' in section
        for grade in ("excellent", "pass", "fail"):
            assert f'class="count-{grade}">{counts[grade]}<' in section
        listed = {c["reference"] for c in month_world if c["office"] == code}
        assert {ref for ref in listed if f'data-ref="{ref}"' in section} == listed
    totals = Counter(c["grade"] for c in month_world)
    for grade in ("excellent", "pass", "fail"):
        assert f'id="total-{grade}">{totals[grade]}<' in html
    assert f'id="total-cases">{len(month_world)}<' in html


def test_the_monthly_sheet_by_mediator(db, month_world, users, client):
    month = month_of(month_world[0]["case"])
    html = client.get(f"/review/monthly?month={month}&by=mediator").get_data(as_text=True)
    for name, counts in expected_counts(month_world, "mediator").items():
        section = html.split(f'data-group="{users[name].id}"', 1)[1].split("</section>", 1)[0]
        assert f'<h2>{users[name].display_name}</h2>' in html
        for grade in ("excellent", "pass", "fail"):
            assert f'class="count-{grade}">{counts[grade]}<' in section


def test_another_month_lists_nothing(db, month_world, client):
    html = client.get("/review/monthly?month=2001-01").get_data(as_text=True)
    assert 'id="no-cases"' in html and 'id="total-cases">0<' in html


def rate(category, grade) -> Decimal:
    rates = {(c, g): a for c, g, a in DEFAULT_RATES}
    return rates.get((category, grade), rates[(None, grade)])


def expected_subsidy(cases, key):
    amounts, counts = defaultdict(Decimal), Counter()
    for c in cases:
        amounts[c[key]] += rate(c["category"], c["grade"])
        counts[c[key]] += 1
    return amounts, counts


def test_the_subsidy_table_is_cases_times_rates(db, month_world, town, users, client):
    month = month_of(month_world[0]["case"])
    html = client.get(f"/review/subsidy?month={month}").get_data(as_text=True)
    total = sum(rate(c["category"], c["grade"]) for c in month_world)
    assert total == Decimal(300 + 0 + 500 + 300 + 300 + 300 + 300)  # worked out by hand, as a check of the check
    for table_id, key, ids in (("by-committee", "office", {k: o.id for k, o in town["offices"].items()}),
                               ("by-mediator", "mediator", {k: u.id for k, u in users.items()})):
        amounts, counts = expected_subsidy(month_world, key)
        rows = body_rows(html, table_id)
        assert rows, table_id
        part = html.split(f'id="{table_id}"', 1)[1].split("</table>", 1)[0]
        for name, amount in amounts.items():
            subtotal = part.split(f'class="subtotal" data-group="{ids[name]}"', 1)[1].split("</tr>", 1)[0]
            assert f'class="num cases">{counts[name]}<' in subtotal
            assert f'class="num amount">{amount:,.2f}<' in subtotal
        footer = part.split('class="total"', 1)[1]
        assert f'class="num amount">{total:,.2f}<' in footer and f'class="num cases">{len(month_world)}<' in footer
    # The category's own rate: a 征地拆迁 case graded 优秀 earns 500, not the 300 of any category.
    line = html.split(f'data-group="{town["offices"]["judicial_office"].id}" data-category="征地拆迁" '
                      'data-grade="excellent"', 1)[1].split("</tr>", 1)[0]
    assert 'class="num rate">500.00<' in line


def test_a_rate_changed_on_the_admin_page_changes_the_subsidy(db, month_world, users, login, client):
    month = month_of(month_world[0]["case"])
    login(users["admin"])
    assert client.post("/review/rules/rates", data={"category": "", "grade": "pass", "amount": "250"}).status_code == 303
    assert client.post("/review/rules/rates", data={"category": "", "grade": "pass", "amount": "-1"}).status_code == 422
    login(users["supervisor"])
    html = client.get(f"/review/subsidy?month={month}").get_data(as_text=True)
    total = sum(Decimal("250") if (c["grade"], c["category"]) == ("pass", "邻里") else rate(c["category"], c["grade"])
                for c in month_world)
    assert f'class="num amount">{total:,.2f}<' in html.split('class="total"', 1)[1]
    audit = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "subsidy_rate_saved")).all()
    assert len(audit) == 1


def sheet_values(body: bytes, sheet: int) -> list[list]:
    book = openpyxl.load_workbook(BytesIO(body))
    return [list(r) for r in book.worksheets[sheet].iter_rows(values_only=True)]


def test_the_review_sheet_in_excel_has_the_same_figures(db, month_world, town, users, client):
    month = month_of(month_world[0]["case"])
    response = client.get(f"/review/monthly.xlsx?month={month}&lang=en")
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    rows = sheet_values(response.data, 0)
    grades = {r[0]: r[7] for r in rows if r and r[0] in {c["reference"] for c in month_world}}
    labels = {"excellent": "Excellent (优秀)", "pass": "Pass (合格)", "fail": "Fail (不合格)"}
    assert grades == {c["reference"]: labels[c["grade"]] for c in month_world}
    by_name = {}
    current = None
    for r in rows:
        if r and r[0] == "Committee":
            current = r[1]
        elif r and r[0] == "Cases" and current:
            by_name[current] = r[1]
    expected = Counter(town["offices"][c["office"]].name for c in month_world)
    assert by_name == dict(expected)
    mediators = sheet_values(response.data, 1)
    assert sum(1 for r in mediators if r and r[0] in grades) == len(month_world)
    assert db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export",
                                                       AuditEvent.object_type == "case_review")).one()


def test_the_subsidy_table_in_excel_has_the_same_figures(db, month_world, town, users, client):
    month = month_of(month_world[0]["case"])
    response = client.get(f"/review/subsidy.xlsx?month={month}&lang=en")
    assert response.status_code == 200
    for sheet, key, names in ((0, "office", {k: o.name for k, o in town["offices"].items()}),
                              (1, "mediator", {k: u.display_name for k, u in users.items()})):
        rows = sheet_values(response.data, sheet)
        amounts, counts = expected_subsidy(month_world, key)
        subtotals = {r[0]: (r[3], Decimal(str(r[5]))) for r in rows if r and r[1] == "Subtotal"}
        assert subtotals == {names[k]: (counts[k], amounts[k]) for k in amounts}
        total = next(r for r in rows if r and r[0] == "Total")
        assert total[3] == len(month_world)
        assert Decimal(str(total[5])) == sum(rate(c["category"], c["grade"]) for c in month_world)


@pytest.mark.parametrize("url", ["/review/monthly?month=2026-13", "/review/monthly?month=oct",
                                 "/review/monthly?month=2026-10&by=office", "/review/subsidy?month=1999-12",
                                 "/review/monthly.xlsx?month=2026-1", "/review/subsidy.xlsx?month=２０２６-１０"])
def test_a_bad_month_is_400_with_a_message(url, users, login, client):
    login(users["supervisor"])
    response = client.get(url + ("&" if "?" in url else "?") + "lang=en")
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "Give the month as year and month" in body or "by committee or by mediator" in body


@pytest.mark.parametrize("role", ["mediator", "village_mediator", "liaison", "viewer", "admin"])
def test_the_review_pages_are_for_the_judicial_office(role, db, build, users, login, client):
    case = build()
    login(users[role])
    for url in (f"/review/cases/{case.reference}", "/review/monthly", "/review/subsidy", "/review/monthly.xlsx",
                "/review/subsidy.xlsx"):
        assert client.get(url).status_code == 403, url
    assert client.post(f"/review/cases/{case.reference}/adjust",
                       data={"grade": "fail", "reason": "x"}).status_code == 403


def _count(count_queries, client, url):
    with count_queries() as statements:
        assert client.get(url).status_code == 200
    return len(statements)


@pytest.mark.parametrize("path", ["/review/monthly?by=committee", "/review/monthly?by=mediator", "/review/subsidy",
                                  "/review/monthly.xlsx", "/review/subsidy.xlsx"])
def test_the_month_pages_run_a_fixed_number_of_queries(path, db, build, users, login, client, count_queries):
    login(users["supervisor"])
    few = [build(follow_up=True), build(mediator="other_mediator")]
    month = month_of(few[0])
    url = f"{path}{'&' if '?' in path else '?'}month={month}"
    first_few, again_few = _count(count_queries, client, url), _count(count_queries, client, url)
    for n in range(5):
        build(lead="vc_qianqiao" if n % 2 else "judicial_office", mediator="village_mediator" if n % 2 else "mediator",
              category="征地拆迁" if n % 3 else "邻里", follow_up=bool(n % 2))
    first_many, again_many = _count(count_queries, client, url), _count(count_queries, client, url)
    assert first_many == first_few  # computing the missing reviews: one batch either way
    assert again_many == again_few  # all fresh: nothing computed
    assert again_few < first_few


def test_the_case_page_runs_a_fixed_number_of_queries(db, build, users, login, client, count_queries):
    login(users["supervisor"])
    small = build(follow_up=True)
    big = build(follow_up=True, sessions=4)
    assert _count(count_queries, client, f"/review/cases/{small.reference}") == \
        _count(count_queries, client, f"/review/cases/{big.reference}")
