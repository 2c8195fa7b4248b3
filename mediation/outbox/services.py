"""Putting messages in the outbox, in the caller's transaction (nothing here commits).

`enqueue` adds one message; a second enqueue of the same (target, event id), in this transaction
or any other, adds nothing (INSERT … ON CONFLICT DO NOTHING on the unique pair). `channel_event`
builds a channel's notice of a case event (no personal data) and enqueues it when the channel
has an active callback. Cases call these beside the change that causes the message, so the
message exists exactly when the change does.
"""
import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..core.identity import mask_phone, scrub_identifiers
from ..core.vocab import Channel
from ..extensions import db
from ..organisation.models import Office
from .models import CALLBACK, FAILED, KINDS, PENDING, SMS, STATUSES, ChannelCallback, OutboxMessage
from .senders import Endpoint, check_url

# The channels that expect to hear back (DESIGN.md: feedback to the channel).
CALLBACK_CHANNELS = (Channel.HOTLINE_12345.value, Channel.POLICE_110.value, Channel.DISPUTE_PLATFORM.value)
# Lifecycle action -> the event the channel is told of.
ACTION_EVENTS = {"accept": "accepted", "route": "routed", "close": "closed", "reject": "rejected"}
EVENTS = tuple(ACTION_EVENTS.values())
_EVENT_NAMESPACE = uuid.UUID("5b0e7f2a-3c1d-4e59-9a57-8d0c6f1e2a13")


def enqueue(kind: str, target: str, payload: dict, event_id: str, now: datetime) -> bool:
    """Add a message to the current session's transaction; True if it is new, False if this
    target already has this event. Never commits: the caller's commit sends it, or nothing does."""
    return enqueue_many([{"kind": kind, "target": target, "payload": payload, "event_id": event_id}], now) == 1


def enqueue_many(messages: Iterable[dict], now: datetime) -> int:
    """Several messages (kind, target, payload, event_id) in one INSERT; how many were new."""
    rows = []
    for m in {(m["target"], m["event_id"]): m for m in messages}.values():
        if m["kind"] not in KINDS:
            raise ValueError(f"unknown outbox kind {m['kind']!r}")
        if not m["target"] or not m["event_id"]:
            raise ValueError("an outbox message needs a target and an event id")
        rows.append({"delivery_id": str(uuid.uuid4()), "kind": m["kind"], "target": m["target"][:255],
                     "event_id": m["event_id"][:128], "payload": m.get("payload") or {}, "status": PENDING,
                     "attempts": 0, "next_attempt_at": now, "created_at": now})
    if not rows:
        return 0
    insert = postgresql_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    table = OutboxMessage.__table__
    stmt = insert(table).on_conflict_do_nothing(index_elements=["target", "event_id"]).returning(table.c.id)
    return len(db.session.execute(stmt, rows).all())


def sms(phone: str, text: str, event_id: str, now: datetime) -> bool:
    """An SMS to a party, e.g. a session notice: `event_id` names what it is about, so it goes once."""
    return enqueue(SMS, phone, {"text": text}, event_id, now)


# --- Channel callbacks (issue #13 item 5) -----------------------------------------------------

def channel_target(channel: str) -> str:
    return f"channel:{channel}"


def event_id_for(reference: str, event: str, occurred_at: datetime) -> str:
    """The same case event gives the same id, however often it is enqueued."""
    return str(uuid.uuid5(_EVENT_NAMESPACE, f"{reference}|{event}|{occurred_at.isoformat()}"))


def notice(case, event: str, now: datetime, lead_office_name: str | None, event_id: str) -> dict:
    """The channel's notice: which case, what happened, who leads. No names, phones, addresses
    or free text (a reject reason may quote the parties), only codes and the office's name."""
    body = {"event_id": event_id, "event": event, "reference": case.reference, "external_ref": case.external_ref,
            "channel": case.channel, "status": case.status, "occurred_at": now.isoformat(),
            "lead_office": lead_office_name}
    outcome = getattr(case, "outcome", None) if event == "closed" else None  # loaded by the close itself
    if outcome is not None:
        body["outcome"] = outcome.outcome
    return body


