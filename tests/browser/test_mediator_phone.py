"""A mediator on a phone logs a mediation session on an assigned case and closes it with a written
agreement; no page on the way scrolls sideways."""
import re
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from mediation.cases.models import Case
from mediation.core.lifecycle import Status

SH = ZoneInfo("Asia/Shanghai")
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
         "device_scale_factor": 2}
RECORD = "电话联系双方，李四同意周末前修好空调外机，降低夜间噪音"
AGREEMENT = "李四于十二月五日前修好空调外机并赔偿张三损失"
TERMS = "七日内当面付清，村调委会见证"


def test_mediator_logs_a_session_and_closes_on_a_phone(db, users, make_case, new_page, sign_in, artifacts,
                                                       no_horizontal_scroll):
    mine = make_case(Status.IN_MEDIATION)
    theirs = make_case(Status.IN_MEDIATION, mediator="other_mediator")
    ref, other_ref, case_id = mine.reference, theirs.reference, mine.id
    db.session.rollback()

    page = new_page(**PHONE)
    sign_in(page, users["mediator"], lang="zh_CN")  # the default language, as mediators use it

    # My cases: through the collapsed menu, then the scope filter.
    toggler = page.locator(".navbar-toggler")
    expect(toggler).to_be_visible()
    toggler.tap()
    expect(page.locator("#nav")).to_be_visible()
    with page.expect_navigation():
        page.locator('#nav a.nav-link[href$="/cases/"]').tap()
    page.select_option("#scope", "mine")
    with page.expect_navigation():
        page.locator('form[role="search"] button[type="submit"]').tap()
    assert "scope=mine" in page.url
    expect(page.locator(f'a.case-row[href$="/cases/{ref}"]')).to_be_visible()
    expect(page.locator(f'a.case-row[href$="/cases/{other_ref}"]')).to_have_count(0)
    no_horizontal_scroll(page, "my cases")
    artifacts.shot(page, "my-cases")

    # The case.
    with page.expect_navigation():
        page.locator(f'a.case-row[href$="/cases/{ref}"]').tap()
    assert page.url.endswith(f"/cases/{ref}")
    no_horizontal_scroll(page, "case page")
    artifacts.shot(page, "case")

    # Log a session.
    with page.expect_navigation():
        page.locator('.actions a[href$="/log_session"]').tap()
    expect(page.locator('input[name="held_at"]')).to_have_value(re.compile(
        datetime.now(SH).strftime("%Y-%m-%dT%H:")))  # now, on the town's clock, unless changed
    held = (datetime.now(SH) - timedelta(hours=1)).replace(second=0, microsecond=0)
    page.fill('input[type="datetime-local"][name="held_at"]', held.strftime("%Y-%m-%dT%H:%M"))
    page.select_option('select[name="method"]', "phone")
    page.fill('textarea[name="record"]', RECORD)
    no_horizontal_scroll(page, "log session form")
    artifacts.shot(page, "log-session-form")
    with page.expect_navigation():
        page.locator("#submit").tap()
    page.wait_for_url(re.compile(rf"/cases/{ref}$"))
    expect(page.locator(".alert-success")).to_be_visible()
    expect(page.locator("main")).to_contain_text(RECORD)
    expect(page.locator("main")).to_contain_text(held.strftime("%Y-%m-%d %H:%M"))
    no_horizontal_scroll(page, "case page after the session")
    artifacts.shot(page, "session-logged")

    # Close with a written agreement.
    with page.expect_navigation():
        page.locator('.actions a[href$="/close"]').tap()
    page.locator('input[type="radio"][name="outcome"][value="agreement_written"]').tap()
    page.fill('textarea[name="agreement_text"]', AGREEMENT)
    page.fill('input[name="amount"]', "800")
    page.fill('textarea[name="performance_terms"]', TERMS)
    page.fill('input[name="performance_due_on"]', "2026-11-30")  # art. 29: performed by, and signed on
    page.fill('input[name="signed_on"]', "2026-11-20")
    no_horizontal_scroll(page, "close form")
    artifacts.shot(page, "close-form")
    with page.expect_navigation():
        page.locator("#submit").tap()
    page.wait_for_url(re.compile(rf"/cases/{ref}$"))
    expect(page.locator(".alert-success")).to_be_visible()
    expect(page.locator("h1 .badge.text-bg-success")).to_be_visible()  # the status badge: closed
    main = page.locator("main")
    for text in (AGREEMENT, TERMS, "800"):
        expect(main).to_contain_text(text)
    expect(page.locator('.actions a[href$="/log_session"]')).to_have_count(0)
    no_horizontal_scroll(page, "closed case page")
    artifacts.shot(page, "closed")

    db.session.rollback()
    case = db.session.get(Case, case_id)
    assert case.status == Status.CLOSED.value
    actions = [e.action for e in case.timeline]
    assert actions[-2:] == ["log_session", "close"], actions
    session = case.sessions[-1]
    assert (session.method, session.record, session.logged_by_id) == ("phone", RECORD, users["mediator"].id)
    assert session.held_at == held
    assert case.outcome.outcome == "agreement_written"
    assert (case.outcome.agreement_text, case.outcome.performance_terms) == (AGREEMENT, TERMS)
    assert case.outcome.amount == Decimal("800")
    assert case.follow_up_by is not None  # the return visit is now due
