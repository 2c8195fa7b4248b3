"""督办 as a loop in the browser: the supervisor supervises a case; the mediator sees the notice in the
bell, opens the case from it and answers (反馈); the supervisor sees it answered on the dashboard."""
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import expect
from sqlalchemy import select

from mediation.cases.models import Case, Supervision
from mediation.core.lifecycle import Status

SH = ZoneInfo("Asia/Shanghai")
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
         "device_scale_factor": 2}
INSTRUCTION = "请于三日内约谈双方并上报进展"
ANSWER = "已于今日约谈双方，约定周五现场调解"


def test_supervise_notice_answer_and_dashboard(db, users, make_case, new_page, sign_in, artifacts):
    case = make_case(Status.IN_MEDIATION)
    ref, case_id = case.reference, case.id
    db.session.rollback()  # no transaction of the test's stays open while the server writes

    # The supervisor supervises the case from its page.
    boss = new_page(**DESKTOP)
    sign_in(boss, users["supervisor"], lang="zh_CN")
    boss.goto(f"/cases/{ref}")
    with boss.expect_navigation():
        boss.locator('.actions a[href$="/supervise"]').click()
    due = (datetime.now(SH) + timedelta(days=3)).replace(hour=17, minute=0, second=0, microsecond=0)
    boss.fill('textarea[name="reason"]', INSTRUCTION)
    boss.fill('input[name="due_at"]', due.strftime("%Y-%m-%dT%H:%M"))
    artifacts.shot(boss, "supervise-form")
    with boss.expect_navigation():
        boss.locator("#submit").click()
    boss.wait_for_url(re.compile(rf"/cases/{ref}$"))
    expect(boss.locator("#supervisions .supervision-open")).to_contain_text(INSTRUCTION)
    boss.goto("/supervision/")
    expect(boss.locator(".sv-count-unanswered")).to_have_text("1")
    expect(boss.locator(f'.sv-list .sv-item[data-case="{ref}"]')).to_be_visible()
    artifacts.shot(boss, "dashboard-awaiting")

    # The mediator, on a phone: the bell counts the notice; the notice leads to the case.
    mediator = new_page(**PHONE)
    sign_in(mediator, users["mediator"], lang="zh_CN")
    expect(mediator.locator("#unread-count")).to_have_text("1")
    mediator.goto("/notifications/")
    notice = mediator.locator(".notice-supervised")
    expect(notice).to_have_count(1)
    expect(notice).to_contain_text(INSTRUCTION)
    expect(notice).to_contain_text("督办")
    artifacts.shot(mediator, "bell")
    with mediator.expect_navigation():
        notice.locator(f'a[href$="/cases/{ref}"]').tap()
    form = mediator.locator("#answer-supervision")
    expect(form).to_be_visible()
    form.locator('textarea[name="answer"]').fill(ANSWER)
    artifacts.shot(mediator, "answer-form")
    with mediator.expect_navigation():
        mediator.locator("#answer-submit").tap()
    mediator.wait_for_url(re.compile(rf"/cases/{ref}$"))
    expect(mediator.locator(".alert-success")).to_be_visible()
    expect(mediator.locator("#supervisions .supervision-answered .supervision-answer")).to_contain_text(ANSWER)
    expect(mediator.locator("#answer-supervision")).to_have_count(0)
    expect(mediator.locator(".timeline-answer").first).to_contain_text(ANSWER)
    artifacts.shot(mediator, "answered")

    # The supervisor: answered on the dashboard, and told so in the bell.
    boss.goto("/supervision/")
    expect(boss.locator(".sv-count-answered")).to_have_text("1")
    expect(boss.locator(".sv-count-unanswered")).to_have_text("0")
    with boss.expect_navigation():
        boss.locator('a[href*="supervision=answered"]').click()
    answered = boss.locator(f'.sv-list[data-state="answered"] .sv-item[data-case="{ref}"]')
    expect(answered).to_be_visible()
    expect(answered.locator(".sv-answer")).to_contain_text(ANSWER)
    artifacts.shot(boss, "dashboard-answered")
    boss.goto("/notifications/")
    expect(boss.locator(".notice-supervision_answered")).to_contain_text(ANSWER)
    artifacts.shot(boss, "supervisor-bell")

    db.session.rollback()
    supervision = db.session.scalars(select(Supervision).where(Supervision.case_id == case_id)).one()
    assert (supervision.instruction, supervision.answer) == (INSTRUCTION, ANSWER)
    assert supervision.answered_by_id == users["mediator"].id and supervision.done_at is not None
    assert supervision.due_at == due
    assert db.session.get(Case, case_id).timeline[-1].action == "answer_supervision"
