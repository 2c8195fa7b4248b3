"""The job that empties the outbox: `deliver_outbox(now, town) -> messages tried`.

Due messages are taken `FOR UPDATE SKIP LOCKED` (PostgreSQL; SQLite has one writer at a time),
so two runs side by side never take the same message; each is sent, and its try recorded: done
(`sent`, or `recorded` by a record-only sender), or the error and the next try after
1, 2, 4, 8 … minutes (capped), and `failed` after the last allowed try. The locks are held until
the runner commits, which records every try of the run at once.
"""
import logging
from collections.abc import Mapping
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from ..core.town import Town
from ..extensions import db
from .models import CALLBACK, FAILED, PENDING, SMS, OutboxMessage
from .senders import (DEFAULT_SMS_TEMPLATE, DEFAULT_TIMEOUT, CallbackSender, DeliveryError, HttpGatewaySender,
                      Outgoing, RecordingSmsSender, Sender)
from .services import active_endpoint

log = logging.getLogger(__name__)

DEFAULT_MAX_ATTEMPTS = 8
DEFAULT_BACKOFF_MINUTES = 1
DEFAULT_BACKOFF_CAP_MINUTES = 60
DEFAULT_BATCH = 50
DEFAULT_MAX_PER_RUN = 500


def backoff(attempts: int, base_minutes: int = DEFAULT_BACKOFF_MINUTES,
            cap_minutes: int = DEFAULT_BACKOFF_CAP_MINUTES) -> timedelta:
    """The wait after the `attempts`-th failed try: base, 2×base, 4×base … at most cap. No jitter:
    the schedule is the same every time, so it can be stated to the channels and tested."""
    return timedelta(minutes=min(base_minutes * 2 ** max(attempts - 1, 0), cap_minutes))


def senders_from_config(cfg: Mapping) -> dict[str, Sender]:
    """SMS: the HTTP gateway when SMS_GATEWAY_URL is set, else record only. Callbacks: signed POSTs."""
    timeout = float(cfg.get("OUTBOX_HTTP_TIMEOUT", DEFAULT_TIMEOUT))
    url = cfg.get("SMS_GATEWAY_URL")
    sms: Sender = (HttpGatewaySender(url, cfg.get("SMS_GATEWAY_TEMPLATE") or DEFAULT_SMS_TEMPLATE,
                                     content_type=cfg.get("SMS_GATEWAY_CONTENT_TYPE") or "application/json",
                                     timeout=timeout)
                   if url else RecordingSmsSender())
    return {SMS: sms, CALLBACK: CallbackSender(active_endpoint, timeout=timeout)}


def deliver_outbox(now: datetime, town: Town, *, senders: Mapping[str, Sender] | None = None) -> int:
    """Try every message due at `now`; how many were tried. Commit is the runner's."""
    cfg = current_app.config
    senders = senders or senders_from_config(cfg)
    max_attempts = int(cfg.get("OUTBOX_MAX_ATTEMPTS", DEFAULT_MAX_ATTEMPTS))
    base = int(cfg.get("OUTBOX_BACKOFF_MINUTES", DEFAULT_BACKOFF_MINUTES))
    cap = int(cfg.get("OUTBOX_BACKOFF_CAP_MINUTES", DEFAULT_BACKOFF_CAP_MINUTES))
    batch = int(cfg.get("OUTBOX_BATCH", DEFAULT_BATCH))
    limit = int(cfg.get("OUTBOX_MAX_PER_RUN", DEFAULT_MAX_PER_RUN))
    tried = done = given_up = 0
    while tried < limit:
        # A message tried in this run is done or due later, so the next batch does not see it again.
        due = db.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.status == PENDING, OutboxMessage.next_attempt_at <= now)
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(min(batch, limit - tried))
            .with_for_update(skip_locked=True)).all()
        if not due:
            break
        for message in due:
            tried += 1
            message.attempts += 1
            message.last_attempt_at = now
            outgoing = Outgoing(kind=message.kind, target=message.target, payload=dict(message.payload or {}),
                                event_id=message.event_id, delivery_id=message.delivery_id,
                                attempt=message.attempts, now=now)
            try:
                sender = senders[message.kind]
                message.status = sender.send(outgoing)
                message.done_at, message.next_attempt_at, message.last_error = now, None, None
                done += 1
            except Exception as exc:  # any sender's failure is this try's, recorded; the run goes on
                reason = str(exc) if isinstance(exc, DeliveryError) else f"{type(exc).__name__}: {exc}"
                message.last_error = reason[:500]
                if message.attempts >= max_attempts:
                    message.status, message.next_attempt_at, message.done_at = FAILED, None, now
                    given_up += 1
                    log.warning("outbox %s to %s given up after %s tries: %s", message.event_id,
                                message.kind, message.attempts, reason)
                else:
                    message.next_attempt_at = now + backoff(message.attempts, base, cap)
        db.session.flush()
    log.info("outbox: %s tried, %s delivered, %s given up", tried, done, given_up)
    return tried
