"""Joint meetings (联席会议) and their agendas."""
from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import UTCDateTime, utcnow
from ..extensions import db


class Meeting(db.Model):
    __tablename__ = "meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    scheduled_at: Mapped[datetime] = mapped_column(UTCDateTime, unique=True)
    agenda_built_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    minutes: Mapped[str] = mapped_column(Text, default="")
    attendees: Mapped[str] = mapped_column(Text, default="")  # who came, as written in the minutes
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    held_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # closed: read-only from then on
    # 期号 of the weekly handout: the meeting's number within its year, given when first numbered.
    issue_number: Mapped[int | None] = mapped_column(Integer)

    items: Mapped[list["AgendaItem"]] = relationship(back_populates="meeting", order_by="AgendaItem.id",
                                                     cascade="all, delete-orphan")


class AgendaItem(db.Model):
    __tablename__ = "agenda_items"
    __table_args__ = (UniqueConstraint("meeting_id", "case_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    reasons: Mapped[list] = mapped_column(JSON, default=list)  # overdue, due_soon, high_risk, escalated, supervised
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    added_by_job: Mapped[bool] = mapped_column(Boolean, default=True)
    # The meeting's decision on the item: lead office, instruction, new deadline.
    decision: Mapped[str | None] = mapped_column(Text)
    decided_lead_office_id: Mapped[int | None] = mapped_column(ForeignKey("offices.id"))
    decided_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    meeting: Mapped[Meeting] = relationship(back_populates="items")
    case = relationship("Case")
