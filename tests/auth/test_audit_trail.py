"""What the audit trail records (issue #10 item 5): refused access, API calls, imports confirmed and
discarded, with time, user, address, event, object and success; and the admin's search page."""
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from mediation.api.cli import create_token
from mediation.auth import audit
from mediation.auth.models import AuditEvent
from mediation.db import utcnow
from mediation.intake import import_views

from ..intake.test_import import GOOD_ROWS, URL, batch_id_of, upload, xlsx

SHANGHAI = ZoneInfo("Asia/Shanghai")


def events(db, action=None) -> list[AuditEvent]:
    db.session.rollback()  # the views commit in their own sessions: read fresh
    stmt = select(AuditEvent).order_by(AuditEvent.seq)
    if action:
        stmt = stmt.where(AuditEvent.action == action)
    return db.session.scalars(stmt).all()


def token(db, channel="hotline_12345") -> tuple[int, str]:
    row, secret = create_token(channel, "test")
    db.session.commit()
    return row.id, secret


def test_a_403_of_a_signed_in_user_is_recorded(client, db, users, login):
    login(users["mediator"])
    assert client.get("/admin/routing", environ_base={"REMOTE_ADDR": "10.8.0.7"}).status_code == 403
    [row] = events(db, "access_refused")
    assert (row.user_id, row.ip, row.success, row.object_type) == (users["mediator"].id, "10.8.0.7", False, None)
    assert row.details == {"method": "GET", "path": "/admin/routing", "status": 403}
    assert row.at > utcnow() - timedelta(minutes=1)


def test_a_404_of_a_signed_in_user_is_recorded_with_its_method(client, db, users, login):
    login(users["liaison"])
    assert client.post("/cases/XH-2026-999999/reveal").status_code == 404
    assert client.get("/no/such/page").status_code == 404
    refused = events(db, "access_refused")
    assert [(r.user_id, r.details["method"], r.details["path"], r.details["status"]) for r in refused] == [
        (users["liaison"].id, "POST", "/cases/XH-2026-999999/reveal", 404),
        (users["liaison"].id, "GET", "/no/such/page", 404)]


def test_an_anonymous_404_and_ordinary_pages_are_not_recorded(client, db, users, login):
    assert client.get("/no/such/page").status_code == 404
    login(users["mediator"])
    assert client.get("/cases/").status_code == 200
    assert events(db, "access_refused") == [] and events(db, "api_call") == []