def channel_events(cases: Sequence, event: str, now: datetime) -> int:
    """Enqueue `event` for each case whose channel has an active callback, in a fixed number of
    statements whatever the number of cases (for bulk actions); how many were new."""
    if event not in EVENTS:
        raise ValueError(f"unknown channel event {event!r}")
    wanted = {c.channel for c in cases if c.channel in CALLBACK_CHANNELS}
    if not wanted:
        return 0
    active = set(db.session.scalars(select(ChannelCallback.channel).where(
        ChannelCallback.channel.in_(wanted), ChannelCallback.active.is_(True))))
    chosen = [c for c in cases if c.channel in active]
    office_ids = {c.lead_office_id for c in chosen if c.lead_office_id}
    names = dict(db.session.execute(select(Office.id, Office.name).where(Office.id.in_(office_ids))).all()) \
        if office_ids else {}
    messages = []
    for case in chosen:
        event_id = event_id_for(case.reference, event, now)
        messages.append({"kind": CALLBACK, "target": channel_target(case.channel), "event_id": event_id,
                         "payload": notice(case, event, now, names.get(case.lead_office_id), event_id)})
    return enqueue_many(messages, now)


def channel_event(case, event: str, now: datetime) -> bool:
    """Enqueue the channel's notice of `event` (accepted, routed, closed, rejected) on `case`,
    if its channel has an active callback. Call after the change, in its transaction."""
    return channel_events([case], event, now) == 1


def channel_event_for_action(case, action: str, now: datetime) -> bool:
    """The same, from a lifecycle action's value; other actions tell the channel nothing."""
    event = ACTION_EVENTS.get(str(action))
    return channel_event(case, event, now) if event else False


def active_endpoint(channel: str) -> Endpoint | None:
    row = db.session.execute(select(ChannelCallback.url, ChannelCallback.secret).where(
        ChannelCallback.channel == channel, ChannelCallback.active.is_(True))).first()
    return Endpoint(row.url, row.secret) if row else None


URL_MAX = 500  # ChannelCallback.url
SECRET_MIN, SECRET_MAX = 16, 128  # characters of a shared secret (ChannelCallback.secret holds 128)


def set_callback(channel: str, url: str, secret: str, active: bool = True) -> ChannelCallback:
    """Create or change a channel's callback (for the admin page); ValueError naming the field."""
    if channel not in CALLBACK_CHANNELS:
        raise ValueError("channel")
    if check_url(url) or len(url) > URL_MAX:
        raise ValueError("url")
    if not SECRET_MIN <= len(secret) <= SECRET_MAX:
        raise ValueError("secret")
    row = db.session.scalar(select(ChannelCallback).where(ChannelCallback.channel == channel))
    if row is None:
        row = ChannelCallback(channel=channel)
        db.session.add(row)
    row.url, row.secret, row.active = url, secret, active
    db.session.flush()
    return row


# --- For the admin ----------------------------------------------------------------------------

TEXT_SHOWN = 60  # characters of an SMS's text on the admin's page


def _shown_text(message: OutboxMessage) -> str:
    """An SMS's text as the admin sees it: numbers scrubbed, cut short (it went to a party)."""
    text = scrub_identifiers(str((message.payload or {}).get("text", "")) if message.kind == SMS else "")
    return text if len(text) <= TEXT_SHOWN else text[:TEXT_SHOWN] + "…"


def recent_messages(limit: int = 50, status: str | None = None, kind: str | None = None) -> list[dict]:
    """The latest messages, newest first, with SMS numbers masked and their text scrubbed and cut
    short; for a callback, its channel, event and case reference (one query)."""
    stmt = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)
    if status:
        stmt = stmt.where(OutboxMessage.status == status)
    if kind:
        stmt = stmt.where(OutboxMessage.kind == kind)
    rows = []
    for m in db.session.scalars(stmt):
        payload = m.payload or {}
        callback = m.kind == CALLBACK
        rows.append({
            "id": m.id, "kind": m.kind, "target": mask_phone(m.target) if m.kind == SMS else m.target,
            "channel": m.target.removeprefix("channel:") if callback else None,
            "event": payload.get("event") if callback else None,
            "reference": payload.get("reference") if callback else None,
            "text": _shown_text(m), "delivery_id": m.delivery_id,
            "event_id": m.event_id, "status": m.status, "attempts": m.attempts,
            "last_error": scrub_identifiers(m.last_error) if m.last_error else None,  # a gateway may echo the number
            "next_attempt_at": m.next_attempt_at, "created_at": m.created_at, "done_at": m.done_at})
    return rows


