"""Account administration and one's own password (等保 2.0 身份鉴别, 访问控制; issue #10 item 1)."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from mediation.auth.models import AuditEvent, User, UserSession
from mediation.db import utcnow

from ..conftest import TEST_PASSWORD

GOOD = "Qiaozhen-2026-Mediation"


def _temporary_password(response) -> str:
    page = response.get_data(as_text=True)
    match = re.search(r'id="temporary-password">([^<]+)<', page)
    assert match, page
    return match.group(1).strip()


def _actions(db, object_id=None) -> list[str]:
    stmt = select(AuditEvent.action).order_by(AuditEvent.id)
    if object_id is not None:
        stmt = stmt.where(AuditEvent.object_type == "user", AuditEvent.object_id == str(object_id))
    return list(db.session.scalars(stmt))


def test_only_admins_open_account_pages(client, users, login):
    for role in ("supervisor", "mediator", "liaison", "viewer"):
        login(users[role])
        assert client.get("/admin/users/").status_code == 403
        assert client.post(f"/admin/users/{users['mediator'].id}/reset-password").status_code == 403
    login(users["admin"])
    page = client.get("/admin/users/").get_data(as_text=True)
    assert users["mediator"].username in page and "账号" in page


def test_new_account_gets_a_one_time_password_that_must_be_changed(app, client, db, town, users, login):
    login(users["admin"])
    r = client.post("/admin/users/new", data={"username": "zhou.min", "display_name": "周敏", "role": "mediator",
                                              "office": town["offices"]["vc_xiaomiao"].id})
    assert r.status_code == 200
    temporary = _temporary_password(r)
    user = db.session.scalar(select(User).where(User.username == "zhou.min"))
    assert user.must_change_password and user.role == "mediator"
    assert temporary not in user.password_hash and user.check_password(temporary)
    assert "user_created" in _actions(db, user.id)

    newcomer = app.test_client()
    assert newcomer.post("/login", data={"username": "zhou.min", "password": temporary}).status_code == 302
    for path in ("/cases/", "/notifications/", "/intake/register"):
        r = newcomer.get(path)
        assert r.status_code == 302 and r.headers["Location"].endswith("/account/password"), path
    page = newcomer.get("/account/password").get_data(as_text=True)
    assert "临时密码" in page
    r = newcomer.post("/account/password", data={"current_password": temporary, "new_password": GOOD,
                                                 "confirm": GOOD})
    assert r.status_code == 302
    assert newcomer.get("/cases/").status_code == 200
    db.session.expire_all()
    assert not db.session.get(User, user.id).must_change_password


def test_duplicate_username_is_a_field_error(client, db, town, users, login):
    login(users["admin"])
    r = client.post("/admin/users/new", data={"username": users["mediator"].username, "display_name": "某人",
                                              "role": "mediator", "office": town["offices"]["judicial_office"].id})
    assert r.status_code == 200 and "用户名已被使用" in r.get_data(as_text=True)


def test_edit_changes_role_and_office_and_ends_sessions(app, client, db, town, users, login):
    mediator = users["mediator"]
    theirs = app.test_client()
    theirs.post("/login", data={"username": mediator.username, "password": TEST_PASSWORD})
    assert theirs.get("/cases/").status_code == 200
    login(users["admin"])
    r = client.post(f"/admin/users/{mediator.id}", data={"display_name": "李娜", "role": "liaison",
                                                          "office": town["offices"]["police_station"].id})
    assert r.status_code == 302
    db.session.expire_all()
    changed = db.session.get(User, mediator.id)
    assert (changed.role, changed.office_id, changed.display_name) == ("liaison",
                                                                       town["offices"]["police_station"].id, "李娜")
    assert theirs.get("/cases/").status_code == 302  # a new role takes effect at once
    assert "user_updated" in _actions(db, mediator.id)


def test_admin_cannot_demote_or_disable_themselves(client, db, town, users, login):
    admin = users["admin"]
    login(admin)
    client.post(f"/admin/users/{admin.id}", data={"display_name": "管理员", "role": "viewer",
                                                   "office": admin.office_id})
    client.post(f"/admin/users/{admin.id}/disable")
    db.session.expire_all()
    assert db.session.get(User, admin.id).role == "admin" and db.session.get(User, admin.id).active


def test_disabling_ends_the_session_and_refuses_sign_in(app, client, db, users, login):
    mediator = users["mediator"]
    theirs = app.test_client()
    theirs.post("/login", data={"username": mediator.username, "password": TEST_PASSWORD})
    assert theirs.get("/cases/").status_code == 200
    login(users["admin"])
    assert client.post(f"/admin/users/{mediator.id}/disable").status_code == 302
    r = theirs.get("/cases/")
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    assert theirs.post("/login", data={"username": mediator.username,
                                       "password": TEST_PASSWORD}).status_code == 200
    assert "user_disabled" in _actions(db, mediator.id)
    client.post(f"/admin/users/{mediator.id}/enable")
    assert theirs.post("/login", data={"username": mediator.username,
                                       "password": TEST_PASSWORD}).status_code == 302


def test_unlock_lets_a_locked_out_user_in(app, client, db, users, login):
    mediator = users["mediator"]
    theirs = app.test_client()
    for _ in range(5):
        theirs.post("/login", data={"username": mediator.username, "password": "wrong"})
    assert theirs.post("/login", data={"username": mediator.username,
                                       "password": TEST_PASSWORD}).status_code == 200  # locked
    login(users["admin"])
    assert "已锁定" in client.get("/admin/users/").get_data(as_text=True)
    client.post(f"/admin/users/{mediator.id}/unlock")
    assert theirs.post("/login", data={"username": mediator.username,
                                       "password": TEST_PASSWORD}).status_code == 302
    assert "user_unlocked" in _actions(db, mediator.id)


def test_reset_password_gives_a_new_temporary_one_and_ends_sessions(app, client, db, users, login):
    mediator = users["mediator"]
    theirs = app.test_client()
    theirs.post("/login", data={"username": mediator.username, "password": TEST_PASSWORD})
    login(users["admin"])
    temporary = _temporary_password(client.post(f"/admin/users/{mediator.id}/reset-password"))
    assert theirs.get("/cases/").status_code == 302
    assert theirs.post("/login", data={"username": mediator.username,
                                       "password": TEST_PASSWORD}).status_code == 200
    assert theirs.post("/login", data={"username": mediator.username, "password": temporary}).status_code == 302
    assert theirs.get("/cases/").headers["Location"].endswith("/account/password")
    assert "password_reset" in _actions(db, mediator.id)


@pytest.mark.parametrize("new, message", [
    ("Ab1!", "至少 8 个字符"),
    ("aaaaaaaaaa", "至少三类"),
    ("password123", "至少三类"),
    ("Password1", "最常见"),
    ("P@ssw0rd", "最常见"),
    ("Woaini1314", "最常见"),
    ("X-{username}-9", "用户名"),
])
def test_own_password_rules(client, db, users, login, new, message):
    new = new.format(username=users["mediator"].username)
    login(users["mediator"])
    r = client.post("/account/password", data={"current_password": TEST_PASSWORD, "new_password": new,
                                               "confirm": new})
    assert r.status_code == 200 and message in r.get_data(as_text=True), r.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, users["mediator"].id).check_password(TEST_PASSWORD)


def test_own_password_needs_the_current_one_and_a_matching_confirmation(client, db, users, login):
    login(users["mediator"])
    page = client.post("/account/password", data={"current_password": "not it", "new_password": GOOD,
                                                   "confirm": GOOD}).get_data(as_text=True)
    assert "当前密码不正确" in page
    page = client.post("/account/password", data={"current_password": TEST_PASSWORD, "new_password": GOOD,
                                                   "confirm": GOOD + "x"}).get_data(as_text=True)
    assert "两次输入的新密码不一致" in page
    assert "password_change_failed" in _actions(db, users["mediator"].id)


def test_a_password_older_than_the_maximum_age_must_be_changed(app, client, db, users, login):
    user = db.session.get(User, users["mediator"].id)
    user.password_changed_at = utcnow() - timedelta(days=app.config["PASSWORD_MAX_AGE_DAYS"] + 1)
    db.session.commit()
    login(user)
    r = client.get("/cases/")
    assert r.status_code == 302 and r.headers["Location"].endswith("/account/password")
    assert "90 天" in client.get("/account/password").get_data(as_text=True)
    client.post("/account/password", data={"current_password": TEST_PASSWORD, "new_password": GOOD,
                                            "confirm": GOOD})
    assert client.get("/cases/").status_code == 200


def test_sessions_are_rows_with_hashed_tokens(client, db, users, login):
    login(users["mediator"])
    login(users["mediator"])
    rows = db.session.scalars(select(UserSession).where(UserSession.user_id == users["mediator"].id)).all()
    assert len(rows) == 2 and rows[0].token_hash != rows[1].token_hash
    assert rows[0].ended_reason == "logout" and rows[1].ended_at is None  # login() signs out first
    cookie = client.get_cookie("session").value
    assert rows[1].token_hash not in cookie
