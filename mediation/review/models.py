"""卷宗评查 and 以案定补 as data: the checklist's items and weights, where the grades begin, the
subsidy per case by category and grade, and the review of each closing of a case.

A review keeps what the rules computed (score, grade, which items passed) beside a reviewer's
adjustment (grade, reason, who, when): re-computing rewrites only the computed columns, so an
adjustment stands, and the computed grade is always there to compare with it.

A review belongs to one closing, (case_id, closed_at): a reopened case keeps the review of the file
as it was closed (and the month that closing counted in keeps its figures); the file closed again is
reviewed afresh, and an adjustment of the earlier closing never carries over to it."""
from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..cases.models import Case
from ..core.review import GRADES, effective_grade
from ..db import UTCDateTime, utcnow
from ..extensions import db

_GRADE_LIST = ", ".join(f"'{g.value}'" for g in GRADES)


class ReviewItem(db.Model):
    """One checklist item (core.review.Item): its weight in points, mandatory, in use."""

    __tablename__ = "review_items"
    __table_args__ = (CheckConstraint("weight >= 0 AND weight <= 100", name="weight_range"),)

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    weight: Mapped[int] = mapped_column(Integer)
    mandatory: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)  # reviews computed before are stale


class ReviewGrade(db.Model):
    """Where a grade begins: a score of `min_score` or more earns it (the best such grade wins)."""

    __tablename__ = "review_grades"
    __table_args__ = (CheckConstraint(f"grade IN ({_GRADE_LIST})", name="grade_known"),
                      CheckConstraint("min_score >= 0 AND min_score <= 100", name="min_score_range"))

    grade: Mapped[str] = mapped_column(String(12), primary_key=True)
    min_score: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SubsidyRate(db.Model):
    """以案定补: yuan per case of `category` ("" for any category) graded `grade`."""

    __tablename__ = "subsidy_rates"
    __table_args__ = (UniqueConstraint("category", "grade"),
                      CheckConstraint(f"grade IN ({_GRADE_LIST})", name="grade_known"),
                      CheckConstraint("amount >= 0", name="amount_not_negative"))

    id: Mapped[int] = mapped_column(primary_key=True)
    category: Mapped[str] = mapped_column(String(16), default="")
    grade: Mapped[str] = mapped_column(String(12))
    amount: Mapped[Decimal] = mapped_column(Numeric(10, 2))


class CaseReview(db.Model):
    """The review of one closing of a case: the current outcome's, or an earlier one's (now in
    case_outcome_history) with the same closed_at. Rows are never moved to another closing."""

    __tablename__ = "case_reviews"
    __table_args__ = (
        UniqueConstraint("case_id", "closed_at"),
        CheckConstraint(f"grade IN ({_GRADE_LIST})", name="grade_known"),
        CheckConstraint(f"adjusted_grade IS NULL OR adjusted_grade IN ({_GRADE_LIST})", name="adjusted_grade_known"),
        CheckConstraint("(adjusted_grade IS NULL AND adjusted_reason IS NULL AND adjusted_by_id IS NULL AND "
                        "adjusted_at IS NULL) OR (adjusted_grade IS NOT NULL AND adjusted_reason IS NOT NULL AND "
                        "adjusted_by_id IS NOT NULL AND adjusted_at IS NOT NULL)", name="adjustment_complete"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    closed_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)  # the reviewed closing's: the month it counts in
    score: Mapped[int] = mapped_column(Integer)
    grade: Mapped[str] = mapped_column(String(12))
    items: Mapped[dict] = mapped_column(JSON, default=dict)  # {item code: passed, or null when it did not apply}
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    adjusted_grade: Mapped[str | None] = mapped_column(String(12))
    adjusted_reason: Mapped[str | None] = mapped_column(Text)
    adjusted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    adjusted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    case: Mapped[Case] = relationship()
    adjusted_by: Mapped[User | None] = relationship()

    @property
    def final_grade(self) -> str:
        return effective_grade(self.grade, self.adjusted_grade)