def status_counts(kind: str | None = None) -> dict[str, int]:
    """How many messages are in each status (every status, zero included), in one GROUP BY."""
    stmt = select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    if kind:
        stmt = stmt.where(OutboxMessage.kind == kind)
    counts = dict.fromkeys(STATUSES, 0)
    counts.update({status: n for status, n in db.session.execute(stmt).all()})
    return counts


def callbacks() -> dict[str, ChannelCallback | None]:
    """Each channel that expects to hear back, with its callback row or None (one query)."""
    rows = {r.channel: r for r in db.session.scalars(
        select(ChannelCallback).where(ChannelCallback.channel.in_(CALLBACK_CHANNELS)))}
    return {channel: rows.get(channel) for channel in CALLBACK_CHANNELS}


def retry_failed(message_id: int, now: datetime, may_retry: Callable[[str], bool] | None = None) -> bool:
    """Put a given-up message back in the queue, due now, with its attempts counted afresh; False
    when it is not given up, or `may_retry` (given its event id) says it may not go any more, e.g.
    the notice of a session since called off (the layer that knows what the event is says so)."""
    if may_retry is not None:
        event_id = db.session.scalar(select(OutboxMessage.event_id).where(OutboxMessage.id == message_id,
                                                                          OutboxMessage.status == FAILED))
        if event_id is None or not may_retry(event_id):
            return False
    result = db.session.execute(update(OutboxMessage).where(OutboxMessage.id == message_id,
                                                            OutboxMessage.status == FAILED)
                                .values(status=PENDING, attempts=0, next_attempt_at=now, done_at=None))
    return result.rowcount == 1


# --- OpenAPI 3.1 description of the callbacks, for mediation/api/openapi.py to merge -----------

_NOTICE_SCHEMA = {
    "type": "object",
    "required": ["event_id", "event", "reference", "channel", "status", "occurred_at"],
    "properties": {
        "event_id": {"type": "string", "format": "uuid", "description": "Same as X-Mediation-Event-Id; "
                     "the same event is never sent as two messages, but one message may arrive again after a "
                     "failed or unanswered try: act on each event id once."},
        "event": {"type": "string", "enum": list(EVENTS)},
        "reference": {"type": "string", "description": "The case's reference in this system."},
        "external_ref": {"type": ["string", "null"], "description": "The channel's own id (work order)."},
        "channel": {"type": "string", "enum": list(CALLBACK_CHANNELS)},
        "status": {"type": "string", "description": "The case's status after the event."},
        "occurred_at": {"type": "string", "format": "date-time"},
        "lead_office": {"type": ["string", "null"], "description": "Name of the lead office, once routed."},
        "outcome": {"type": "string", "description": "Closing outcome code (closed events only)."},
    },
}


def _header(name: str, description: str) -> dict:
    return {"name": name, "in": "header", "required": True, "schema": {"type": "string"},
            "description": description}


OPENAPI_WEBHOOKS = {
    "caseEvent": {
        "post": {
            "summary": "A case of your channel was accepted, routed, closed or rejected",
            "description": (
                "Posted to the callback URL configured for your channel. The body is JSON; "
                "X-Mediation-Signature is `sha256=` and the hex HMAC-SHA256 of the raw body with the "
                "channel's shared secret: check it before trusting the body. Answer 2xx to acknowledge; "
                "anything else (or no answer within 5 seconds) is retried after 1, 2, 4, 8 … minutes "
                "(at most 60 apart) until a set number of tries. Redirects are not followed."),
            "operationId": "caseEventCallback",
            "parameters": [
                _header("X-Mediation-Signature", "sha256=<hex HMAC-SHA256 of the raw body>"),
                _header("X-Mediation-Event-Id", "The event's id, the same on every try."),
                _header("X-Mediation-Delivery-Id", "This message's id (uuid), the same on every try."),
                _header("X-Mediation-Timestamp", "Unix seconds when this try was sent."),
            ],
            "requestBody": {"required": True, "content": {"application/json": {"schema": _NOTICE_SCHEMA}}},
            "responses": {"2XX": {"description": "Received; not sent again."},
                          "default": {"description": "Not received; sent again later."}},
        },
    },
}
