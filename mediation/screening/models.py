"""矛盾纠纷排查 / 零上报: each village committee's monthly screening report, and the town's due day.

One row per committee and month (`month` is the month's first day), written through
screening/services.py. The database holds the rules a report cannot break whoever writes it:
no negative count, mediated and in-progress no more than found, a nil report (零上报) with
nothing in it. The unique (office, month) is also the index the committee's own page reads;
`ix_screening_reports_month` serves the overview, the sweep and the summaries (every committee
in one month, or a period's months)."""
from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..core.screening import DEFAULT_DUE_DAY, DEFAULT_REMIND_DAYS, MAX_DUE_DAY, MAX_REMIND_DAYS
from ..db import UTCDateTime
from ..extensions import db
from ..organisation.models import Office


class ScreeningReport(db.Model):
    __tablename__ = "screening_reports"
    __table_args__ = (
        UniqueConstraint("office_id", "month"),
        CheckConstraint("disputes_found >= 0 AND mediated >= 0 AND in_progress >= 0", name="counts_not_negative"),
        CheckConstraint("mediated + in_progress <= disputes_found", name="mediated_within_found"),
        CheckConstraint("NOT nil_report OR (disputes_found = 0 AND risks_and_hazards = '' AND key_disputes = '')",
                        name="nil_is_empty"),
        Index("ix_screening_reports_month", "month"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"))  # a village committee
    month: Mapped[date] = mapped_column(Date)  # the first day of the month screened
    nil_report: Mapped[bool] = mapped_column(Boolean, default=False)  # 零上报: nothing found
    disputes_found: Mapped[int] = mapped_column(Integer, default=0)
    mediated: Mapped[int] = mapped_column(Integer, default=0)  # of those found, mediated (调处化解)
    in_progress: Mapped[int] = mapped_column(Integer, default=0)  # of those found, still being mediated
    risks_and_hazards: Mapped[str] = mapped_column(Text, default="")  # 风险隐患
    key_disputes: Mapped[str] = mapped_column(Text, default="")  # 重点纠纷: a note on the main ones
    submitted_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revised_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    revised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, nullable=False)  # optimistic lock: two revisions never cross

    office: Mapped[Office] = relationship()
    submitted_by: Mapped[User] = relationship(foreign_keys=[submitted_by_id])
    revised_by: Mapped[User | None] = relationship(foreign_keys=[revised_by_id])

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<ScreeningReport office={self.office_id} {self.month:%Y-%m}{' nil' if self.nil_report else ''}>"


class ScreeningSettings(db.Model):
    """The town's due day and reminder lead, one row (id 1) an admin edits at /screening/settings.
    Without the row the defaults of core/screening.py apply."""

    __tablename__ = "screening_settings"
    __table_args__ = (
        CheckConstraint("id = 1", name="single_row"),
        CheckConstraint(f"due_day >= 1 AND due_day <= {MAX_DUE_DAY}", name="due_day_range"),
        CheckConstraint(f"remind_days >= 0 AND remind_days <= {MAX_REMIND_DAYS}", name="remind_days_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    due_day: Mapped[int] = mapped_column(Integer, default=DEFAULT_DUE_DAY)
    remind_days: Mapped[int] = mapped_column(Integer, default=DEFAULT_REMIND_DAYS)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
