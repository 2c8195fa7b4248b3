"""The keyword rules that propose an imported row's category are data an admin lists, edits, adds,
deletes and reorders; the next import follows the edit. The migration seeds the defaults."""
import html
import io
import tempfile
from pathlib import Path

import openpyxl
import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, func, select, text

from mediation import create_app
from mediation.auth.models import AuditEvent
from mediation.core.cells import DEFAULT_CATEGORY_RULES
from mediation.intake.models import CategoryRule, ImportBatch
from mediation.intake.services import load_default_category_rules

URL = "/admin/category-rules"


@pytest.fixture
def rules(db):
    load_default_category_rules()
    db.session.commit()


def ordered(db) -> list[CategoryRule]:
    db.session.rollback()
    return db.session.scalars(select(CategoryRule).order_by(CategoryRule.position, CategoryRule.id)).all()


def page(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def proposed(client, db, summary: str) -> tuple[str, dict]:
    """The category (and why) an upload proposes for a 12345 row about `summary`."""
    wb = openpyxl.Workbook()
    wb.active.append(["工单编号", "来电时间", "诉求类型", "诉求内容", "来电人"])
    wb.active.append(["G1", "2026-11-20 09:00", "投诉", summary, "甲"])
    out = io.BytesIO()
    wb.save(out)
    r = client.post("/intake/import/", data={"channel": "hotline_12345", "file": (io.BytesIO(out.getvalue()), "g.xlsx")},
                    content_type="multipart/form-data")
    assert r.status_code == 303
    db.session.rollback()
    [row] = db.session.get(ImportBatch, int(r.headers["Location"].rsplit("/", 1)[-1])).rows
    return row["data"]["category"], row["data"]["category_reason"]


@pytest.mark.parametrize("role, status", [("admin", 200), ("supervisor", 403), ("mediator", 403), ("liaison", 403),
                                          ("viewer", 403)])
def test_only_admin_manages_the_rules(client, users, login, role, status):
    login(users[role])
    assert client.get(URL).status_code == status
    allowed = 303 if role == "admin" else 403
    assert client.post(URL, data={"keywords": "狗", "category": "损害赔偿", "position": "1"}).status_code == allowed
    assert client.post(f"{URL}/defaults").status_code == allowed


def test_anonymous_is_sent_to_sign_in(client, db):
    r = client.get(URL)
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_the_rules_are_listed_in_chinese_and_linked_from_routing(client, db, users, login, rules):
    login(users["admin"])
    listing = page(client.get(f"{URL}?lang=zh"))
    assert "纠纷类型关键词规则" in listing and "关键词" in listing and "上移" in listing
    assert "工资、欠薪、拖欠工资" in listing and listing.count('data-rule-id="') == len(DEFAULT_CATEGORY_RULES)
    routing = page(client.get("/admin/routing?lang=zh"))
    assert 'href="/admin/category-rules"' in routing
    assert "<th>名称</th>" in routing and "<th>姓名</th>" not in routing  # a rule's name, not a person's
    assert ">名称<" in page(client.get("/admin/routing/new?lang=zh"))


def test_add_edit_deactivate_and_delete_a_rule_the_next_import_follows(client, db, users, login, rules):
    login(users["supervisor"])
    assert proposed(client, db, "邻居家的狗咬伤孩子")[0] == "邻里"  # 邻居

    login(users["admin"])
    r = client.post(URL, data={"keywords": "狗， 犬 咬伤", "category": "损害赔偿", "position": "5", "active": "y"})
    assert r.status_code == 303
    rule = ordered(db)[0]
    assert (rule.keywords, rule.category, rule.position, rule.active) == ("狗， 犬 咬伤", "损害赔偿", 5, True)
    login(users["supervisor"])
    assert proposed(client, db, "邻居家的狗咬伤孩子") == (
        "损害赔偿", {"message": "Keyword %(keyword)s → %(category)s", "params": {"keyword": "狗", "category": "损害赔偿"}})

    login(users["admin"])
    assert "狗， 犬 咬伤" in page(client.get(f"{URL}/{rule.id}"))
    r = client.post(f"{URL}/{rule.id}", data={"keywords": "狗", "category": "损害赔偿", "position": "5"})  # unticked
    assert r.status_code == 303
    login(users["supervisor"])
    assert proposed(client, db, "邻居家的狗咬伤孩子")[0] == "邻里"  # inactive rules are not tried

    login(users["admin"])
    assert client.post(f"{URL}/{rule.id}/delete").status_code == 303
    assert len(ordered(db)) == len(DEFAULT_CATEGORY_RULES)
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "category_rule")).all()
    assert sorted(actions) == ["category_rule_deleted", "category_rule_saved", "category_rule_saved"]