def test_every_api_call_is_recorded_with_its_client(client, db, town):
    token_id, secret = token(db)
    auth = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/cases", headers=auth, environ_base={"REMOTE_ADDR": "172.16.5.9"}).status_code == 200
    assert client.get("/api/v1/cases", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.get("/api/v1/cases/XH-2026-999999", headers=auth).status_code == 404
    calls = events(db, "api_call")
    assert [(c.object_type, c.object_id, c.success, c.details) for c in calls] == [
        ("channel_token", str(token_id), True,
         {"method": "GET", "path": "/api/v1/cases", "status": 200, "channel": "hotline_12345"}),
        (None, None, False, {"method": "GET", "path": "/api/v1/cases", "status": 401}),
    ]
    assert calls[0].ip == "172.16.5.9" and calls[0].user_id is None
    [refused] = events(db, "access_refused")  # an API client's 404 is a refused access
    assert (refused.object_id, refused.success, refused.details["status"], refused.details["channel"]) == (
        str(token_id), False, 404, "hotline_12345")
    assert audit.verify().ok


def test_import_discard_and_a_failed_confirmation_are_recorded(client, db, town, users, login, monkeypatch):
    login(users["mediator"])
    discarded = batch_id_of(upload(client, xlsx(GOOD_ROWS)))
    assert client.post(f"{URL}{discarded}/discard").status_code == 303
    assert client.post(f"{URL}{discarded}/discard").status_code == 303  # already discarded: nothing more
    [row] = events(db, "import_discarded")
    assert (row.user_id, row.object_type, row.object_id, row.success) == (
        users["mediator"].id, "import_batch", str(discarded), True)

    failing = batch_id_of(upload(client, xlsx(GOOD_ROWS)))

    def crash(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(import_views, "register_cases", crash)
    assert client.post(f"{URL}{failing}/confirm").status_code == 303
    [failed] = events(db, "import_failed")
    assert (failed.object_id, failed.success, failed.details) == (str(failing), False, {"row": 2, "error": "RuntimeError"})
    assert events(db, "import") == []


# The admin's page

def seed(db, users):
    """Rows of several users, events and days (recorded in the past, as if over a week)."""
    now = utcnow()
    audit.record("login", users["mediator"], "user", users["mediator"].id, at=now - timedelta(days=3),
                 ip="192.168.10.23")
    audit.record("reveal", users["mediator"], "case", "XH-2026-000001", at=now - timedelta(days=2),
                 ip="192.168.10.23", fields=["phone"])
    audit.record("login_failed", None, "user", None, at=now - timedelta(days=1), ip="10.0.0.99",
                 success=False, username="13812345678")
    audit.record("export", users["supervisor"], "statistics", "2026-11", at=now, ip="2001:db8:1:2:3:4:5:6",
                 format="xlsx")
    db.session.commit()
    return now


def page_text(response) -> str:
    return response.get_data(as_text=True)


def test_only_the_admin_opens_the_audit_page(client, db, users, login):
    for role in ("supervisor", "mediator", "viewer", "liaison"):
        login(users[role])
        assert client.get("/admin/audit/").status_code == 403, role
    login(users["admin"])
    r = client.get("/admin/audit/")
    assert r.status_code == 200 and "审计日志" in page_text(r)


def test_the_page_shows_rows_in_chinese_with_personal_data_masked(client, db, users, login):
    seed(db, users)
    login(users["admin"])
    body = page_text(client.get("/admin/audit/"))
    for label in ("时间", "用户", "IP地址", "事件", "对象", "结果", "查看个人信息", "登录失败", "成功", "被拒绝或失败"):
        assert label in body, label
    assert "192.168.10.*" in body and "192.168.10.23" not in body
    assert "2001:db8:1:2:*" in body and "2001:db8:1:2:3:4:5:6" not in body
    assert "13812345678" not in body and "138****5678" in body  # a phone number typed as a username
    assert users["mediator"].display_name in body and "XH-2026-000001" in body


def test_search_by_user_event_object_period_and_outcome(client, db, users, login):
    now = seed(db, users)
    login(users["admin"])

    def found(**args):
        r = client.get("/admin/audit/", query_string=args)
        assert r.status_code == 200, page_text(r)
        return page_text(r).count("<code class=\"small\">")

    assert found() == 5  # the four seeded and the admin's own sign-in
    assert found(user=users["mediator"].username) == 2
    assert found(action="reveal") == 1
    assert found(object_type="case", object_id="XH-2026-000001") == 1
    assert found(object_type="user") == 3
    day = (now - timedelta(days=2)).astimezone(SHANGHAI).date().isoformat()
    assert found(date_from=day, date_to=day) == 1
    assert found(date_from=(now - timedelta(days=1)).astimezone(SHANGHAI).date().isoformat()) == 3
    assert found(outcome="refused") == 1
    assert found(user="nobody") == 0


def test_bad_search_input_is_a_field_error(client, db, users, login):
    login(users["admin"])
    for args in ({"date_from": "2026-13-45"}, {"date_from": "9999-12-31"}, {"user": "a\x00b"},
                 {"object_id": "x" * 65}, {"date_from": "2026-11-02", "date_to": "2026-11-01"},
                 {"outcome": "maybe"}):
        r = client.get("/admin/audit/", query_string=args)
        assert r.status_code == 422, args
        assert "invalid-feedback" in page_text(r), args
    assert client.get("/admin/audit/?page=99999999999999999999").status_code == 200


def test_the_page_is_paginated(client, db, users, login):
    now = utcnow()
    for n in range(60):
        audit.record("export", users["supervisor"], "statistics", f"row-{n:03d}", at=now, ip="10.0.0.1")
    db.session.commit()
    login(users["admin"])
    first = page_text(client.get("/admin/audit/?action=export"))
    assert "row-059" in first and "row-010" in first and "row-009" not in first
    assert "page=2" in first and "action=export" in first
    second = page_text(client.get("/admin/audit/?action=export&page=2"))
    assert "row-009" in second and "row-000" in second and "row-010" not in second and "page=3" not in second


def test_the_page_takes_a_fixed_number_of_queries(client, db, users, login, count_queries):
    login(users["admin"])

    def statements() -> int:
        with count_queries() as issued:
            assert client.get("/admin/audit/").status_code == 200
        return len(issued)

    audit.record("login", users["mediator"], "user", users["mediator"].id, at=utcnow())
    db.session.commit()
    few = statements()
    now = utcnow()
    for n in range(200):
        user = users["mediator"] if n % 2 else users["supervisor"]
        audit.record("export", user, "statistics", n, at=now - timedelta(minutes=n), ip="10.0.0.1", n=n)
    db.session.commit()
    assert statements() == few


def test_the_public_api_document_is_not_an_audited_call(client, db):
    assert client.get("/api/v1/openapi.json").status_code == 200
    assert events(db) == []


def test_rule_and_policy_changes_say_what_changed(client, db, town, users, login):
    login(users["admin"])
    r = client.post("/admin/deadlines", data={"stage": "channel_reply", "channel": "hotline_12345", "variant": "",
                                              "days": "2", "unit": "working"})
    assert r.status_code == 303
    try:
        [row] = events(db, "deadline_policy")
        assert (row.user_id, row.success) == (users["admin"].id, True)
        assert row.details == {"stage": "channel_reply", "channel": "hotline_12345", "variant": "", "days": 2,
                               "unit": "working"}
    finally:
        client.post("/admin/deadlines", data={"stage": "channel_reply", "channel": "hotline_12345", "variant": "",
                                              "days": "5", "unit": "working"})
    r = client.post("/admin/routing/new", data={"name": "测试规则", "position": "9", "active": "y", "combine": "all",
                                                "lead_office": str(town["offices"]["judicial_office"].id)})
    assert r.status_code == 302, r.get_data(as_text=True)
    [saved] = events(db, "routing_rule_saved")
    assert saved.details["created"] is True and saved.details["name"] == "测试规则"
