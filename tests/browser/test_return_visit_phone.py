"""On a phone, the mediator closes a case and schedules its return visit (回访) on the close form, sees the
visit due on the case page, and records it: method, performance (履行情况) and satisfaction; no page on
the way scrolls sideways."""
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import expect
from sqlalchemy import select

from mediation.cases.models import Case, ReturnVisit
from mediation.core.deadlines import end_of_day
from mediation.core.lifecycle import Action, Status

SH = ZoneInfo("Asia/Shanghai")
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
         "device_scale_factor": 2}
NOTES = "电话回访申请人，对方已修好空调外机，双方关系平稳"


def test_mediator_schedules_and_records_a_return_visit_on_a_phone(db, users, make_case, new_page, sign_in,
                                                                  artifacts, no_horizontal_scroll):
    case = make_case(Status.IN_MEDIATION)
    make_case.act(case, Action.LOG_SESSION)
    db.session.commit()
    ref, case_id = case.reference, case.id
    db.session.rollback()

    page = new_page(**PHONE)
    sign_in(page, users["mediator"], lang="zh_CN")
    page.goto(f"/cases/{ref}")

    # Close (withdrawn): the return visit's day comes from the policy; the mediator makes it tomorrow, in person.
    with page.expect_navigation():
        page.locator('.actions a[href$="/close"]').tap()
    today = datetime.now(SH).date()
    day = page.locator('input[name="return_visit_on"]')
    expect(day).to_have_value((today + timedelta(days=15)).isoformat())  # DESIGN.md: 15 days after closing
    expect(page.locator('input[name="visit_method"][value="phone"]')).to_be_checked()
    page.locator('input[type="radio"][name="outcome"][value="withdrawn"]').tap()
    visit_day = today + timedelta(days=1)
    day.fill(visit_day.isoformat())
    page.locator('input[name="visit_method"][value="visit"]').tap()
    no_horizontal_scroll(page, "close form")
    artifacts.shot(page, "close-form")
    with page.expect_navigation():
        page.locator("#submit").tap()
    page.wait_for_url(re.compile(rf"/cases/{ref}$"))
    expect(page.locator(".alert-success")).to_be_visible()

    # Due: the scheduled visit with its day, method and a due-soon badge; the deadline beside it.
    scheduled = page.locator("#return-visits .return-visit-scheduled")
    expect(scheduled).to_contain_text(visit_day.isoformat())
    expect(scheduled).to_contain_text("上门")
    expect(scheduled.locator(".badge.deadline")).to_be_visible()
    expect(page.locator("#deadlines")).to_contain_text(visit_day.isoformat())
    no_horizontal_scroll(page, "closed case, visit due")
    artifacts.shot(page, "visit-due")

    # Record it from the case page: large choices, a note.
    with page.expect_navigation():
        scheduled.locator('a[href$="/follow_up"]').tap()
    expect(page.locator('input[name="visit_method"][value="visit"]')).to_be_checked()  # as planned
    page.locator('input[name="visit_method"][value="phone"]').tap()  # made by phone after all
    page.locator('input[name="performance"][value="performed"]').tap()
    page.locator('input[name="satisfaction"][value="satisfied"]').tap()
    page.fill('textarea[name="notes"]', NOTES)
    no_horizontal_scroll(page, "return visit form")
    artifacts.shot(page, "visit-form")
    with page.expect_navigation():
        page.locator("#submit").tap()
    page.wait_for_url(re.compile(rf"/cases/{ref}$"))
    expect(page.locator(".alert-success")).to_be_visible()
    done = page.locator("#return-visits .return-visit-done")
    expect(done).to_contain_text("电话")
    expect(done).to_contain_text("满意")
    expect(done).to_contain_text(NOTES)
    expect(page.locator("#return-visits .return-visit-scheduled")).to_have_count(0)
    no_horizontal_scroll(page, "followed-up case")
    artifacts.shot(page, "visit-recorded")

    db.session.rollback()
    case = db.session.get(Case, case_id)
    assert case.status == Status.FOLLOWED_UP.value
    visit = db.session.scalars(select(ReturnVisit).where(ReturnVisit.case_id == case_id)).one()
    assert (visit.due_on, visit.scheduled_by_id) == (visit_day, users["mediator"].id)
    assert (visit.method, visit.performance, visit.satisfaction, visit.notes) == ("phone", "performed",
                                                                                  "satisfied", NOTES)
    assert visit.visited_by_id == users["mediator"].id
    assert case.follow_up_by == end_of_day(visit_day, SH)
