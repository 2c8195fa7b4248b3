"""The outbox: messages written with the change that causes them, delivered by `deliver_outbox`
with retries and backoff, at most once per (target, event id); channel callbacks signed.

Delivery goes to a real HTTP receiver on 127.0.0.1 (a random port), nothing else."""
import hashlib
import hmac
import json
import threading
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import func, select

from mediation.cases.services import perform
from mediation.core.lifecycle import Action, Payload, Status
from mediation.core.vocab import Outcome
from mediation.organisation.town import current_town
from mediation.outbox.delivery import backoff, deliver_outbox
from mediation.outbox.models import OutboxMessage
from mediation.outbox.services import (OPENAPI_WEBHOOKS, channel_event, channel_event_for_action, channel_events,
                                       enqueue, recent_messages, retry_failed, set_callback, sms)

SECRET = "a-shared-secret-of-some-length"
T0 = datetime(2026, 11, 25, 2, 0, tzinfo=timezone.utc)


class Receiver:
    """A channel system (or SMS gateway) that answers 500 to the first `fail_first` tries of each
    event, then 200; or always `status`; or redirects. Every request is kept."""

    def __init__(self):
        self.requests: list[dict] = []
        self.fail_first, self.status, self.delay, self.redirect_to = 0, 200, 0.0, None
        self._tries: Counter = Counter()
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                event_id = self.headers.get("X-Mediation-Event-Id")
                with receiver._lock:
                    receiver._tries[event_id] += 1
                    tries = receiver._tries[event_id]
                time.sleep(receiver.delay)
                if receiver.redirect_to:
                    status = 302
                elif tries <= receiver.fail_first:
                    status = 500
                else:
                    status = receiver.status
                with receiver._lock:
                    receiver.requests.append({"path": self.path, "headers": dict(self.headers), "body": body,
                                              "status": status, "event_id": event_id})
                self.send_response(status)
                if status == 302:
                    self.send_header("Location", receiver.redirect_to)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def acknowledged(self) -> Counter:
        return Counter(r["event_id"] for r in self.requests if 200 <= r["status"] < 300)


@pytest.fixture
def receiver():
    r = Receiver()
    r.thread.start()
    yield r
    r.server.shutdown()
    r.server.server_close()
    r.thread.join(timeout=5)


def _run(db, now) -> int:
    """One run of the job as the runner does it: the job, then one commit."""
    tried = deliver_outbox(now, current_town())
    db.session.commit()
    return tried


def _messages(db) -> list[OutboxMessage]:
    db.session.expire_all()
    return db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()


def _act(case, action, user, payload, now, extra=None):
    """A lifecycle action at `now`, then the channel notice beside it, as cases/services.py will."""
    perform(case, action, user, payload, now=now, town=current_town(), session_details=extra)
    channel_event_for_action(case, action.value, now)


