"""Routing rules are data an admin edits; the next proposal follows the edit."""
from sqlalchemy import func, select

from mediation.cases.models import RoutingRule


def test_only_admin_manages_rules(client, users, login):
    for role, status in (("admin", 200), ("supervisor", 403), ("mediator", 403), ("viewer", 403)):
        login(users[role])
        assert client.get("/admin/routing").status_code == status, role


def test_load_defaults_once_then_edit_a_rule(client, db, town, users, login):
    login(users["admin"])
    assert client.post("/admin/routing/defaults").status_code == 302
    assert db.session.scalar(select(func.count()).select_from(RoutingRule)) == 5
    client.post("/admin/routing/defaults")
    assert db.session.scalar(select(func.count()).select_from(RoutingRule)) == 5  # not twice
    page = client.get("/admin/routing").get_data(as_text=True)
    assert "110警情涉及暴力、伤害或威胁" in page

    rule = db.session.scalar(select(RoutingRule).where(RoutingRule.position == 30))
    offices = town["offices"]
    r = client.post(f"/admin/routing/{rule.id}", data={
        "name": "合同类由律所牵头", "position": "5", "active": "y", "combine": "all", "categories": ["合同"],
        "lead_office": offices["law_firm"].id, "co_offices": [offices["judicial_office"].id]})
    assert r.status_code == 302
    db.session.expire_all()
    rule = db.session.get(RoutingRule, rule.id)
    assert (rule.name, rule.position, rule.categories, rule.lead_office_id, rule.co_office_ids) == (
        "合同类由律所牵头", 5, ["合同"], offices["law_firm"].id, [offices["judicial_office"].id])


def test_rule_needs_a_lead(client, db, town, users, login):
    login(users["admin"])
    r = client.post("/admin/routing/new?lang=en", data={"name": "x", "position": "1", "combine": "all"})
    assert r.status_code == 422 and "Choose a lead office" in r.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(RoutingRule)) == 0


def test_edited_rule_changes_the_next_proposal(client, db, town, users, login, make_case):
    login(users["admin"])
    offices = town["offices"]
    client.post("/admin/routing/new", data={"name": "一律派出所", "position": "1", "active": "y",
                                            "combine": "all", "lead_office": offices["police_station"].id})
    case = make_case()
    login(users["supervisor"])
    page = client.get(f"/cases/{case.reference}/accept").get_data(as_text=True)
    assert "一律派出所" in page
    assert f'<option selected value="{offices["police_station"].id}">' in page


def test_cli_loads_defaults(runner, db, town):
    assert runner.invoke(args=["routing-rules", "load-defaults"]).exit_code == 0
    assert db.session.scalar(select(func.count()).select_from(RoutingRule)) == 5
    assert runner.invoke(args=["routing-rules", "load-defaults"]).exit_code != 0
