"""Sign-in, lockout, sign-out and revocation, CSRF, security headers."""
import re

import pytest
from sqlalchemy import select

from mediation import create_app
from mediation.auth.models import AuditEvent, User


def test_login_page_in_chinese_by_default_and_english_switchable(client):
    page = client.get("/login").get_data(as_text=True)
    assert "登录" in page and 'lang="zh-CN"' in page
    page = client.get("/login?lang=en").get_data(as_text=True)
    assert "Sign in" in page and 'lang="en"' in page
    assert "Sign in" in client.get("/login").get_data(as_text=True)  # the choice sticks


def test_wrong_password_and_unknown_user_get_the_same_answer(client, users):
    known = client.post("/login?lang=en", data={"username": users["mediator"].username, "password": "nope"})
    unknown = client.post("/login?lang=en", data={"username": "nobody", "password": "nope"})
    assert known.status_code == unknown.status_code == 200
    def strip(response, username):
        return response.get_data(as_text=True).replace(f'value="{username}"', "")
    assert strip(known, users["mediator"].username) == strip(unknown, "nobody")
    assert "Wrong username or password" in known.get_data(as_text=True)


def test_lockout_after_five_failures(client, db, users, login):
    user = users["mediator"]
    for _ in range(5):
        client.post("/login", data={"username": user.username, "password": "wrong"})
    r = client.post("/login", data={"username": user.username, "password": "correct horse battery"})
    assert r.status_code == 200  # locked: the right password does not get in
    db.session.expire_all()
    assert db.session.get(User, user.id).locked_until is not None
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.user_id == user.id)).all()
    assert actions.count("login_failed") == 5 and "login_locked" in actions


def test_logout_is_post_only_and_ends_the_session(client, users, login):
    login(users["supervisor"])
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 302
    assert client.get("/cases/").status_code == 302


def test_password_change_revokes_other_sessions(app, client, db, users, login):
    login(users["supervisor"])
    assert client.get("/cases/").status_code == 200
    other = app.test_client()
    other.post("/login", data={"username": users["supervisor"].username, "password": "correct horse battery"})
    r = other.post("/account/password", data={"current_password": "correct horse battery",
                                              "new_password": "Xuhang-Town-2026", "confirm": "Xuhang-Town-2026"})
    assert r.status_code == 302
    assert other.get("/cases/").status_code == 200  # the session that changed it goes on
    r = client.get("/cases/")
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_open_redirect_after_login_is_refused(client, users):
    r = client.post("/login?next=//evil.example/x",
                    data={"username": users["supervisor"].username, "password": "correct horse battery"})
    assert r.status_code == 302 and r.headers["Location"].endswith("/cases/")


def test_security_headers(client):
    r = client.get("/login")
    assert "default-src 'self'" in r.headers["Content-Security-Policy"]
    assert r.headers["X-Frame-Options"] == "DENY"
    assert r.headers["X-Content-Type-Options"] == "nosniff"


def test_no_cdn_links(client, users, login):
    login(users["supervisor"])
    page = client.get("/cases/").get_data(as_text=True)
    assert "cdn." not in page and "https://" not in page
    css = re.search(r'href="(/bootstrap/static/[^"]+\.css)"', page)
    assert css and client.get(css.group(1)).status_code == 200


@pytest.fixture(scope="module")
def csrf_app(app):
    return create_app("testing", {"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                                  "WTF_CSRF_ENABLED": True})


def test_csrf_enforced_on_every_form(csrf_app, users, make_case):
    from mediation.core.lifecycle import Status
    case = make_case(Status.REGISTERED)
    client = csrf_app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    assert client.post("/login", data={"username": users["supervisor"].username,
                                       "password": "correct horse battery"}).status_code == 400
    assert client.post("/login", data={"username": users["supervisor"].username,
                                       "password": "correct horse battery", "csrf_token": token}).status_code == 302
    r = client.post(f"/cases/{case.reference}/accept", data={"version": case.version})
    assert r.status_code == 400
    assert client.post("/logout").status_code == 400


@pytest.mark.parametrize("target", ["//evil.example/x", "/\t/evil.example", "/\n/x",
                                    "/\\evil.example", "https://evil.example/", "/ /evil.example"])
def test_next_must_be_a_local_path(client, users, target):
    r = client.post("/login", query_string={"next": target},
                    data={"username": users["supervisor"].username, "password": "correct horse battery"})
    assert r.status_code == 302
    assert r.headers["Location"] in ("/cases/", target) and not r.headers["Location"].startswith("//")
    assert "evil" not in r.headers["Location"]


def test_next_keeps_a_local_path(client, users):
    r = client.post("/login", query_string={"next": "/cases/?status=closed"},
                    data={"username": users["supervisor"].username, "password": "correct horse battery"})
    assert r.headers["Location"] == "/cases/?status=closed"