@pytest.mark.parametrize("form, message", [
    ({"keywords": " 、，", "category": "合同", "position": "1"}, "Write at least one keyword."),
    ({"keywords": "", "category": "合同", "position": "1"}, "This field is required."),
    ({"keywords": "长" * 33, "category": "合同", "position": "1"}, "A keyword has at most 32 characters"),
    ({"keywords": "借款", "category": "借贷纠纷", "position": "1"}, "Not a valid choice"),
    ({"keywords": "借款", "category": "合同", "position": "x"}, "Order"),
])
def test_a_bad_rule_is_refused_naming_the_field(client, db, users, login, form, message):
    login(users["admin"])
    r = client.post(f"{URL}?lang=en", data=form)
    assert r.status_code == 422 and message in page(r)
    assert ordered(db) == []


def test_rules_move_up_and_down(client, db, users, login, rules):
    login(users["admin"])
    first, second, third = ordered(db)[:3]
    assert client.post(f"{URL}/{second.id}/move", data={"direction": "up"}).status_code == 303
    assert [r.id for r in ordered(db)[:3]] == [second.id, first.id, third.id]
    assert [r.position for r in ordered(db)] == [n * 10 for n in range(1, len(DEFAULT_CATEGORY_RULES) + 1)]
    client.post(f"{URL}/{second.id}/move", data={"direction": "down"})
    client.post(f"{URL}/{second.id}/move", data={"direction": "down"})
    assert [r.id for r in ordered(db)[:3]] == [first.id, third.id, second.id]
    last = ordered(db)[-1]
    client.post(f"{URL}/{last.id}/move", data={"direction": "down"})  # already last: nothing moves
    assert ordered(db)[-1].id == last.id
    assert client.post(f"{URL}/{last.id}/move", data={"direction": "sideways"}).status_code == 400
    assert client.post(f"{URL}/999999/move", data={"direction": "up"}).status_code == 404


def test_the_order_decides_between_rules(client, db, users, login, rules):
    """邻里 (邻居) comes before 合同 (借款): moving 合同 above it changes the proposal."""
    login(users["supervisor"])
    assert proposed(client, db, "邻居借款不还")[0] == "邻里"
    login(users["admin"])
    contract = next(r for r in ordered(db) if r.category == "合同")
    neighbours = next(r for r in ordered(db) if r.category == "邻里")
    client.post(f"{URL}/{contract.id}", data={"keywords": contract.keywords, "category": "合同",
                                              "position": str(neighbours.position - 1), "active": "y"})
    login(users["supervisor"])
    assert proposed(client, db, "邻居借款不还")[0] == "合同"


def test_defaults_load_only_into_an_empty_list(client, db, users, login):
    login(users["admin"])
    assert "Load the default rules" in page(client.get(f"{URL}?lang=en"))
    assert client.post(f"{URL}/defaults").status_code == 303
    assert len(ordered(db)) == len(DEFAULT_CATEGORY_RULES)
    r = client.post(f"{URL}/defaults?lang=en", follow_redirects=True)
    assert "Rules already exist" in page(r) and len(ordered(db)) == len(DEFAULT_CATEGORY_RULES)


def test_try_the_rules_on_a_text(client, db, users, login, rules):
    login(users["admin"])
    assert "Keyword 欠薪 → 劳动争议" in page(client.get(f"{URL}?lang=en&text=包工头欠薪"))
    assert "No match → 其他" in page(client.get(f"{URL}?lang=en&text=路灯坏了"))


def test_unknown_rules_are_not_found(client, db, users, login):
    login(users["admin"])
    assert client.get(f"{URL}/999999").status_code == 404
    assert client.post(f"{URL}/999999/delete").status_code == 404


def test_a_migrated_database_has_the_default_rules():
    """The migration seeds them (the suite's cleanup empties the table after each test, so look
    at a database of its own)."""
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'fresh.db'}"
        app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            upgrade()
        engine = create_engine(url)
        with engine.connect() as conn:
            seeded = conn.execute(text("SELECT keywords, category FROM category_rules ORDER BY position")).all()
        engine.dispose()
    assert [tuple(r) for r in seeded] == list(DEFAULT_CATEGORY_RULES)
