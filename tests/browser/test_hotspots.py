"""热点预警 in the browser: a supervisor scans, opens a warning from the list, reads why it fired and
follows it to its cases (the first half of issue #14's loop; the dashboard panel and the handout are
hooked in elsewhere)."""
import re
from datetime import timedelta

from playwright.sync_api import expect

from mediation.core.statistics import week_of
from mediation.db import utcnow
from mediation.hotspots.services import hotspot_scan
from mediation.intake.services import CaseData, PartyData, register_case
from mediation.organisation.town import current_town

DESKTOP = {"viewport": {"width": 1280, "height": 900}}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
COMPANY = "上海嘉定物流有限公司"


def _cluster(db, town, users) -> list[str]:
    """Three 劳动争议 cases in 小庙村 against one company, at one compound: received 1-3 days ago."""
    now, refs = utcnow(), []
    for n in range(3):
        data = CaseData(channel="walk_in", received_at=now - timedelta(days=n + 1), category="劳动争议",
                        summary=f"拖欠工资{n}", village_id=town["villages"]["xiaomiao"].id,
                        address="嘉定区徐行镇金地格林小区12号楼301室",
                        parties=[PartyData(f"王{n}明", "applicant", f"1380000000{n}"),
                                 PartyData(COMPANY, "respondent")])
        refs.append(register_case(data, users["supervisor"], now=now, town=current_town()).reference)
    db.session.commit()
    return refs


def test_supervisor_scans_opens_a_warning_and_follows_it_to_its_cases(db, town, users, new_page, sign_in,
                                                                      artifacts, no_horizontal_scroll):
    refs = _cluster(db, town, users)
    db.session.rollback()  # no transaction of the test's stays open while the server writes

    page = new_page(**DESKTOP)
    sign_in(page, users["supervisor"], lang="zh_CN")
    page.goto("/hotspots/")
    expect(page.locator("#hotspot-week")).to_contain_text("尚未进行过扫描")
    with page.expect_navigation():
        page.locator("#scan-now").click()
    expect(page.locator(".alert-success")).to_contain_text("扫描完成：本周预警 3 条")
    respondent = page.locator('#rule-same_respondent .hotspot-warning[data-rule="same_respondent"]')
    expect(respondent).to_have_count(1)
    expect(respondent.locator(".hotspot-count")).to_have_text("3")
    expect(respondent.locator(".hotspot-why")).to_contain_text(f"以“{COMPANY}”为被申请人的案件 3 件")
    expect(page.locator("#heat svg.heat-table")).to_be_visible()
    artifacts.shot(page, "warnings")

    with page.expect_navigation():
        respondent.locator("a.hotspot-link").click()
    page.wait_for_url(re.compile(r"/hotspots/\d+$"))
    expect(page.locator("#warning-why")).to_contain_text("可能是群体性纠纷的苗头")
    rows = page.locator("#warning-cases .warning-case")
    expect(rows).to_have_count(3)
    assert [rows.nth(i).get_attribute("data-ref") for i in range(3)] == refs  # newest first
    expect(page.locator("#warning-cases")).to_contain_text(COMPANY)
    expect(page.locator("#warning-cases")).not_to_contain_text("王0明")
    artifacts.shot(page, "warning")

    with page.expect_navigation():
        rows.first.locator(f'a[href$="/cases/{refs[0]}"]').click()
    page.wait_for_url(re.compile(rf"/cases/{refs[0]}$"))
    expect(page.locator("body")).to_contain_text("拖欠工资0")
    artifacts.shot(page, "case")

    # On a phone the list and the warning read without sideways scrolling of the page.
    phone = new_page(**PHONE)
    sign_in(phone, users["supervisor"], lang="zh_CN")
    phone.goto("/hotspots/")
    no_horizontal_scroll(phone, "hotspots list on a phone")
    with phone.expect_navigation():
        phone.locator('#rule-village_category a.hotspot-link').first.tap()
    expect(phone.locator("#warning-cases .warning-case")).to_have_count(3)
    no_horizontal_scroll(phone, "hotspot warning on a phone")
    artifacts.shot(phone, "warning-phone")


def test_a_scan_that_finds_nothing_says_so_not_last_weeks_warnings(db, town, users, new_page, sign_in):
    """Last week's scan found the cluster; this week's finds nothing (the cases are older than the
    rules' four weeks by now): the list shows this week, scanned, with no warnings."""
    now = utcnow()
    for n in range(3):
        data = CaseData(channel="walk_in", received_at=now - timedelta(days=30 + n), category="邻里",
                        summary=f"邻里纠纷{n}", village_id=town["villages"]["xiaomiao"].id,
                        parties=[PartyData(f"王{n}明", "applicant", f"1380000000{n}"), PartyData("李四", "respondent")])
        register_case(data, users["supervisor"], now=now, town=current_town())
    assert hotspot_scan(now - timedelta(days=7), current_town()) == 1
    db.session.commit()
    db.session.rollback()

    page = new_page(**DESKTOP)
    sign_in(page, users["supervisor"], lang="zh_CN")
    page.goto("/hotspots/")
    expect(page.locator("#hotspot-not-scanned")).to_contain_text("尚未扫描")
    expect(page.locator(".hotspot-warning")).to_have_count(1)  # last week's, under the notice
    with page.expect_navigation():
        page.locator("#scan-now").click()
    expect(page.locator(".alert-success").first).to_contain_text("扫描完成：本周预警 0 条")
    expect(page.locator("#hotspot-week")).to_contain_text(f"{week_of(now, current_town().tz).isoformat()} 所在周的扫描")
    expect(page.locator("#hotspot-none")).to_contain_text("未发现预警")
    expect(page.locator(".hotspot-warning")).to_have_count(0)
    expect(page.locator("#hotspot-not-scanned")).to_have_count(0)
