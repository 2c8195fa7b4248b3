"""The supervisors' warning pages, the admins' rule page, the dashboard panel and the handout section."""
import re
from datetime import timedelta

import pytest
from flask import render_template
from sqlalchemy import select

from mediation.auth.models import AuditEvent
from mediation.core.statistics import week_of
from mediation.core.vocab import CATEGORIES
from mediation.hotspots.heat import SHADES
from mediation.hotspots.models import HotspotRule, HotspotWarning
from mediation.hotspots.services import dashboard_panel, hotspot_scan, weekly_hotspots
from mediation.organisation.town import current_town

GREEN = "嘉定区徐行镇金地格林小区12号楼301室"
COMPANY = "上海嘉定物流有限公司"


def scanned(db, now):
    found = hotspot_scan(now, current_town())
    db.session.commit()
    return found


def warning_of(db, rule):
    return db.session.scalar(select(HotspotWarning).where(HotspotWarning.rule == rule))


@pytest.fixture
def cluster(register, db, now):
    """Three 物业 cases at one compound against one company, in 小庙村: four rules' worth but the rising one."""
    cases = [register(category="物业", address=GREEN, respondent=COMPANY, applicant=f"王{n}明", days_ago=1 + n)
             for n in range(3)]
    scanned(db, now)
    return cases


def test_list_shows_the_weeks_warnings_and_why_in_chinese(client, login, users, cluster):
    login(users["supervisor"])
    page = client.get("/hotspots/").get_data(as_text=True)
    assert "热点预警" in page and "同村同类纠纷" in page and "同一被申请人多案" in page
    assert re.search(r"小庙村 收到“物业”类纠纷 3 件，预警阈值为 3 件", page)
    assert "金地格林小区 收到“物业”类纠纷 3 件" in page
    assert "以“上海嘉定物流有限公司”为被申请人的案件 3 件" in page
    assert cluster[0].reference in page
    assert page.count('class="hotspot-warning"') == 3
    assert "立即扫描" in page


def test_detail_lists_its_cases_and_masks_people(client, login, users, db, register, now):
    cases = [register(category="邻里", respondent=name, applicant="欧阳明月", days_ago=1 + n)
             for n, name in enumerate(("李四", "王小明", "徐行五金店"))]
    scanned(db, now)
    warning = warning_of(db, "village_category")
    login(users["supervisor"])
    page = client.get(f"/hotspots/{warning.id}").get_data(as_text=True)
    rows = re.findall(r'<tr class="warning-case" data-ref="([^"]+)"', page)
    assert rows == [c.reference for c in cases]  # newest first
    for c in cases:
        assert f'href="/cases/{c.reference}"' in page
    assert "李*" in page and "王*明" in page and "徐行五金店" in page  # an organisation is named
    assert "李四" not in page and "王小明" not in page and "欧阳明月" not in page
    assert "13800000001" not in page and "138" not in re.sub(r"XH-\d{4}-\d+", "", page.split("warning-cases")[1])
    assert "触发原因" in page and "同一村（社区）在 4 周内收到同一类别纠纷 3 件及以上时预警" in page


def test_a_respondent_company_is_named_on_its_warning(client, login, users, db, cluster):
    warning = warning_of(db, "same_respondent")
    login(users["supervisor"])
    page = client.get(f"/hotspots/{warning.id}").get_data(as_text=True)
    assert page.count(COMPANY) >= 4  # the subject, the sentence and each case's respondent
    assert "王0明" not in page  # applicants are not listed


@pytest.mark.parametrize("role", ["admin", "mediator", "village_mediator", "liaison", "lawyer", "viewer"])
def test_only_supervisors_see_warnings(client, login, users, db, cluster, role):
    warning = warning_of(db, "village_category")
    login(users[role])
    assert client.get("/hotspots/").status_code == 403
    assert client.get(f"/hotspots/{warning.id}").status_code == 403
    assert client.post("/hotspots/scan").status_code == 403


