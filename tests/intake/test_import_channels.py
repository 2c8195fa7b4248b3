"""Issue #12 item 1: the three channels' exports (tests/intake/samples/, built by make_samples.py)
map column by column; a 12345 export's 诉求类型 is the work-order type (the reply deadline's
variant), never the dispute category; the category comes from a category column or from the
admin's keyword rules over what the dispute is about, is shown with why in the preview, may be
changed per row before confirming, and the case is routed by the rule for the chosen category."""
import html
import io
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from sqlalchemy import func, select

from mediation.cases.models import Case, RoutingRule
from mediation.cases.routing import load_default_rules, propose_for
from mediation.intake.models import ImportBatch
from mediation.labels import LABELS
from mediation.organisation.town import current_town

SAMPLES = Path(__file__).resolve().parent / "samples"
SHANGHAI = ZoneInfo("Asia/Shanghai")
URL = "/intake/import/"
# DESIGN.md's default routing rules, by position (mediation.cases.routing.DEFAULT_RULES)
LABOUR, VILLAGE, OTHER_RULE = 30, 40, 50


@pytest.fixture
def rules(db, town):
    load_default_rules()
    db.session.commit()
    return {r.position: r for r in db.session.scalars(select(RoutingRule))}


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def upload(client, content: bytes, filename: str, channel: str = "", lang: str = "en"):
    return client.post(f"{URL}?lang={lang}", data={"channel": channel, "file": (io.BytesIO(content), filename)},
                       content_type="multipart/form-data")


def batch_id_of(response) -> int:
    assert response.status_code == 303, response.get_data(as_text=True)
    return int(response.headers["Location"].rstrip("/").rsplit("/", 1)[-1])


def page_text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def get_batch(db, batch_id) -> ImportBatch:
    db.session.rollback()
    return db.session.get(ImportBatch, batch_id)


def cases(db, channel) -> dict[str, Case]:
    db.session.rollback()
    return {c.external_ref: c for c in db.session.scalars(select(Case).where(Case.channel == channel))}


def case_count(db) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(Case))


def confirm(client, batch_id, choices=None):
    return client.post(f"{URL}{batch_id}/confirm?lang=en", data=choices or {})


def rule_of(case, rules) -> int | None:
    """The position of the routing rule that proposes the case's offices."""
    proposal = propose_for(case)
    return next(p for p, r in rules.items() if r.id == proposal.rule_id) if proposal else None


# --------------------------------------------------------------------------------------------
# 12345
# --------------------------------------------------------------------------------------------

HOTLINE = {  # external_ref: (category, work-order type, routing rule)
    "SH12345-20261120-0001": ("劳动争议", "投诉", LABOUR),  # 欠薪: no longer 其他 by 诉求类型 投诉
    "SH12345-20261120-0002": ("邻里", "求助", VILLAGE),
    "SH12345-20261121-0003": ("婚姻家庭", "咨询", VILLAGE),
    "SH12345-20261121-0004": ("其他", "建议", OTHER_RULE),
    "SH12345-20261122-0005": ("物业", "投诉", VILLAGE),  # 投诉举报 read as 投诉, with a note
    "SH12345-20261122-0006": ("合同", "求助", LABOUR),  # proposed 邻里 (邻居); changed in the preview
}


