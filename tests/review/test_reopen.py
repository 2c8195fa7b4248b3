"""A review belongs to one closing: a reviewer's adjustment stays with the closing it was made of
(a case closed again after a reopen is reviewed afresh, without it), and a month's sheet and subsidy
table keep their figures when a case closed in it is reopened and closed again later; the case counts,
with its new review, in the month it closed again, once."""
from datetime import date, datetime, timedelta, timezone
from io import BytesIO

import openpyxl
from sqlalchemy import select

from mediation.db import utcnow
from mediation.organisation.town import current_town
from mediation.review.models import CaseReview
from mediation.review.services import review_closed_cases

from tests.reports.helpers import body_rows, tables


def months_back(n: int) -> tuple[int, int]:
    """(year, month) `n` months before this month in the town."""
    today = utcnow().astimezone(current_town().tz).date()
    index = today.year * 12 + today.month - 1 - n
    return index // 12, index % 12 + 1


def local(year: int, month: int, day: int, hour: int = 10) -> datetime:
    return datetime(year, month, day, hour, tzinfo=current_town().tz).astimezone(timezone.utc)


def reviews_of(db, case) -> list[CaseReview]:
    db.session.expire_all()
    return db.session.scalars(select(CaseReview).where(CaseReview.case_id == case.id)
                              .order_by(CaseReview.closed_at)).all()


def adjust(client, case, grade: str, reason: str):
    response = client.post(f"/review/cases/{case.reference}/adjust", data={"grade": grade, "reason": reason})
    assert response.status_code == 303


def test_a_case_closed_again_is_reviewed_afresh_without_the_earlier_adjustment(db, build, reopen, reclose, users,
                                                                                  login, client):
    (y1, m1), (y2, m2) = months_back(3), months_back(2)
    first_closing, second_closing = local(y1, m1, 10), local(y2, m2, 12)
    case = build(follow_up=False, at=first_closing)  # no return visit: 85 points, 合格
    login(users["supervisor"])
    adjust(client, case, "excellent", "回访已电话完成")
    reopen(case, local(y2, m2, 3))
    assert client.get(f"/review/cases/{case.reference}").status_code == 404  # not closed now
    assert review_closed_cases(utcnow(), current_town()) == 0  # an open case: nothing to review
    [kept] = reviews_of(db, case)
    assert (kept.closed_at, kept.grade, kept.adjusted_grade) == (first_closing, "pass", "excellent")

    reclose(case, second_closing)
    assert review_closed_cases(utcnow(), current_town()) == 1  # the new closing, not the earlier one
    db.session.commit()
    earlier, current = reviews_of(db, case)
    assert (earlier.closed_at, earlier.final_grade, earlier.adjusted_reason) == (first_closing, "excellent",
                                                                                  "回访已电话完成")
    assert current.closed_at == second_closing
    assert (current.grade, current.adjusted_grade, current.final_grade) == ("pass", None, "pass")
    html = client.get(f"/review/cases/{case.reference}").get_data(as_text=True)
    assert 'id="final-grade" data-grade="pass"' in html and 'id="adjustment"' not in html
    assert f'data-closed-at="{second_closing.isoformat()}"' in html  # the page shows the current closing's review
    assert review_closed_cases(utcnow(), current_town()) == 0  # both fresh: the earlier one is never recomputed

    adjust(client, case, "fail", "卷宗材料不齐")  # the current closing's review only
    earlier, current = reviews_of(db, case)
    assert (earlier.final_grade, current.final_grade) == ("excellent", "fail")


def test_an_adjustment_of_the_same_closing_still_stands_a_recomputation(db, build, users, login, client):
    """The per-closing key does not lose what the adjustment was for: the same closing, computed again."""
    case = build(follow_up=False)
    login(users["supervisor"])
    adjust(client, case, "fail", "调解记录不全")
    login(users["admin"])
    assert client.post("/review/rules/grades", data={"excellent": "80", "passing": "50"}).status_code == 303
    assert review_closed_cases(utcnow(), current_town()) == 1
    db.session.commit()
    [review] = reviews_of(db, case)
    assert (review.grade, review.adjusted_grade) == ("excellent", "fail")