def test_every_channel_event_arrives_once_signed_after_failures(db, make_case, users, town, receiver):
    set_callback("hotline_12345", receiver.url + "/hook", SECRET)
    db.session.commit()
    sup, mediator = users["supervisor"], users["mediator"]
    case = make_case(Status.REGISTERED, channel="hotline_12345")
    rejected = make_case(Status.REGISTERED, channel="hotline_12345")
    walk_in = make_case(Status.REGISTERED, channel="walk_in")  # no channel to tell
    police = make_case(Status.REGISTERED, channel="police_110")  # a channel without a callback
    offices = town["offices"]
    _act(case, Action.ACCEPT, sup, Payload(), T0)
    _act(police, Action.ACCEPT, sup, Payload(), T0)
    _act(walk_in, Action.ACCEPT, sup, Payload(), T0)
    _act(case, Action.ROUTE, sup, Payload(lead_office_id=offices["judicial_office"].id,
                                         co_office_ids=[offices["law_firm"].id], mediator_id=mediator.id),
         T0 + timedelta(seconds=1))
    perform(case, Action.LOG_SESSION, mediator, Payload(), now=T0 + timedelta(seconds=2), town=current_town(),
            session_details={"record": "双方陈述意见", "method": "in_person"})
    signed = (T0 + timedelta(seconds=3)).date()
    _act(case, Action.CLOSE, mediator, Payload(outcome=Outcome.AGREEMENT_WRITTEN, agreement_text="赔偿500元",
                                              amount=Decimal("500"), performance_terms="七日内付清",
                                              signed_on=signed, performance_due_on=signed + timedelta(days=7)),
         T0 + timedelta(seconds=3))
    _act(rejected, Action.REJECT, sup, Payload(reason="不属于受理范围，张三 13812345678"), T0 + timedelta(seconds=4))
    # The same event again (a retried request, or the call made twice): no second message.
    assert channel_event(case, "accepted", T0) is False
    db.session.commit()

    assert [(m.kind, m.target, m.payload["event"]) for m in _messages(db)] == [
        ("callback", "channel:hotline_12345", e) for e in ("accepted", "routed", "closed", "rejected")]

    receiver.fail_first = 2
    assert _run(db, T0 + timedelta(minutes=1)) == 4  # the first try: all 500
    assert _run(db, T0 + timedelta(minutes=1, seconds=59)) == 0  # not due before 1 minute has passed
    assert _run(db, T0 + timedelta(minutes=2)) == 4  # the second: 500 again; next in 2 minutes
    assert _run(db, T0 + timedelta(minutes=3)) == 0
    assert _run(db, T0 + timedelta(minutes=4)) == 4  # the third: acknowledged
    assert _run(db, T0 + timedelta(hours=5)) == 0  # nothing left to send, ever

    messages = _messages(db)
    assert [(m.status, m.attempts, m.last_error) for m in messages] == [("sent", 3, None)] * 4
    assert len(receiver.requests) == 12
    assert receiver.acknowledged() == Counter({m.event_id: 1 for m in messages})  # each exactly once
    by_event = {m.event_id: m for m in messages}
    for request in receiver.requests:
        headers, body = request["headers"], request["body"]
        assert request["path"] == "/hook"
        expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        assert hmac.compare_digest(headers["X-Mediation-Signature"], expected)
        notice = json.loads(body)
        message = by_event[headers["X-Mediation-Event-Id"]]
        assert headers["X-Mediation-Delivery-Id"] == message.delivery_id  # the same on every try
        assert notice["event_id"] == message.event_id
        assert int(headers["X-Mediation-Timestamp"]) > T0.timestamp()
        assert "13812345678" not in body.decode() and "张三" not in body.decode()  # no personal data
    closed = next(json.loads(r["body"]) for r in receiver.requests if b'"closed"' in r["body"])
    assert closed == {"event_id": closed["event_id"], "event": "closed", "reference": case.reference,
                      "external_ref": case.external_ref, "channel": "hotline_12345", "status": "closed",
                      "occurred_at": (T0 + timedelta(seconds=3)).isoformat(), "lead_office": "徐行镇司法所",
                      "outcome": "agreement_written"}
    # A tampered body does not match the signature.
    tampered = receiver.requests[0]["body"].replace(b"hotline_12345", b"police_110")
    assert "sha256=" + hmac.new(SECRET.encode(), tampered, hashlib.sha256).hexdigest() != \
        receiver.requests[0]["headers"]["X-Mediation-Signature"]


def test_enqueue_is_part_of_the_callers_transaction(db):
    assert enqueue("sms", "13812345678", {"text": "x"}, "notice:1", T0) is True
    assert enqueue("sms", "13812345678", {"text": "x"}, "notice:1", T0) is False  # same target, same event
    assert enqueue("sms", "13900001111", {"text": "x"}, "notice:1", T0) is True  # another target
    db.session.rollback()  # the change that caused them did not happen: neither did they
    assert _messages(db) == []
    enqueue("sms", "13812345678", {"text": "x"}, "notice:1", T0)
    db.session.commit()
    assert len(_messages(db)) == 1
    with pytest.raises(ValueError):
        enqueue("fax", "1", {}, "e", T0)


def test_record_only_sms_sender_is_the_default(app, db, monkeypatch):
    monkeypatch.setitem(app.config, "SMS_GATEWAY_URL", None)
    assert sms("13812345678", "您的调解定于11月26日9时", "session_notice:7:1", T0)
    db.session.commit()
    assert _run(db, T0) == 1
    [message] = _messages(db)
    assert (message.status, message.attempts, message.done_at) == ("recorded", 1, T0)
    [row] = recent_messages()
    assert row["status"] == "recorded" and row["target"] == "138****5678"  # masked for the admin
    assert _run(db, T0 + timedelta(days=1)) == 0


def test_http_gateway_sender_posts_the_template(app, db, monkeypatch, receiver):
    monkeypatch.setitem(app.config, "SMS_GATEWAY_URL", receiver.url + "/sms")
    monkeypatch.setitem(app.config, "SMS_GATEWAY_TEMPLATE",
                        '{"mobile": "$to", "content": "$text", "sign": "徐行镇", "ref": "$delivery_id"}')
    sms("13812345678", '请于"11月26日"到司法所\n调解', "session_notice:7:1", T0)
    db.session.commit()
    assert _run(db, T0) == 1
    [message] = _messages(db)
    assert message.status == "sent"
    [request] = receiver.requests
    assert request["path"] == "/sms" and request["headers"]["Content-Type"] == "application/json"
    assert json.loads(request["body"]) == {"mobile": "13812345678", "content": '请于"11月26日"到司法所\n调解',
                                           "sign": "徐行镇", "ref": message.delivery_id}
    assert request["headers"]["X-Mediation-Event-Id"] == "session_notice:7:1"