def test_a_12345_export_maps_and_routes_by_the_chosen_categories(client, db, town, users, login, rules):
    login(users["supervisor"])
    batch_id = batch_id_of(upload(client, sample("hotline_12345.xlsx"), "12345工单.xlsx"))  # channel: recognised
    batch = get_batch(db, batch_id)
    assert batch.channel == "hotline_12345" and batch.result["recognised_channel"] == "hotline_12345"
    assert batch.result["columns"]["work_order_type"] == "诉求类型" and "category" not in batch.result["columns"]
    assert [r["status"] for r in batch.rows] == ["ok"] * 6

    page = page_text(client.get(f"{URL}{batch_id}?lang=zh"))
    assert "关键词'欠薪' → 劳动争议" in page and "未匹配 → 其他" in page and "关键词'邻居' → 邻里" in page
    assert "工单类型“投诉举报”记为投诉。" in page
    assert page.count('<td class="work-order-type">咨询</td>') == 1
    assert 'name="category-3"' in page and 'form="confirm-form"' in page
    assert "不是已知纠纷类型" not in page  # 投诉 is a work-order type, not an unknown category

    assert confirm(client, batch_id, {"category-8": "合同"}).status_code == 303
    found = cases(db, "hotline_12345")
    assert set(found) == set(HOTLINE)
    for ref, (category, work_order_type, rule) in HOTLINE.items():
        case = found[ref]
        assert (case.category, case.details["work_order_type"], rule_of(case, rules)) == (
            category, work_order_type, rule), ref
    wages = found["SH12345-20261120-0001"]
    assert wages.parties[0].phone == "13800138000" and wages.parties[0].phone_typed == "+86 138 0013 8000"
    assert found["SH12345-20261120-0002"].parties[0].phone == "021-59123456"  # a landline, as typed 021-5912 3456
    assert found["SH12345-20261122-0005"].parties[0].phone == "13800138001"  # a number cell
    assert found["SH12345-20261122-0006"].village_id == town["villages"]["qianqiao"].id  # 钱桥村委会

    # the consultation gets 1 working day to answer the channel, the others 5
    consultation, complaint = found["SH12345-20261121-0003"], found["SH12345-20261120-0001"]
    calendar = current_town().calendar
    for case, days in ((consultation, 1), (complaint, 5)):
        due, _known = calendar.add_working_days(case.received_at.astimezone(SHANGHAI).date(), days)
        assert case.reply_by.astimezone(SHANGHAI).date() == due

    # the preview now says which categories were chosen by hand
    batch = get_batch(db, batch_id)
    chosen = next(r for r in batch.rows if r["row"] == 8)["data"]
    assert chosen["category"] == "合同" and chosen["proposed_category"] == "邻里"
    assert "预览时改选（原建议：邻里）" in page_text(client.get(f"{URL}{batch_id}?lang=zh"))


def test_an_unpaid_wages_work_order_is_routed_by_the_labour_rule(client, db, town, users, login, rules):
    """End to end through the pages: upload, preview, confirm, accept and route as proposed."""
    login(users["supervisor"])
    batch_id = batch_id_of(upload(client, sample("hotline_12345.xlsx"), "12345.xlsx", "hotline_12345"))
    assert "Keyword 欠薪 → 劳动争议" in page_text(client.get(f"{URL}{batch_id}?lang=en"))
    assert confirm(client, batch_id).status_code == 303
    wages = cases(db, "hotline_12345")["SH12345-20261120-0001"]
    assert wages.category == "劳动争议"

    accept = page_text(client.get(f"/cases/{wages.reference}/accept"))
    assert rules[LABOUR].name in accept and rules[OTHER_RULE].name not in accept
    offices = town["offices"]
    r = client.post(f"/cases/{wages.reference}/accept", data={
        "version": wages.version, "route_now": "y", "lead_office": offices["judicial_office"].id,
        "co_offices": [offices["law_firm"].id]})
    assert r.status_code == 303
    db.session.expire_all()
    wages = cases(db, "hotline_12345")["SH12345-20261120-0001"]
    assert wages.status == "in_mediation" and wages.routing_rule_id == rules[LABOUR].id
    assert wages.lead_office.code == "judicial_office" and [o.code for o in wages.co_offices] == ["law_firm"]
    assert rules[LABOUR].name in page_text(client.get(f"/cases/{wages.reference}"))


@pytest.mark.parametrize("choices, message", [
    ({"category-3": "劳动纠纷"}, "Row 3: 劳动纠纷 is not a category."),
    ({"category-3": ""}, "Row 3:  is not a category."),
    ({"category-99": "合同"}, "Row 99 is not to be registered; its category cannot be chosen."),
    ({"category-x": "合同"}, "category-x is not a row of this import."),
])
def test_a_tampered_category_choice_registers_nothing(client, db, town, users, login, choices, message):
    login(users["supervisor"])
    batch_id = batch_id_of(upload(client, sample("hotline_12345.xlsx"), "12345.xlsx"))
    r = confirm(client, batch_id, {"category-4": "合同", **choices})
    assert r.status_code == 422
    assert message in page_text(r) and "Nothing was registered:" in page_text(r)
    assert case_count(db) == 0
    batch = get_batch(db, batch_id)
    assert batch.status == "preview" and next(r for r in batch.rows if r["row"] == 4)["data"]["category"] == "邻里"
    assert confirm(client, batch_id).status_code == 303 and case_count(db) == 6  # the preview still works


