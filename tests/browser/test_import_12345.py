"""A supervisor imports a 12345 work-order export: the preview proposes each row's dispute category
with why (keyword rules, not 诉求类型, which is the work-order type), the supervisor corrects one
row, confirms, opens that case, accepts it and sees it routed by the rule for the chosen category."""
import re
from pathlib import Path

from playwright.sync_api import expect
from sqlalchemy import select

from mediation.cases.models import Case, RoutingRule
from mediation.cases.routing import load_default_rules
from mediation.intake.services import load_default_category_rules

SAMPLE = Path(__file__).resolve().parents[1] / "intake" / "samples" / "hotline_12345.xlsx"
DESKTOP = {"viewport": {"width": 1366, "height": 900}}
LOAN = "SH12345-20261122-0006"  # 邻居借款…: proposed 邻里 (the keyword 邻居), really a 合同 dispute
WAGES = "SH12345-20261120-0001"  # 包工头欠薪: 劳动争议 by the keyword 欠薪


def _row(page, external_ref):
    return page.locator("#good-rows tbody tr", has_text=external_ref)


def test_supervisor_imports_12345_corrects_a_category_and_routes(db, town, users, new_page, sign_in, artifacts):
    load_default_rules()
    load_default_category_rules()
    db.session.commit()
    contract_rule = db.session.scalar(select(RoutingRule).where(RoutingRule.position == 30))
    rule_id, rule_name = contract_rule.id, contract_rule.name
    judicial, law_firm = town["offices"]["judicial_office"], town["offices"]["law_firm"]
    judicial_id, judicial_name, law_firm_id = judicial.id, judicial.name, law_firm.id
    db.session.rollback()  # no transaction of the test's stays open while the server writes

    page = new_page(**DESKTOP)
    sign_in(page, users["supervisor"], lang="zh")
    page.goto("/intake/import/")
    expect(page.locator("#channel")).to_have_value("")  # recognised from the column names
    page.set_input_files("#file", str(SAMPLE))
    artifacts.shot(page, "upload")
    with page.expect_navigation():
        page.click("#submit")
    assert re.search(r"/intake/import/\d+$", page.url), page.url

    # The preview: the channel recognised, each row's category and why.
    expect(page.locator("main")).to_contain_text("12345")
    expect(page.locator("#good-rows tbody tr")).to_have_count(6)
    expect(_row(page, WAGES).locator(".category-reason")).to_have_text("关键词'欠薪' → 劳动争议")
    expect(_row(page, WAGES).locator("select")).to_have_value("劳动争议")
    expect(_row(page, "SH12345-20261121-0004").locator(".category-reason")).to_have_text("未匹配 → 其他")
    loan = _row(page, LOAN)
    expect(loan.locator(".category-reason")).to_have_text("关键词'邻居' → 邻里")
    artifacts.shot(page, "preview")

    # Correct the loan's category, then register.
    loan.locator("select").select_option("合同")
    expect(loan.locator("select")).to_have_value("合同")
    artifacts.shot(page, "category-changed")
    with page.expect_navigation():
        page.click("#confirm-form button[type=submit]")
    expect(page.locator("#import-result")).to_be_visible()
    loan = _row(page, LOAN)
    expect(loan).to_contain_text("合同")
    expect(loan.locator(".category-reason")).to_contain_text("原建议：邻里")
    artifacts.shot(page, "imported")

    # Open the case, accept it: the contract rule proposes the judicial office with the law firm.
    with page.expect_navigation():
        loan.locator('a[href*="/cases/"]').click()
    reference = page.url.rsplit("/", 1)[1]
    with page.expect_navigation():
        page.click(f'a[href$="/cases/{reference}/accept"]')
    expect(page.locator(".alert-info")).to_contain_text(rule_name)
    expect(page.locator("#lead_office")).to_have_value(str(judicial_id))
    expect(page.locator(f'input[name="co_offices"][value="{law_firm_id}"]')).to_be_checked()
    artifacts.shot(page, "accept-proposed")
    with page.expect_navigation():
        page.click("main form.col-lg-8 [type=submit]")
    assert page.url.endswith(f"/cases/{reference}"), page.url
    main = page.locator("main")
    expect(main).to_contain_text(rule_name)
    expect(main).to_contain_text(judicial_name)
    expect(main).to_contain_text("合同")
    artifacts.shot(page, "case-routed")

    db.session.rollback()
    case = db.session.scalar(select(Case).where(Case.reference == reference))
    assert case.external_ref == LOAN and case.category == "合同"
    assert case.status == "in_mediation" and case.routing_rule_id == rule_id
    assert case.lead_office_id == judicial_id and [o.id for o in case.co_offices] == [law_firm_id]
    assert case.details["work_order_type"] == "求助"
    db.session.rollback()
