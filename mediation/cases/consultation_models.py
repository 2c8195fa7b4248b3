"""难题会诊: a question to a linked office (law firm, judicial office, police station) on a case, with
its due date, and the office's answer. Asked and answered through cases/consultations.py, each step
on the case's timeline in the same transaction.

A row with `answered_at` NULL is a question still open; the sweep flags one past `due_at` once
(`overdue_notified_at`). The indexes are the three ways the rows are read: one case's questions
(the case page and file), an office's open questions by due date (the liaison's queue), and every
open question by due date (the supervisors' queue, the sweep, the weekly handout)."""
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..db import UTCDateTime
from ..extensions import db
from ..organisation.models import Office
from .models import Case


class Consultation(db.Model):
    __tablename__ = "consultations"
    __table_args__ = (
        CheckConstraint("(answered_at IS NULL AND answer IS NULL AND answered_by_id IS NULL) OR "
                        "(answered_at IS NOT NULL AND answer IS NOT NULL AND answered_by_id IS NOT NULL)",
                        name="answer_complete"),
        Index("ix_consultations_office_open", "office_id", "answered_at", "due_at"),
        Index("ix_consultations_open_due", "answered_at", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"))  # the office asked
    question: Mapped[str] = mapped_column(Text)
    asked_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    answer: Mapped[str | None] = mapped_column(Text)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    overdue_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the sweep's flag, set once

    case: Mapped[Case] = relationship()
    office: Mapped[Office] = relationship()
    asked_by: Mapped[User] = relationship(foreign_keys=[asked_by_id])
    answered_by: Mapped[User | None] = relationship(foreign_keys=[answered_by_id])

    def state(self, now: datetime) -> str:
        """labels.py "consultation_state": answered, overdue (past due, no answer) or unanswered."""
        if self.answered_at is not None:
            return "answered"
        return "overdue" if self.due_at < now else "unanswered"

    def __repr__(self) -> str:
        return f"<Consultation {self.id} case={self.case_id} office={self.office_id}>"