def _sheet(client, month: str) -> str:
    html = client.get(f"/review/monthly?month={month}&by=committee").get_data(as_text=True)
    return html.split('id="grade-totals"', 1)[1].split('class="signatures', 1)[0]


def _subsidy(client, month: str) -> list:
    html = client.get(f"/review/subsidy?month={month}").get_data(as_text=True)
    return [(r.attrs, r.cells) for table in ("by-committee", "by-mediator") for r in tables(html)[table]]


def _workbooks(client, month: str) -> list:
    out = []
    for path in ("monthly.xlsx", "subsidy.xlsx"):
        response = client.get(f"/review/{path}?month={month}")
        assert response.status_code == 200
        book = openpyxl.load_workbook(BytesIO(response.data))
        out.append([list(r) for sheet in book.worksheets for r in sheet.iter_rows(values_only=True)])
    return out


def _figures(client, month: str):
    return _sheet(client, month), _subsidy(client, month), _workbooks(client, month)


def test_a_months_sheet_and_subsidy_keep_their_figures_after_a_reopen_and_a_new_closing(
        db, build, reopen, reclose, users, login, client):
    (y1, m1), (y2, m2) = months_back(3), months_back(2)
    month, later = f"{y1:04d}-{m1:02d}", f"{y2:04d}-{m2:02d}"
    reopened = build(follow_up=False, at=local(y1, m1, 10))
    other = build(follow_up=False, at=local(y1, m1, 11))
    login(users["supervisor"])
    adjust(client, reopened, "excellent", "回访已电话完成")
    before = _figures(client, month)
    sheet = before[0]
    assert f'data-ref="{reopened.reference}"' in sheet and f'data-ref="{other.reference}"' in sheet
    assert 'id="total-cases">2<' in sheet and 'id="total-excellent">1<' in sheet and 'id="total-pass">1<' in sheet
    html = client.get(f"/review/subsidy?month={month}").get_data(as_text=True)
    assert 'class="num amount">500.00<' in html.split('class="total"', 1)[1]  # 优秀 300 (adjusted) + 合格 200

    reopen(reopened, local(y2, m2, 3))
    assert _figures(client, month) == before  # reopened: the month it closed in is as it was reported
    reclose(reopened, local(y2, m2, 12))
    assert _figures(client, month) == before  # closed again, in another month: still as reported

    sheet = _sheet(client, later)  # the month it closed again: once, with its new review, unadjusted
    assert sheet.count(f'data-ref="{reopened.reference}"') == 1 and f'data-ref="{other.reference}"' not in sheet
    assert 'id="total-cases">1<' in sheet and 'id="total-pass">1<' in sheet and 'id="total-excellent">0<' in sheet
    html = client.get(f"/review/subsidy?month={later}").get_data(as_text=True)
    footer = html.split('class="total"', 1)[1]
    assert 'class="num cases">1<' in footer and 'class="num amount">200.00<' in footer
    rows = body_rows(html, "by-committee")
    assert [(r.attrs["data-grade"], r.attrs["data-category"]) for r in rows] == [("pass", "邻里")]
    assert _sheet(client, month).count(f'data-ref="{reopened.reference}"') == 1


def test_performance_counts_each_closing_in_the_period_with_its_own_review(db, build, reopen, reclose, users,
                                                                           login, client):
    year, month = months_back(4)
    case = build(follow_up=False, at=local(year, month, 5))
    login(users["supervisor"])
    adjust(client, case, "fail", "调解记录不全")  # the first closing: 不合格 as adjusted
    reopen(case, local(year, month, 8))
    reclose(case, local(year, month, 20))  # the second: 合格 as computed
    assert review_closed_cases(utcnow(), current_town()) == 1
    db.session.commit()
    last = date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)
    period = f"start={year:04d}-{month:02d}-01&end={last.isoformat()}"
    html = client.get(f"/reports/performance?by=mediator&{period}").get_data(as_text=True)
    rows = {r.attrs["data-key"]: r.cells for r in tables(html)["performance"] if "data-key" in r.attrs}
    cells = rows[str(users["mediator"].id)]
    assert int(cells[3]) == 2  # two closings in the period
    assert {g: int(n) for g, n in zip(("excellent", "pass", "fail"), cells[9:12])} == {
        "excellent": 0, "pass": 1, "fail": 1}
