"""The outbox as the admin sees it (issue #13 item 4): admin only; counts per status; filters by
status and kind (unknown values ignored); SMS numbers masked and text cut short; a retry of a
given-up message, audited; the 100 newest only, in a fixed number of queries."""
import re
from datetime import datetime, timedelta, timezone

from sqlalchemy import select, update

from mediation.auth.models import AuditEvent
from mediation.outbox.models import OutboxMessage
from mediation.outbox.services import TEXT_SHOWN, enqueue_many, recent_messages, status_counts

T0 = datetime(2026, 11, 25, 2, 0, tzinfo=timezone.utc)  # 10:00 in the town (Asia/Shanghai)
PHONE = "13812345678"


def _add(db, n: int, kind: str = "sms", status: str = "pending", start: int = 0, text: str = "x",
         error: str | None = None) -> list[int]:
    """`n` messages in `status`, as the job would leave them; their ids."""
    if kind == "sms":
        rows = [{"kind": "sms", "target": f"1381234{start + i:04d}", "event_id": f"notice:{start + i}",
                 "payload": {"text": text}} for i in range(n)]
    else:
        rows = [{"kind": "callback", "target": "channel:hotline_12345", "event_id": f"event:{start + i}",
                 "payload": {"event": "accepted", "reference": f"XH2026{start + i:05d}"}} for i in range(n)]
    enqueue_many(rows, T0)
    ids = db.session.scalars(select(OutboxMessage.id).where(
        OutboxMessage.event_id.in_([r["event_id"] for r in rows]))).all()
    done = None if status == "pending" else T0 + timedelta(minutes=5)
    db.session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(ids)).values(
        status=status, attempts=0 if status == "pending" else 3, done_at=done, last_error=error,
        next_attempt_at=T0 if status == "pending" else None))
    db.session.commit()
    return ids


def _listed(html: str) -> set[int]:
    return {int(n) for n in re.findall(r'<tr id="message-(\d+)"', html)}


def _count(html: str, status: str) -> int:
    return int(re.search(rf'data-status="{status}">(\d+)<', html).group(1))


def test_only_the_admin_sees_the_outbox(client, db, users, login):
    [failed] = _add(db, 1, status="failed")
    for role in ("supervisor", "mediator", "liaison", "viewer"):
        login(users[role])
        assert client.get("/admin/outbox").status_code == 403
        assert client.post(f"/admin/outbox/{failed}/retry").status_code == 403
    assert db.session.get(OutboxMessage, failed).status == "failed"
    client.post("/logout")
    assert client.get("/admin/outbox").status_code == 302
    login(users["admin"])
    assert client.get("/admin/outbox").status_code == 200
    assert "待发消息" in client.get("/cases/").get_data(as_text=True)  # in the admin menu


def test_numbers_are_masked_and_the_text_is_cut_short(client, db, users, login):
    text = "张三您好：您的纠纷定于11月26日9时在徐行镇司法所调解，联系电话13900001111，身份证310114199001011234。" \
           + "请携带身份证件与相关证据材料准时参加，如不能到场请提前告知承办调解员，谢谢配合。尾部文字不应显示"
    assert len(text) > TEXT_SHOWN
    enqueue_many([{"kind": "sms", "target": PHONE, "event_id": "session_notice:1", "payload": {"text": text}}], T0)
    db.session.commit()
    login(users["admin"])
    html = client.get("/admin/outbox").get_data(as_text=True)
    assert PHONE not in html and "138****5678" in html
    assert "13900001111" not in html and "310114199001011234" not in html  # numbers in the text scrubbed too
    assert "您的纠纷定于11月26日9时" in html and "尾部文字不应显示" not in html and "…" in html
    assert "2026-11-25 10:00" in html  # created, in the town's time


