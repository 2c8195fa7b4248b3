"""The outbox and the channels' callback settings."""
from datetime import datetime

from sqlalchemy import JSON, Boolean, CheckConstraint, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import UTCDateTime, utcnow
from ..extensions import db

PENDING, SENT, RECORDED, FAILED = "pending", "sent", "recorded", "failed"
STATUSES = (PENDING, SENT, RECORDED, FAILED)
SMS, CALLBACK = "sms", "callback"
KINDS = (SMS, CALLBACK)


def _in(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{v}'" for v in values)


class OutboxMessage(db.Model):
    """One message to one target, at most once per event: (target, event_id) is unique.

    `delivery_id` (a uuid) goes along with every attempt, so a receiver can tell a retry of a
    message from a new one; `attempts`, `last_error` and `next_attempt_at` record the retries."""

    __tablename__ = "outbox_messages"
    __table_args__ = (
        UniqueConstraint("target", "event_id"),
        CheckConstraint(f"status IN ({_in(STATUSES)})", name="status_known"),
        CheckConstraint(f"kind IN ({_in(KINDS)})", name="kind_known"),
        Index("ix_outbox_messages_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[str] = mapped_column(String(36), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    target: Mapped[str] = mapped_column(String(255))  # a phone number, or "channel:<channel>"
    event_id: Mapped[str] = mapped_column(String(128))
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(12), default=PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # sent, recorded or given up

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.kind} {self.target} {self.event_id} {self.status}>"


class ChannelCallback(db.Model):
    """Where a channel system (12345, 110, the platform) wants to hear of its cases, and the
    shared secret its notices are signed with (kept in clear: the signature needs it)."""

    __tablename__ = "channel_callbacks"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(24), unique=True)
    url: Mapped[str] = mapped_column(String(500))
    secret: Mapped[str] = mapped_column(String(128))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