def test_signed_out_is_sent_to_sign_in(client, cluster, db):
    warning = warning_of(db, "village_category")
    assert client.get(f"/hotspots/{warning.id}").status_code == 302
    assert client.get("/hotspots/").headers["Location"].startswith("/login")


def test_unknown_warning_is_404(client, login, users):
    login(users["supervisor"])
    assert client.get("/hotspots/999999").status_code == 404
    assert client.get("/hotspots/?week=nonsense").status_code == 200  # ignored, not a 500


def test_list_page_issues_a_fixed_number_of_queries(client, login, users, db, register, now, count_queries):
    login(users["supervisor"])
    for n in range(3):
        register(address=GREEN, respondent=COMPANY, days_ago=n + 1)
    scanned(db, now)

    def statements():
        with count_queries() as issued:
            assert client.get("/hotspots/").status_code == 200
        return len(issued)

    few = statements()
    assert db.session.scalar(select(HotspotWarning.id).limit(1)) is not None
    for village in ("xiaomiao", "qianqiao"):
        for category in ("邻里", "物业", "劳动争议", "合同"):
            for n in range(3):
                register(village=village, category=category, address=f"徐行镇{village}{n}号小区",
                         respondent=f"徐行{category}{village}厂", days_ago=n + 2)
    assert scanned(db, now) > 10
    assert statements() == few


def test_detail_page_issues_a_fixed_number_of_queries(client, login, users, db, register, now, count_queries):
    login(users["supervisor"])

    def statements():
        scanned(db, now)
        warning = warning_of(db, "village_category")
        with count_queries() as issued:
            assert client.get(f"/hotspots/{warning.id}").status_code == 200
        return len(issued)

    for n in range(3):
        register(days_ago=n + 1)
    few = statements()
    for n in range(12):
        register(days_ago=n + 1, respondent=f"徐行{n}厂")
    assert statements() == few


def test_scan_now_stores_this_weeks_warnings(client, login, users, db, register):
    for n in range(3):
        register(days_ago=n + 1)
    login(users["supervisor"])
    response = client.post("/hotspots/scan")
    assert response.status_code == 303 and response.headers["Location"].endswith("/hotspots/")
    assert "扫描完成：本周预警 1 条" in client.get("/hotspots/").get_data(as_text=True)
    weeks = db.session.scalars(select(HotspotWarning.week)).all()
    assert weeks == [week_of(db.session.scalar(select(HotspotWarning.found_at)), current_town().tz)]


def test_heat_table_numbers_match_the_data(client, login, users, db, register, now):
    for category, village, n in (("邻里", "xiaomiao", 4), ("物业", "xiaomiao", 2), ("物业", "qianqiao", 1),
                                 ("劳动争议", "qianqiao", 3)):
        for k in range(n):
            register(category=category, village=village, days_ago=k + 1)
    register(category="邻里", village=None, days_ago=1)
    register(category="邻里", days_ago=2, rejected=True)  # not counted
    register(category="邻里", days_ago=40)  # outside the 4 weeks
    login(users["supervisor"])
    page = client.get("/hotspots/").get_data(as_text=True)
    start = page.index('<svg class="chart heat-table"')
    svg = page[start:page.index("</svg>", start)]
    cells = {(row, column): int(value) for row, column, value in
             re.findall(r'class="heat-cell" data-row="([^"]+)" data-column="([^"]+)"[^>]*>(\d+)<', svg)}
    assert cells == {("小庙村", "邻里"): 4, ("小庙村", "物业"): 2, ("钱桥村", "物业"): 1, ("钱桥村", "劳动争议"): 3,
                     ("未填村（社区）", "邻里"): 1}
    totals = dict(re.findall(r'class="heat-total" data-row="([^"]+)"[^>]*>(\d+)<', svg))
    assert totals == {"小庙村": "6", "钱桥村": "4", "未填村（社区）": "1"}
    assert 'data-total="11"' in svg
    assert "<script" not in svg and "style=" not in svg
    # Darker for more: the 4 is the darkest shade, the 1s the lightest, an empty cell white.
    fills = {int(value): fill for fill, value in
             re.findall(r'fill="(#[0-9a-f]+)" stroke="#999" stroke-width="0.4"/>\s*<text class="heat-cell"[^>]*>(\d+)<', svg)}
    assert fills[4] == SHADES[-1] and fills[1] == SHADES[1] and fills[2] == SHADES[2]
    assert svg.count('fill="#ffffff" stroke="#999"') == 3 * len(CATEGORIES) - 5


