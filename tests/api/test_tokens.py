"""Channel tokens: created and revoked on the command line, listed and revoked by an admin."""
from sqlalchemy import func, select

from mediation.api.models import ChannelToken, hash_token
from mediation.auth.models import AuditEvent

from .conftest import submission


def _create(runner, *args):
    result = runner.invoke(args=["channel-token", "create", *args])
    assert result.exit_code == 0, result.output
    return result.output.strip().splitlines()[-1]


def test_cli_creates_a_working_token_stored_hashed(runner, client, db, town):
    token = _create(runner, "--channel", "hotline_12345", "--name", "12345 centre")
    row = db.session.scalar(select(ChannelToken))
    assert row.channel == "hotline_12345" and row.name == "12345 centre"
    assert row.token_hash == hash_token(token) and token not in row.token_hash and row.hint == token[:12]
    r = client.post("/api/v1/cases", json=submission(), headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 201


def test_cli_refuses_unknown_and_walk_in_channels(runner, db):
    for channel in ("fax", "walk_in"):
        result = runner.invoke(args=["channel-token", "create", "--channel", channel])
        assert result.exit_code != 0
    assert db.session.scalar(select(func.count()).select_from(ChannelToken)) == 0


def test_cli_lists_and_revokes(runner, client, db, town):
    token = _create(runner, "--channel", "police_110", "--name", "110 dispatch")
    _create(runner, "--channel", "grid_patrol")
    row = db.session.scalar(select(ChannelToken).where(ChannelToken.channel == "police_110"))
    listing = runner.invoke(args=["channel-token", "list"]).output
    assert "police_110" in listing and "grid_patrol" in listing and "110 dispatch" in listing
    assert token not in listing and row.hint in listing and "never" in listing

    result = runner.invoke(args=["channel-token", "revoke", str(row.id)])
    assert result.exit_code == 0 and "Revoked" in result.output
    r = client.get("/api/v1/cases", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401
    assert "revoked" in runner.invoke(args=["channel-token", "list"]).output
    assert "already" in runner.invoke(args=["channel-token", "revoke", str(row.id)]).output
    missing = runner.invoke(args=["channel-token", "revoke", "999"])
    assert missing.exit_code != 0 and "No channel token" in missing.output
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"channel_token_created", "channel_token_revoked"} <= actions


def test_admin_lists_and_revokes(client, db, users, login, make_token):
    token = make_token("hotline_12345", "12345 centre")
    row = db.session.scalar(select(ChannelToken))
    login(users["admin"])
    page = client.get("/admin/tokens/?lang=en")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "12345 centre" in html and row.hint in html and token not in html
    assert f"/admin/tokens/{row.id}/revoke" in html and 'name="csrf_token"' in html

    r = client.post(f"/admin/tokens/{row.id}/revoke")
    assert r.status_code == 303 and r.headers["Location"].endswith("/admin/tokens/")
    db.session.expire_all()
    assert db.session.get(ChannelToken, row.id).revoked_at is not None
    assert client.get("/api/v1/cases", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    audit = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "channel_token_revoked"))
    assert audit.user_id == users["admin"].id
    assert client.post("/admin/tokens/999/revoke").status_code == 404


def test_only_admins_see_tokens(client, db, users, login, make_token):
    make_token("hotline_12345")
    row = db.session.scalar(select(ChannelToken))
    for role in ("supervisor", "mediator", "viewer"):
        login(users[role])
        assert client.get("/admin/tokens/").status_code == 403, role
        assert client.post(f"/admin/tokens/{row.id}/revoke").status_code == 403, role
    db.session.expire_all()
    assert db.session.get(ChannelToken, row.id).active
    client.post("/logout")
    assert client.get("/admin/tokens/").status_code == 302  # to the sign-in page


def _secret_on(html: str) -> str:
    """The token on the page that created it (the readonly field's value)."""
    import re

    match = re.search(r'id="new-token-value"[^>]*value="(med_[A-Za-z0-9_-]+)"', html) or \
        re.search(r'value="(med_[A-Za-z0-9_-]+)"[^>]*id="new-token-value"', html)
    assert match, html
    return match.group(1)


def test_admin_creates_a_token_shown_once(client, db, town, users, login):
    login(users["admin"])
    r = client.post("/admin/tokens/new", data={"channel": "police_110", "name": "110指挥中心"})
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    html = r.get_data(as_text=True)
    token = _secret_on(html)
    assert "只显示这一次" in html  # the copy-it-now warning, in Chinese
    row = db.session.scalar(select(ChannelToken))
    assert (row.channel, row.name, row.created_by_id) == ("police_110", "110指挥中心", users["admin"].id)
    assert row.token_hash == hash_token(token) and row.hint == token[:12] and token not in row.token_hash

    # the created token works against the API, for its own channel
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/cases", headers=headers).status_code == 200
    assert client.post("/api/v1/cases", json=submission(category="损害赔偿"), headers=headers).status_code == 201

    # never shown again: not on the list, not on a second view of anything
    for url in ("/admin/tokens/", "/admin/tokens/?lang=en", "/admin/audit/"):
        page = client.get(url).get_data(as_text=True)
        assert token not in page and token[12:24] not in page, url
        if url.startswith("/admin/tokens"):
            assert row.hint in page and "110指挥中心" in page
    assert client.get("/admin/tokens/new").status_code == 405  # no page re-shows it
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "channel_token_created"))
    assert event.user_id == users["admin"].id and event.object_id == str(row.id)
    assert token not in str(event.details) and event.details["channel"] == "police_110"


def test_token_form_refuses_bad_input_in_chinese(client, db, users, login):
    login(users["admin"])
    for data in ({"channel": "walk_in", "name": "来访"}, {"channel": "fax", "name": "x"},
                 {"channel": "hotline_12345", "name": ""}, {"channel": "hotline_12345", "name": "字" * 129}):
        r = client.post("/admin/tokens/new", data=data)
        assert r.status_code == 422, data
        assert 'id="new-token-value"' not in r.get_data(as_text=True)
    html = r.get_data(as_text=True)
    assert "字段长度不能超过 128 个字符" in html
    assert db.session.scalar(select(func.count()).select_from(ChannelToken)) == 0


def test_only_admins_create_tokens(client, db, users, login):
    for role in ("supervisor", "mediator", "liaison", "viewer"):
        login(users[role])
        assert client.post("/admin/tokens/new", data={"channel": "hotline_12345", "name": "x"}).status_code == 403
    client.post("/logout")
    assert client.post("/admin/tokens/new", data={"channel": "hotline_12345", "name": "x"}).status_code == 302
    assert db.session.scalar(select(func.count()).select_from(ChannelToken)) == 0


def test_token_list_names_things_not_people(client, db, users, login, make_token):
    make_token("hotline_12345", "12345热线系统")
    login(users["admin"])
    html = client.get("/admin/tokens/").get_data(as_text=True)
    table = html[html.index("<table"):html.index("</table>")]
    assert '<th scope="col">名称</th>' in table and "姓名" not in table
