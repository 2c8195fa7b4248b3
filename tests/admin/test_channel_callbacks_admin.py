"""The channels' callbacks as the admin sets them (issue #13 item 3): admin only; a generated
secret shown once, then never; blank keeps the secret; bad input is the field's error with
nothing changed; each change audited without the secret; and a case event then reaches the
channel, signed with that secret."""
import hashlib
import hmac
import json
import re

import pytest
from sqlalchemy import select

from mediation.auth.models import AuditEvent
from mediation.core.lifecycle import Status
from mediation.db import utcnow
from mediation.organisation.town import current_town
from mediation.outbox.delivery import deliver_outbox
from mediation.outbox.models import ChannelCallback, OutboxMessage
from mediation.outbox.services import set_callback

from ..outbox.test_outbox import Receiver

OLD_SECRET = "the-old-shared-secret-0123"
URL = "https://12345.example.gov.cn/notify"


@pytest.fixture
def receiver():
    r = Receiver()
    r.thread.start()
    yield r
    r.server.shutdown()
    r.server.server_close()
    r.thread.join(timeout=5)


def _row(db, channel="hotline_12345") -> ChannelCallback | None:
    db.session.expire_all()
    return db.session.scalar(select(ChannelCallback).where(ChannelCallback.channel == channel))


def _audits(db, action="channel_callback_saved") -> list[AuditEvent]:
    db.session.expire_all()
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)).all()


def _pages(client) -> str:
    """Every page that speaks of callbacks, the audit trail and the outbox included."""
    return "".join(client.get(url).get_data(as_text=True) for url in (
        "/admin/callbacks", "/admin/callbacks/hotline_12345", "/admin/outbox", "/admin/audit/"))


def test_only_the_admin_may_see_or_change_the_callbacks(client, db, users, login):
    for role in ("supervisor", "mediator", "liaison", "viewer"):
        login(users[role])
        assert client.get("/admin/callbacks").status_code == 403
        assert client.get("/admin/callbacks/hotline_12345").status_code == 403
        assert client.post("/admin/callbacks/hotline_12345", data={"url": URL, "generate": "y"}).status_code == 403
    assert _row(db) is None
    client.post("/logout")
    assert client.get("/admin/callbacks").status_code == 302  # to the sign-in page
    login(users["admin"])
    page = client.get("/admin/callbacks").get_data(as_text=True)
    assert client.get("/admin/callbacks").status_code == 200
    for name in ("12345热线", "110", "解纷"):
        assert name in page
    assert page.count('id="callback-') == 3
    assert client.get("/admin/callbacks/walk_in").status_code == 404  # no callback for walk-ins
    assert "渠道回调" in client.get("/cases/").get_data(as_text=True)  # in the admin menu


def test_generated_secret_is_shown_once_and_signs_the_case_events(client, db, users, login, make_case, receiver):
    login(users["admin"])
    answer = client.post("/admin/callbacks/hotline_12345",
                         data={"url": receiver.url + "/hook", "generate": "y", "active": "y"})
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"  # kept by no cache
    html = answer.get_data(as_text=True)
    secret = re.search(r'id="new-secret-value"[^>]*value="([^"]+)"', html, re.S).group(1)
    assert len(secret) >= 32 and "仅显示这一次" in html
    row = _row(db)
    assert (row.url, row.secret, row.active) == (receiver.url + "/hook", secret, True)
    # Audited: who, which channel, the URL and on/off; never the secret.
    [event] = _audits(db)
    assert event.user_id == users["admin"].id and event.object_id == str(row.id)
    assert event.details["channel"] == "hotline_12345" and event.details["url"] == receiver.url + "/hook"
    assert event.details["active"] is True and event.details["secret_generated"] is True
    assert secret not in json.dumps(event.details)
    # Never again on any page.
    pages = _pages(client)
    assert secret not in pages and "已设置" in pages and secret[-4:] in pages
    # A 12345 case accepted by the supervisor, through the app: the channel's notice is in the outbox ...
    case = make_case(Status.REGISTERED, channel="hotline_12345")
    walk_in = make_case(Status.REGISTERED, channel="walk_in")
    login(users["supervisor"])
    assert client.post(f"/cases/{case.reference}/accept", data={"version": case.version}).status_code == 303
    assert client.post(f"/cases/{walk_in.reference}/accept", data={"version": walk_in.version}).status_code == 303
    db.session.expire_all()
    [message] = db.session.scalars(select(OutboxMessage)).all()
    assert (message.kind, message.target, message.status) == ("callback", "channel:hotline_12345", "pending")
    assert message.payload["event"] == "accepted" and message.payload["reference"] == case.reference
    # ... and the job posts it, signed with the secret the admin was shown.
    assert deliver_outbox(utcnow(), current_town()) == 1
    db.session.commit()
    [request] = receiver.requests
    expected = "sha256=" + hmac.new(secret.encode(), request["body"], hashlib.sha256).hexdigest()
    assert request["headers"]["X-Mediation-Signature"] == expected
    assert json.loads(request["body"])["reference"] == case.reference
    login(users["admin"])
    outbox = client.get("/admin/outbox?kind=callback").get_data(as_text=True)
    assert case.reference in outbox and "已发送" in outbox and secret not in outbox


