"""A party on a phone checks their case's progress with the acknowledgement's reference and the
last four digits of their phone: no account, nothing scrolls sideways, the CSP blocks nothing."""
import pytest
from playwright.sync_api import expect

from mediation.core.lifecycle import Status

PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True,
         "device_scale_factor": 2}


def test_a_party_checks_progress_on_a_phone(db, make_case, new_page, artifacts, no_horizontal_scroll):
    case = make_case(Status.IN_MEDIATION)
    reference = case.reference
    db.session.rollback()

    page = new_page(**PHONE)
    problems = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" and "404" not in msg.text else None)
    page.on("response", lambda r: problems.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico") else None)
    page.goto("/progress/")
    expect(page.locator("h1")).to_have_text("查询案件办理进度")
    expect(page.locator("#digits")).to_have_attribute("inputmode", "numeric")
    no_horizontal_scroll(page, "lookup form")
    artifacts.shot(page, "form")

    # Wrong digits first: the same message as for a reference that does not exist.
    page.fill("#reference", reference.lower())
    page.fill("#digits", "0000")
    with page.expect_navigation():
        page.locator("#submit").tap()
    expect(page.locator("#progress-not-found")).to_contain_text("未找到")
    expect(page.locator("#reference")).to_have_value("")
    no_horizontal_scroll(page, "not found")
    artifacts.shot(page, "not-found")

    page.fill("#reference", reference)
    page.fill("#digits", "5678")
    with page.expect_navigation():
        page.locator("#submit").tap()
    result = page.locator("#progress-result")
    expect(result).to_be_visible()
    expect(page.locator("#progress-status")).to_have_text("调解中")
    expect(page.locator("#progress-office")).to_have_text("徐行镇司法所")
    expect(page.locator("#progress-next")).to_contain_text("前向12345热线反馈办理情况")
    for secret in ("张三", "李四", "13812345678", "13900001111"):
        expect(page.locator("body")).not_to_contain_text(secret)
    no_horizontal_scroll(page, "result")
    artifacts.shot(page, "result")
    assert problems == [], problems  # e.g. a style or script the CSP refused

    with page.expect_navigation():
        page.locator('a[href$="/progress/"]').tap()
    expect(page.locator("#progress-form")).to_be_visible()