def test_counts_and_filters(client, db, users, login):
    pending = set(_add(db, 2, status="pending"))
    sent = set(_add(db, 3, kind="callback", status="sent", start=10))
    recorded = set(_add(db, 1, status="recorded", start=20))
    failed_sms = set(_add(db, 2, status="failed", start=30, error="HTTP 503: busy"))
    failed_cb = set(_add(db, 1, kind="callback", status="failed", start=40, error="HTTP 500: down"))
    everything = pending | sent | recorded | failed_sms | failed_cb
    login(users["admin"])
    html = client.get("/admin/outbox").get_data(as_text=True)
    assert _listed(html) == everything
    assert [_count(html, s) for s in ("pending", "sent", "recorded", "failed")] == [2, 3, 1, 3]
    html = client.get("/admin/outbox?status=failed").get_data(as_text=True)
    assert _listed(html) == failed_sms | failed_cb and "HTTP 503: busy" in html
    assert html.count(">重试</button>") == 3
    html = client.get("/admin/outbox?kind=callback").get_data(as_text=True)
    assert _listed(html) == sent | failed_cb and "12345热线" in html and "已受理" in html
    assert [_count(html, s) for s in ("pending", "sent", "recorded", "failed")] == [0, 3, 0, 1]
    html = client.get("/admin/outbox?status=failed&kind=sms").get_data(as_text=True)
    assert _listed(html) == failed_sms
    # Values the outbox does not know are ignored: every message, never an error.
    for query in ({"status": "bogus"}, {"kind": "email"}, {"status": "\x00", "kind": "' OR 1=1 --"},
                  {"status": "FAILED"}, {"kind[]": "sms"}, {"status": "failed" * 1000}):
        answer = client.get("/admin/outbox", query_string=query)
        assert answer.status_code == 200 and _listed(answer.get_data(as_text=True)) == everything, query


def test_retry_puts_a_given_up_message_back_in_the_queue(client, db, users, login):
    [failed] = _add(db, 1, status="failed", error="HTTP 500: down")
    [sent] = _add(db, 1, status="sent", start=5)
    login(users["admin"])
    answer = client.post(f"/admin/outbox/{failed}/retry?status=failed")
    assert answer.status_code == 303 and answer.headers["Location"].endswith("/admin/outbox?status=failed")
    db.session.expire_all()
    message = db.session.get(OutboxMessage, failed)
    assert (message.status, message.attempts, message.done_at) == ("pending", 0, None)
    assert message.next_attempt_at is not None
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "outbox_retry")).all()
    assert event.user_id == users["admin"].id and event.object_id == str(failed)
    assert event.details["event_id"] == message.event_id and event.details["attempts_before"] == 3
    assert "已重新排队" in client.get(answer.headers["Location"]).get_data(as_text=True)
    # Only a given-up message: a sent one (or the retried one again) is left as it is, not audited.
    for message_id in (sent, failed):
        assert client.post(f"/admin/outbox/{message_id}/retry").status_code == 303
    db.session.expire_all()
    assert db.session.get(OutboxMessage, sent).status == "sent"
    assert len(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "outbox_retry")).all()) == 1
    assert client.post("/admin/outbox/999999/retry").status_code == 404


def test_the_page_lists_the_100_newest_in_a_fixed_number_of_queries(client, db, users, login, count_queries):
    login(users["admin"])

    def statements() -> int:
        with count_queries() as issued:
            assert client.get("/admin/outbox").status_code == 200
        return len(issued)

    _add(db, 2, status="failed")
    _add(db, 1, kind="callback", status="sent", start=2)
    few = statements()
    ids = _add(db, 140, status="failed", start=100, error="HTTP 500: down") \
        + _add(db, 60, kind="callback", status="sent", start=300)
    assert statements() == few
    html = client.get("/admin/outbox").get_data(as_text=True)
    newest = set(sorted(ids)[-100:])
    assert _listed(html) == newest and "最新的 100 条" in html
    assert [_count(html, s) for s in ("pending", "sent", "recorded", "failed")] == [0, 61, 0, 142]


def test_services_for_the_page(db):
    _add(db, 2, status="failed")
    _add(db, 1, kind="callback", status="sent", start=5)
    assert status_counts() == {"pending": 0, "sent": 1, "recorded": 0, "failed": 2}
    assert status_counts("sms") == {"pending": 0, "sent": 0, "recorded": 0, "failed": 2}
    [callback] = recent_messages(kind="callback")
    assert (callback["channel"], callback["event"], callback["reference"]) == ("hotline_12345", "accepted",
                                                                             "XH202600005")
    assert all(m["kind"] == "sms" and "****" in m["target"] for m in recent_messages(kind="sms"))


def test_the_jobs_page_lists_the_outbox_job(client, users, login):
    login(users["admin"])
    html = client.get("/admin/jobs").get_data(as_text=True)
    assert "deliver_outbox" in html and "发送到期的待发消息" in html