def test_gateway_errors_are_retried_then_given_up(app, db, monkeypatch, receiver):
    monkeypatch.setitem(app.config, "SMS_GATEWAY_URL", receiver.url + "/sms")
    monkeypatch.setitem(app.config, "OUTBOX_MAX_ATTEMPTS", 3)
    receiver.status = 503
    sms("13812345678", "x", "n:1", T0)
    db.session.commit()
    assert [_run(db, T0 + timedelta(minutes=m)) for m in (0, 1, 2, 3, 100)] == [1, 1, 0, 1, 0]
    [message] = _messages(db)
    assert (message.status, message.attempts, message.next_attempt_at) == ("failed", 3, None)
    assert message.last_error.startswith("HTTP 503")
    assert len(receiver.requests) == 3
    # The admin may put it back; it is tried afresh.
    receiver.status = 200
    assert retry_failed(message.id, T0 + timedelta(hours=2))
    db.session.commit()
    assert _run(db, T0 + timedelta(hours=2)) == 1
    assert [m.status for m in _messages(db)] == ["sent"]


def test_a_retry_the_caller_refuses_leaves_the_message_given_up(app, db, monkeypatch, receiver):
    monkeypatch.setitem(app.config, "SMS_GATEWAY_URL", receiver.url + "/sms")
    monkeypatch.setitem(app.config, "OUTBOX_MAX_ATTEMPTS", 1)
    receiver.status = 503
    sms("13812345678", "x", "appointment:7:party:1", T0)
    sms("13812345678", "y", "n:2", T0)
    db.session.commit()
    assert _run(db, T0) == 2
    refused, allowed = _messages(db)
    asked = []

    def may_retry(event_id):
        asked.append(event_id)
        return not event_id.startswith("appointment:")

    assert not retry_failed(refused.id, T0 + timedelta(hours=1), may_retry=may_retry)
    assert retry_failed(allowed.id, T0 + timedelta(hours=1), may_retry=may_retry)
    db.session.commit()
    assert asked == ["appointment:7:party:1", "n:2"]
    assert [m.status for m in _messages(db)] == ["failed", "pending"]
    assert not retry_failed(allowed.id, T0 + timedelta(hours=1), may_retry=may_retry)  # not given up: not asked
    assert asked == ["appointment:7:party:1", "n:2"]


def test_unreachable_callback_gives_up_after_max_attempts(app, db, monkeypatch, make_case, users):
    monkeypatch.setitem(app.config, "OUTBOX_MAX_ATTEMPTS", 4)
    monkeypatch.setitem(app.config, "OUTBOX_HTTP_TIMEOUT", 1)
    set_callback("dispute_platform", "http://127.0.0.1:9/hook", SECRET)  # the discard port: refused
    case = make_case(Status.REGISTERED, channel="dispute_platform")
    _act(case, Action.ACCEPT, users["supervisor"], Payload(), T0)
    db.session.commit()
    schedule, at = [], T0
    for _ in range(4):
        assert _run(db, at) == 1
        [message] = _messages(db)
        schedule.append(message.next_attempt_at)
        at = message.next_attempt_at or at
    assert [s - T0 if s else None for s in schedule] == [timedelta(minutes=1), timedelta(minutes=3),
                                                         timedelta(minutes=7), None]
    assert (message.status, message.attempts) == ("failed", 4)
    assert "Connection" in message.last_error or "refused" in message.last_error.lower()
    assert _run(db, T0 + timedelta(days=1)) == 0


def test_backoff_doubles_and_is_capped():
    assert [backoff(n) for n in range(1, 10)] == [timedelta(minutes=m) for m in (1, 2, 4, 8, 16, 32, 60, 60, 60)]
    assert backoff(3, base_minutes=5, cap_minutes=15) == timedelta(minutes=15)


def test_redirects_are_not_followed(db, make_case, users, receiver):
    other = Receiver()
    other.thread.start()
    try:
        receiver.redirect_to = f"http://localhost:{other.server.server_port}/elsewhere"
        set_callback("hotline_12345", receiver.url + "/hook", SECRET)
        case = make_case(Status.REGISTERED, channel="hotline_12345")
        _act(case, Action.ACCEPT, users["supervisor"], Payload(), T0)
        db.session.commit()
        assert _run(db, T0) == 1
        [message] = _messages(db)
        assert message.status == "pending" and "redirect" in message.last_error
        assert other.requests == []
    finally:
        other.server.shutdown()
        other.server.server_close()