def test_blank_secret_keeps_the_old_one_and_a_typed_one_is_never_shown(client, db, users, login):
    set_callback("police_110", URL, OLD_SECRET)
    db.session.commit()
    login(users["admin"])
    form = client.get("/admin/callbacks/police_110").get_data(as_text=True)
    assert URL in form and OLD_SECRET not in form and "留空" in form
    # Change the address and switch it off; the secret field left blank.
    answer = client.post("/admin/callbacks/police_110", data={"url": "https://110.example.cn/cb", "secret": ""})
    assert answer.status_code == 303
    row = _row(db, "police_110")
    assert (row.url, row.secret, row.active) == ("https://110.example.cn/cb", OLD_SECRET, False)
    assert _audits(db)[-1].details["secret_changed"] is False and _audits(db)[-1].details["active"] is False
    # A typed secret replaces it, and is not shown either.
    typed = "a-typed-secret-of-enough-length-42"
    assert client.post("/admin/callbacks/police_110", data={"url": URL, "secret": typed,
                                                            "active": "y"}).status_code == 303
    row = _row(db, "police_110")
    assert (row.secret, row.active) == (typed, True)
    assert _audits(db)[-1].details["secret_changed"] is True
    pages = _pages(client)
    assert typed not in pages and OLD_SECRET not in pages
    assert all(OLD_SECRET not in json.dumps(e.details) and typed not in json.dumps(e.details) for e in _audits(db))


@pytest.mark.parametrize("data, field, message", [
    ({"url": "ftp://12345.example.cn/x", "secret": "a-long-enough-secret-123"}, "url", "http:// 或 https://"),
    ({"url": "javascript:alert(1)", "generate": "y"}, "url", "http:// 或 https://"),
    ({"url": "https://" + "a" * 500 + ".cn", "generate": "y"}, "url", "500"),
    ({"url": "http://[::1", "generate": "y"}, "url", "http:// 或 https://"),  # urlsplit refuses it
    ({"url": "http://example.com:99999/x", "generate": "y"}, "url", "http:// 或 https://"),  # no such port
    ({"url": "https://example.com:port/x", "generate": "y"}, "url", "http:// 或 https://"),
    ({"url": "", "generate": "y"}, "url", "必填"),
    ({"url": URL, "secret": "short"}, "secret", "至少 16 个字符"),
    ({"url": URL, "secret": "has a space in the secret ok"}, "secret", "空格"),
    ({"url": URL, "secret": "a-long-enough-secret-123", "generate": "y"}, "secret", "不能同时"),
    ({"url": URL, "secret": "x" * 129}, "secret", "128"),
])
def test_bad_input_is_the_fields_error_and_changes_nothing(client, db, users, login, data, field, message):
    set_callback("hotline_12345", URL, OLD_SECRET, active=True)
    db.session.commit()
    before = _row(db)
    login(users["admin"])
    answer = client.post("/admin/callbacks/hotline_12345", data=data)
    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    # The message is under its own field (Bootstrap's invalid-feedback right after the input).
    feedback = re.search(rf'name="{field}"[^>]*>\s*<div class="invalid-feedback[^"]*"[^>]*>([^<]*)<', html)
    assert feedback and message in feedback.group(1), html
    assert data.get("secret", "").strip() == "" or data["secret"] not in html  # a typed secret is not echoed
    row = _row(db)
    assert (row.url, row.secret, row.active, row.updated_at) == (before.url, before.secret, before.active,
                                                                 before.updated_at)
    assert _audits(db) == []


@pytest.mark.parametrize("url", ["http://[::1", "http://[::1]:8080:/x", "http://example.com:99999/x",
                                 "https://example.com:port/x"])
def test_the_service_refuses_an_address_urlsplit_cannot_read(db, url):
    with pytest.raises(ValueError) as refused:
        set_callback("hotline_12345", url, OLD_SECRET)
    assert str(refused.value) == "url"  # the field it names, not urlsplit's own error
    db.session.rollback()
    assert _row(db) is None


def test_a_new_callback_needs_a_secret(client, db, users, login):
    login(users["admin"])
    answer = client.post("/admin/callbacks/dispute_platform", data={"url": URL, "active": "y"})
    assert answer.status_code == 422 and "还没有密钥" in answer.get_data(as_text=True)
    assert _row(db, "dispute_platform") is None and _audits(db) == []


def test_a_callback_switched_off_hears_nothing(client, db, users, login, make_case):
    set_callback("dispute_platform", URL, OLD_SECRET)
    db.session.commit()
    login(users["admin"])
    assert client.post("/admin/callbacks/dispute_platform", data={"url": URL}).status_code == 303  # active unticked
    page = client.get("/admin/callbacks").get_data(as_text=True)
    assert "停用" in page
    case = make_case(Status.REGISTERED, channel="dispute_platform")
    login(users["supervisor"])
    assert client.post(f"/cases/{case.reference}/accept", data={"version": case.version}).status_code == 303
    db.session.expire_all()
    assert db.session.scalars(select(OutboxMessage)).all() == []
