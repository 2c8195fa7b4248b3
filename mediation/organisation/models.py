"""The town's own data: villages and offices. Edited by an admin, never hard-coded."""
from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import UTCDateTime, utcnow
from ..extensions import db


class Village(db.Model):
    __tablename__ = "villages"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    is_community: Mapped[bool] = mapped_column(Boolean, default=False)

    def __repr__(self) -> str:
        return f"<Village {self.code}>"


class Office(db.Model):
    __tablename__ = "offices"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(32), index=True)
    village_id: Mapped[int | None] = mapped_column(ForeignKey("villages.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    village: Mapped[Village | None] = relationship()

    def __repr__(self) -> str:
        return f"<Office {self.code}>"


class CalendarOverride(db.Model):
    """A day an admin marks as a working day or a day off, over the holiday package."""

    __tablename__ = "calendar_overrides"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    is_workday: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str] = mapped_column(String(64), default="")


class CalendarYear(db.Model):
    """A year whose holidays and make-up workdays an admin has entered in full."""

    __tablename__ = "calendar_years"

    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class DeadlinePolicy(db.Model):
    """One row of DESIGN.md's deadline table. Empty channel or variant means any."""

    __tablename__ = "deadline_policies"
    __table_args__ = (
        UniqueConstraint("stage", "channel", "variant"),
        CheckConstraint("unit IN ('working', 'calendar')", name="unit_known"),
        CheckConstraint("days >= 0 AND days <= 366", name="days_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    stage: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(24), default="")
    variant: Mapped[str] = mapped_column(String(16), default="")
    days: Mapped[int] = mapped_column(Integer)
    unit: Mapped[str] = mapped_column(String(8))