def test_a_threshold_edited_by_an_admin_changes_the_warnings(client, login, users, db, register, now):
    for n in range(2):
        register(days_ago=n + 1)
    assert scanned(db, now) == 0
    login(users["admin"])
    page = client.get("/admin/hotspot-rules").get_data(as_text=True)
    assert "热点预警规则" in page and "同一村（社区）在 4 周内收到同一类别纠纷 3 件及以上时预警" in page
    assert "环比上升" in page and "2.00 倍" in page
    response = client.post("/admin/hotspot-rules/village_category",
                           data={"active": "y", "min_count": "2", "window_weeks": "4"})
    assert response.status_code == 302
    assert "同一村（社区）在 4 周内收到同一类别纠纷 2 件及以上时预警" in client.get("/admin/hotspot-rules").get_data(as_text=True)
    assert scanned(db, now) == 1
    row = db.session.scalar(select(HotspotRule).where(HotspotRule.code == "village_category"))
    assert (row.min_count, row.updated_by_id) == (2, users["admin"].id)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "hotspot_rule_saved"))
    assert event.object_type == "hotspot_rule" and event.details["before"]["min_count"] == 3
    assert event.details["after"]["min_count"] == 2


def test_bad_thresholds_are_errors_under_the_field_and_nothing_is_saved(client, login, users, db):
    login(users["admin"])
    response = client.post("/admin/hotspot-rules/village_category",
                           data={"active": "y", "min_count": "1", "window_weeks": "99999999999999999999"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    # Each message under its own field (Bootstrap's invalid-feedback right after the input).
    assert re.search(r'name="min_count"[^>]*>\s*<div class="invalid-feedback[^"]*">\s*请填写 2 至 1000 之间的整数', page)
    assert re.search(r'name="window_weeks"[^>]*>\s*<div class="invalid-feedback[^"]*">\s*请填写 1 至 26 之间的整数', page)
    response = client.post("/admin/hotspot-rules/category_rising",
                           data={"active": "y", "min_count": "5", "window_weeks": "1", "factor": ""})
    assert response.status_code == 422 and "环比上升规则需要填写 1.00 至 20.00 之间的倍数" in response.get_data(as_text=True)
    response = client.post("/admin/hotspot-rules/category_rising",
                           data={"active": "y", "min_count": "5", "window_weeks": "1", "factor": "abc"})
    assert response.status_code == 422
    assert db.session.scalar(select(HotspotRule.min_count).where(HotspotRule.code == "village_category")) in (None, 3)
    assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.action == "hotspot_rule_saved")) is None


def test_the_rising_rules_factor_is_edited(client, login, users, db):
    login(users["admin"])
    response = client.post("/admin/hotspot-rules/category_rising",
                           data={"min_count": "6", "window_weeks": "2", "factor": "1.5"})
    assert response.status_code == 302
    row = db.session.scalar(select(HotspotRule).where(HotspotRule.code == "category_rising"))
    assert (row.active, row.min_count, row.window_weeks, str(row.factor)) == (False, 6, 2, "1.50")


@pytest.mark.parametrize("role", ["supervisor", "mediator", "viewer"])
def test_rule_pages_are_for_admins(client, login, users, role):
    login(users[role])
    assert client.get("/admin/hotspot-rules").status_code == 403
    assert client.post("/admin/hotspot-rules/village_category", data={"min_count": "2"}).status_code == 403


def test_unknown_rule_is_404(client, login, users):
    login(users["admin"])
    assert client.get("/admin/hotspot-rules/nonsense").status_code == 404


