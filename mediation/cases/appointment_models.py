"""A scheduled mediation session (调解安排): when and where, who is invited, and whether it was called off.

Separate from `MediationSession` (调解记录), which records a session that was held: a scheduled
session may never be held (cancelled, or the parties did not come), and a held one may not have
been scheduled here. The parties invited are a list of party ids of the case; the outbox rows of
the SMS sent for it are found by their event ids (core.notices.event_id), not by a foreign key.
"""
from datetime import datetime

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..db import UTCDateTime, utcnow
from ..extensions import db
from .models import Case


class SessionAppointment(db.Model):
    __tablename__ = "session_appointments"
    __table_args__ = (
        CheckConstraint("(cancelled_at IS NULL AND cancelled_by_id IS NULL AND cancel_reason IS NULL) OR "
                        "(cancelled_at IS NOT NULL AND cancelled_by_id IS NOT NULL AND cancel_reason IS NOT NULL)",
                        name="cancelled_complete"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    place: Mapped[str] = mapped_column(String(128))
    party_ids: Mapped[list] = mapped_column(JSON, default=list)  # the invited parties of the case
    other_invitees: Mapped[str] = mapped_column(String(255), default="")  # 村调委会主任, 律师 …
    note: Mapped[str] = mapped_column(Text, default="")
    sms_requested: Mapped[bool] = mapped_column(Boolean, default=True)
    scheduled_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    cancel_reason: Mapped[str | None] = mapped_column(Text)

    case: Mapped[Case] = relationship()
    scheduled_by: Mapped[User] = relationship(foreign_keys=[scheduled_by_id])
    cancelled_by: Mapped[User | None] = relationship(foreign_keys=[cancelled_by_id])

    @property
    def cancelled(self) -> bool:
        return self.cancelled_at is not None

    def upcoming(self, now: datetime) -> bool:
        return not self.cancelled and self.starts_at > now

    def __repr__(self) -> str:
        return f"<SessionAppointment {self.id} case={self.case_id} {self.starts_at.isoformat()}>"