def test_inactive_callback_enqueues_nothing(db, make_case, users):
    set_callback("hotline_12345", "https://example.invalid/hook", SECRET, active=False)
    case = make_case(Status.REGISTERED, channel="hotline_12345")
    _act(case, Action.ACCEPT, users["supervisor"], Payload(), T0)
    db.session.commit()
    assert _messages(db) == []
    with pytest.raises(ValueError, match="url"):
        set_callback("hotline_12345", "file:///etc/passwd", SECRET)


def test_concurrent_runs_deliver_each_message_once_on_postgresql(app, db, monkeypatch, receiver):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SKIP LOCKED is PostgreSQL's; SQLite has one writer at a time")
    monkeypatch.setitem(app.config, "SMS_GATEWAY_URL", receiver.url + "/sms")
    monkeypatch.setitem(app.config, "OUTBOX_BATCH", 2)
    receiver.delay = 0.1
    for n in range(8):
        sms(f"1381234{n:04d}", "x", f"n:{n}", T0)
    db.session.commit()
    results, errors, start = [], [], threading.Barrier(2)

    def run():
        try:
            with app.app_context():
                start.wait()
                results.append(deliver_outbox(T0, current_town()))
                db.session.commit()
        except Exception as exc:  # shown by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert sum(results) == 8
    assert sorted(receiver.acknowledged().values()) == [1] * 8 and len(receiver.requests) == 8
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)
                             .where(OutboxMessage.status == "sent", OutboxMessage.attempts == 1)) == 8


def test_openapi_webhooks_fragment_is_well_formed():
    post = OPENAPI_WEBHOOKS["caseEvent"]["post"]
    assert {p["name"] for p in post["parameters"]} == {"X-Mediation-Signature", "X-Mediation-Event-Id",
                                                         "X-Mediation-Delivery-Id", "X-Mediation-Timestamp"}
    schema = post["requestBody"]["content"]["application/json"]["schema"]
    assert set(schema["properties"]["event"]["enum"]) == {"accepted", "routed", "closed", "rejected"}
    json.dumps(OPENAPI_WEBHOOKS)


def test_bulk_channel_events_take_a_fixed_number_of_statements(db, make_case, users, count_queries):
    few = [make_case(Status.ACCEPTED, channel="hotline_12345")]
    many = [make_case(Status.ACCEPTED, channel=c) for c in ("hotline_12345", "police_110", "walk_in") * 3]
    # Callbacks set after the cases were made: their own accept (through the lifecycle) sent nothing.
    set_callback("hotline_12345", "https://example.invalid/hook", SECRET)
    set_callback("police_110", "https://example.invalid/hook110", SECRET)
    db.session.commit()
    for case in few + many:  # loaded, as the bulk action has them
        db.session.refresh(case)
    counts = []
    for cases, at in ((few, T0), (many, T0 + timedelta(seconds=1))):
        with count_queries() as statements:
            channel_events(cases, "accepted", at)
        counts.append(len(statements))
    assert counts[0] == counts[1] == 2  # the channels' callbacks, then one INSERT (no lead office yet)
    db.session.commit()
    assert len(_messages(db)) == 1 + 6


def test_the_case_pages_actions_send_the_channel_its_events(client, db, users, login, make_case):
    """Wired into the lifecycle service: accepting and rejecting on the case page put the callbacks in the
    outbox in the same commit; a walk-in (no callback) and a refused action send nothing."""
    set_callback("hotline_12345", "https://example.invalid/hook", SECRET)
    db.session.commit()
    hotline = make_case(channel="hotline_12345")
    walk_in = make_case(channel="walk_in")
    other = make_case(channel="hotline_12345")
    login(users["supervisor"])
    for case in (hotline, walk_in):
        assert client.post(f"/cases/{case.reference}/accept", data={"version": case.version}).status_code == 303
    assert client.post(f"/cases/{other.reference}/reject", data={"version": other.version, "reason": " "}
                       ).status_code == 422  # refused: nothing saved, nothing sent
    assert client.post(f"/cases/{other.reference}/reject",
                       data={"version": other.version, "reason": "不属于调解范围"}).status_code == 303
    db.session.expire_all()
    sent = [(m.payload["reference"], m.payload["event"]) for m in _messages(db)]
    assert sorted(sent) == sorted([(hotline.reference, "accepted"), (other.reference, "rejected")])
    assert all("name" not in json.dumps(m.payload, ensure_ascii=False) for m in _messages(db))