def test_dashboard_panel_counts_and_links(app, db, cluster, now):
    panel = dashboard_panel(now, current_town())
    assert panel["total"] == 3
    assert panel["counts"] == {"village_category": 1, "address_category": 1, "category_rising": 0, "same_respondent": 1}
    with app.test_request_context("/supervision/?lang=zh_CN"):
        html = render_template("hotspots/_dashboard.html", hotspots=panel)
    assert 'id="hotspot-total">3<' in html
    assert html.count('href="/hotspots/') == 4  # the heading and three warnings


def test_weekly_section_masks_house_numbers_and_draws_the_heat_table(app, db, register, now):
    for n in range(3):
        register(address="徐行镇小庙村88号", days_ago=n + 1)
    hotspot_scan(now, current_town())
    db.session.commit()
    monday = week_of(now, current_town().tz) - timedelta(days=7)  # the week the handout reviews
    section = weekly_hotspots(monday, now, current_town())
    assert [w.rule for w in section.warnings] == ["village_category", "address_category"]
    with app.test_request_context("/reports/weekly"):
        html = render_template("hotspots/_weekly.html", hotspots=section)
    assert "小庙村**号" in html and "小庙村88号" not in html
    assert '<svg class="chart heat-table"' in html and 'data-total="3"' in html
    assert "/hotspots/" not in html  # a printout: no links into the supervisors' pages


def test_weekly_section_for_a_scoped_reader_leaves_out_the_references(app, db, register, now):
    cases = [register(days_ago=n + 1) for n in range(3)]
    hotspot_scan(now, current_town())
    db.session.commit()
    monday = week_of(now, current_town().tz) - timedelta(days=7)
    with app.test_request_context("/reports/weekly"):
        full = render_template("hotspots/_weekly.html", hotspots=weekly_hotspots(monday, now, current_town()))
        scoped = render_template("hotspots/_weekly.html",
                                 hotspots=weekly_hotspots(monday, now, current_town(), with_references=False))
    assert all(c.reference in full for c in cases)
    assert not any(c.reference in scoped for c in cases) and "小庙村 · 邻里" in scoped


def test_a_person_named_like_a_shop_is_masked_and_not_a_same_respondent_warning(app, client, login, users, db,
                                                                                register, now):
    cases = [register(respondent="王店生", applicant=f"李{n}明", days_ago=1 + n) for n in range(3)]
    scanned(db, now)
    assert warning_of(db, "same_respondent") is None  # three cases against people named 王店生: not matched
    warning = warning_of(db, "village_category")
    login(users["supervisor"])
    page = client.get(f"/hotspots/{warning.id}").get_data(as_text=True)
    assert "王*生" in page and "王店生" not in page
    monday = week_of(now, current_town().tz) - timedelta(days=7)
    with app.test_request_context("/reports/weekly"):
        html = render_template("hotspots/_weekly.html", hotspots=weekly_hotspots(monday, now, current_town()))
    assert "王店生" not in html and cases[0].reference in html


def test_a_stored_warning_naming_a_person_shows_the_name_masked(app, client, login, users, db, register, now):
    """A same-respondent warning stored under the old rule (a person taken for a shop) is masked."""
    register(days_ago=1)
    scanned(db, now)
    db.session.add(HotspotWarning(week=week_of(now, current_town().tz), rule="same_respondent", key="赵银行", count=3,
                                  case_ids=[], details={"name": "赵银行", "threshold": 3, "weeks": 8,
                                                        "since": now.isoformat(), "until": now.isoformat()},
                                  found_at=now))
    db.session.commit()
    login(users["supervisor"])
    page = client.get("/hotspots/").get_data(as_text=True)
    assert "赵*行" in page and "赵银行" not in page
    warning = warning_of(db, "same_respondent")
    assert "赵银行" not in client.get(f"/hotspots/{warning.id}").get_data(as_text=True)
    assert "赵银行" not in str(dashboard_panel(now, current_town())["top"][0].why)