def test_a_work_order_type_outside_the_four_is_said_and_not_recorded(client, db, town, users, login):
    login(users["mediator"])
    headers = ["工单编号", "来电时间", "工单类型", "诉求内容", "来电人"]
    rows = [["T1", "2026-11-20 09:00", "表扬", "感谢调解员", "甲"], ["T2", "2026-11-20 09:00", "咨询", "宅基地政策", "乙"]]
    batch_id = batch_id_of(upload(client, xlsx(headers, rows), "t.xlsx", "hotline_12345"))
    page = page_text(client.get(f"{URL}{batch_id}?lang=en"))
    assert "Work-order type 表扬 is not one of 咨询, 求助, 投诉, 建议; not recorded" in page
    confirm(client, batch_id)
    found = cases(db, "hotline_12345")
    assert "work_order_type" not in found["T1"].details and found["T1"].category == "其他"
    assert found["T2"].details["work_order_type"] == "咨询" and found["T2"].category == "房屋宅基地"


def test_a_category_column_wins_over_the_keywords(client, db, town, users, login):
    login(users["mediator"])
    headers = ["工单编号", "来电时间", "诉求类型", "纠纷类型", "诉求内容", "来电人"]
    rows = [["K1", "2026-11-20 09:00", "投诉", "合同", "装修款拖欠不付", "甲"],
            ["K2", "2026-11-20 09:00", "投诉", "宅基地", "拖欠工资", "乙"],
            ["K3", "2026-11-20 09:00", "投诉", "飞碟降落", "拖欠工资", "丙"]]
    batch_id = batch_id_of(upload(client, xlsx(headers, rows), "k.xlsx", "hotline_12345"))
    page = page_text(client.get(f"{URL}{batch_id}?lang=en"))
    assert "Column 纠纷类型" in page and "Column 纠纷类型: keyword 宅基地 → 房屋宅基地" in page
    assert "Type 飞碟降落 is not a known category; recorded as 劳动争议." in page
    confirm(client, batch_id)
    found = cases(db, "hotline_12345")
    assert [found[k].category for k in ("K1", "K2", "K3")] == ["合同", "房屋宅基地", "劳动争议"]
    assert all(found[k].details["work_order_type"] == "投诉" for k in found)


def xlsx(headers, rows) -> bytes:
    wb = openpyxl.Workbook()
    wb.active.append(headers)
    for row in rows:
        wb.active.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# --------------------------------------------------------------------------------------------
# Grid patrol and the 解纷 platform
# --------------------------------------------------------------------------------------------

def test_a_grid_patrol_list_maps_and_routes(client, db, town, users, login, rules):
    login(users["liaison"])
    batch_id = batch_id_of(upload(client, sample("grid_patrol.csv"), "网格事件.csv"))  # GBK, recognised
    batch = get_batch(db, batch_id)
    assert batch.channel == "grid_patrol" and [r["status"] for r in batch.rows] == ["ok"] * 4
    assert batch.result["columns"]["grid"] == "所属网格" and batch.result["columns"]["category"] == "事件类型"
    page = page_text(client.get(f"{URL}{batch_id}?lang=en"))
    assert "Type 矛盾纠纷 is not a known category; recorded as 房屋宅基地." in page
    assert "Column 事件类型" in page and "Keyword 追尾 → 道路交通事故" in page
    assert "The phone number is masked in the file (138****8000); left empty." in page
    confirm(client, batch_id)
    found = cases(db, "grid_patrol")
    expected = {"WG-20261119-001": ("房屋宅基地", "qianqiao", VILLAGE), "WG-20261119-002": ("邻里", "xiaomiao", VILLAGE),
                "WG-20261120-003": ("道路交通事故", None, OTHER_RULE), "WG-20261120-004": ("其他", "xiaomiao", OTHER_RULE)}
    for ref, (category, village, rule) in expected.items():
        case = found[ref]
        village_id = town["villages"][village].id if village else None
        assert (case.category, case.village_id, rule_of(case, rules)) == (category, village_id, rule), ref
    assert found["WG-20261119-001"].details["grid_id"] == "钱桥村第二网格"  # the village came from the grid
    assert found["WG-20261119-002"].parties[0].phone == "021-59123456"
    assert found["WG-20261120-003"].parties[0].phone == "13800138003"  # +86 taken off
    assert found["WG-20261120-004"].parties[0].phone is None


