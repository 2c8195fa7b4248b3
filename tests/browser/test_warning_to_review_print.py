"""Issue #14's loop in one browser session: a supervisor sees a hotspot warning on the dashboard's menu,
opens it, follows it to one of its cases, goes from the case to its file review (卷宗评查), and prints the
month's review sheet."""
import re

from playwright.sync_api import expect

from mediation.core.lifecycle import Status
from mediation.db import utcnow
from mediation.intake.services import PartyData
from mediation.organisation.town import current_town
from mediation.review.services import load_defaults

from tests.reports.helpers import normalise, page_texts, read_pdf

DESKTOP = {"viewport": {"width": 1280, "height": 900}}


def test_warning_to_its_cases_to_the_printed_review_sheet(db, make_case, users, new_page, sign_in, artifacts):
    load_defaults(utcnow())
    cases = [make_case(Status.FOLLOWED_UP, category="劳动争议",
                       parties=[PartyData(f"王{n}明", "applicant", f"1380000000{n}", "", "徐行镇小庙村88号"),
                                PartyData("上海嘉定物流有限公司", "respondent", "", "", "徐行镇工业园区1号")]) for n in range(3)]
    refs = [c.reference for c in cases]
    month = cases[0].outcome.closed_at.astimezone(current_town().tz).strftime("%Y-%m")
    db.session.commit()
    db.session.rollback()  # no transaction of the test's stays open while the server writes

    page = new_page(**DESKTOP)
    sign_in(page, users["supervisor"], lang="zh_CN")
    page.goto("/")
    page.locator("#nav-supervision").click()
    with page.expect_navigation():
        page.get_by_role("link", name="热点预警").click()
    with page.expect_navigation():
        page.locator("#scan-now").click()
    warning = page.locator('#rule-village_category .hotspot-warning')
    expect(warning).to_have_count(1)
    expect(warning.locator(".hotspot-count")).to_have_text("3")
    with page.expect_navigation():
        warning.locator("a.hotspot-link").click()
    rows = page.locator("#warning-cases .warning-case")
    expect(rows).to_have_count(3)
    assert sorted(rows.nth(i).get_attribute("data-ref") for i in range(3)) == sorted(refs)
    artifacts.shot(page, "loop-warning")

    first = rows.first.get_attribute("data-ref")
    with page.expect_navigation():
        rows.first.locator(f'a[href$="/cases/{first}"]').click()
    with page.expect_navigation():
        page.locator("#case-review-link").click()
    page.wait_for_url(re.compile(rf"/review/cases/{first}$"))
    expect(page.locator("main")).to_contain_text("优秀")
    artifacts.shot(page, "loop-case-review")

    page.goto(f"/review/monthly?month={month}")
    for ref in refs:
        expect(page.locator(f'tr[data-ref="{ref}"]')).to_be_visible()
    page.evaluate("() => { window.__printed = 0; window.print = () => { window.__printed += 1; }; }")
    page.locator("[data-print]").click()
    assert page.evaluate("() => window.__printed") == 1
    page.emulate_media(media="print")
    expect(page.locator(".toolbar")).to_be_hidden()
    pdf = read_pdf(page.pdf(format="A4", print_background=True, prefer_css_page_size=True))
    printed = normalise("".join(page_texts(pdf)))
    assert all(normalise(ref) in printed for ref in refs)
