"""Hotspot rules (thresholds an admin edits) and the warnings a week's scan found.

A rule without a row in `hotspot_rules` runs with its default (core.hotspots.DEFAULTS): the
migration seeds one row per rule, and a row is what an admin's edit changes. The warnings of a week
are replaced whole by each scan of that week, so the dashboard and the handout read stored rows.
Each scan also leaves its week's row in `hotspot_scans` (when, how many warnings, 0 included): a
week whose scan found nothing is "scanned, no warnings", never mistaken for the week before.
"""
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..cases.models import Case
from ..core.hotspots import RULE_CODES, RuleSettings
from ..db import UTCDateTime
from ..extensions import db

_RULE_LIST = ", ".join(f"'{code}'" for code in RULE_CODES)

# The address rule's GROUP BY reads cases of a window by address: its index, on the cases table
# (declared here, beside the rule that needs it).
Index("ix_cases_address_key_received", Case.address_key, Case.received_at)


class HotspotRule(db.Model):
    __tablename__ = "hotspot_rules"
    __table_args__ = (
        CheckConstraint(f"code IN ({_RULE_LIST})", name="code_known"),
        CheckConstraint("min_count >= 1", name="min_count_positive"),
        CheckConstraint("window_weeks >= 1", name="window_positive"),
        CheckConstraint("factor IS NULL OR factor >= 1", name="factor_at_least_one"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    min_count: Mapped[int] = mapped_column(Integer)
    window_weeks: Mapped[int] = mapped_column(Integer)
    factor: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    updated_by: Mapped[User | None] = relationship()

    def settings(self) -> RuleSettings:
        return RuleSettings(self.code, self.min_count, self.window_weeks, self.factor, self.active)


class HotspotWarning(db.Model):
    __tablename__ = "hotspot_warnings"
    __table_args__ = (UniqueConstraint("week", "rule", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    week: Mapped[date] = mapped_column(Date, index=True)  # the Monday of the week the scan ran in
    rule: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(160))
    count: Mapped[int] = mapped_column(Integer)
    case_ids: Mapped[list] = mapped_column(JSON, default=list)  # the newest core.hotspots.CASES_KEPT
    details: Mapped[dict] = mapped_column(JSON, default=dict)  # the figures the sentence (core.hotspots.WHY) needs
    found_at: Mapped[datetime] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<HotspotWarning {self.week} {self.rule} {self.key} {self.count}>"


class HotspotScan(db.Model):
    """A week's scan: written with the week's warnings, in the same transaction, by every scan."""

    __tablename__ = "hotspot_scans"
    __table_args__ = (CheckConstraint("warnings >= 0", name="warnings_not_negative"),)

    week: Mapped[date] = mapped_column(Date, primary_key=True)  # the Monday of the week the scan ran in
    scanned_at: Mapped[datetime] = mapped_column(UTCDateTime)
    warnings: Mapped[int] = mapped_column(Integer)  # how many it found (the week's hotspot_warnings rows)

    def __repr__(self) -> str:
        return f"<HotspotScan {self.week} {self.warnings}>"