def test_a_dispute_platform_export_maps_with_its_respondents(client, db, town, users, login, rules):
    login(users["mediator"])
    batch_id = batch_id_of(upload(client, sample("dispute_platform.xlsx"), "解纷平台.xlsx"))
    batch = get_batch(db, batch_id)
    assert batch.channel == "dispute_platform" and [r["status"] for r in batch.rows] == ["ok"] * 3
    assert batch.result["ignored_columns"] == []
    confirm(client, batch_id)
    found = cases(db, "dispute_platform")
    labour = found["JF2026112000001"]
    assert labour.category == "劳动争议" and rule_of(labour, rules) == LABOUR  # the column, though 装修 is a keyword
    applicant, respondent = sorted(labour.parties, key=lambda p: p.role)
    assert (applicant.role, applicant.phone, applicant.id_number) == ("applicant", "13800138004", "310114197803151231")
    assert applicant.id_number_typed == "310114780315123"  # a 15-digit card, widened
    assert (respondent.role, respondent.name, respondent.phone) == ("respondent", "上海某装修工程有限公司", "021-59123457")
    family = found["JF2026112000002"]
    assert family.category == "婚姻家庭" and rule_of(family, rules) == VILLAGE
    assert family.village_id == town["villages"]["qianqiao"].id
    land = found["JF2026112100003"]
    assert land.category == "山林土地" and rule_of(land, rules) == OTHER_RULE
    assert [p.role for p in land.parties] == ["applicant", "respondent"]
    assert land.village_id == town["villages"]["qianqiao"].id  # 钱桥村村委会


# --------------------------------------------------------------------------------------------
# Which channel
# --------------------------------------------------------------------------------------------

def test_a_channel_chosen_against_the_columns_is_warned_about(client, db, town, users, login):
    login(users["mediator"])
    batch_id = batch_id_of(upload(client, sample("hotline_12345.xlsx"), "x.xlsx", "grid_patrol"))
    assert get_batch(db, batch_id).channel == "grid_patrol"  # the user's choice stands
    page = page_text(client.get(f"{URL}{batch_id}?lang=en"))
    assert "The column names look like a 12345 hotline export, but this import is for Grid patrol." in page


def test_an_unrecognisable_file_needs_a_channel(client, db, town, users, login):
    login(users["mediator"])
    content = xlsx(["编号", "登记时间", "内容", "姓名"], [["A1", "2026-11-20 09:00", "欠薪", "甲"]])
    r = upload(client, content, "x.xlsx")
    assert r.status_code == 422
    assert "The channel could not be recognised from the column names; choose it." in page_text(r)
    assert batch_id_of(upload(client, content, "x.xlsx", "referral"))


# --------------------------------------------------------------------------------------------
# What the case page may show
# --------------------------------------------------------------------------------------------

def test_details_a_user_sees_have_labels_and_provenance_has_none(client, db, town, users, login):
    login(users["mediator"])
    for name, filename in (("hotline_12345.xlsx", "a.xlsx"), ("grid_patrol.csv", "b.csv")):
        confirm(client, batch_id_of(upload(client, sample(name), filename)))
    db.session.rollback()
    keys = {k for case in db.session.scalars(select(Case)) for k in case.details}
    shown = keys & set(LABELS["detail"])
    assert shown == {"work_order_type", "grid_id"}
    assert keys - shown <= {"import_batch", "import_row", "channel_category"}  # hidden: no label
    assert not {"import_batch", "import_row", "channel_category"} & set(LABELS["detail"])


def test_samples_are_small_and_rebuilt_the_same(tmp_path):
    from tests.intake.samples import make_samples
    make_samples.write_xlsx(tmp_path / "h.xlsx", make_samples.HOTLINE)
    make_samples.write_csv(tmp_path / "g.csv", make_samples.GRID)
    assert (tmp_path / "g.csv").read_bytes() == sample("grid_patrol.csv")
    assert all((SAMPLES / n).stat().st_size < 20_000 for n in ("hotline_12345.xlsx", "grid_patrol.csv",
                                                              "dispute_platform.xlsx"))


def test_the_migration_seeds_the_same_default_rules():
    """A migration keeps its own copy of the defaults; today they agree."""
    import importlib.util
    from mediation.core.cells import DEFAULT_CATEGORY_RULES
    path = Path(__file__).resolve().parents[2] / "migrations" / "versions" / "0013_category_keyword_rules.py"
    spec = importlib.util.spec_from_file_location("migration_0013", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.DEFAULTS == DEFAULT_CATEGORY_RULES
