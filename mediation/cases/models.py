"""A case and what hangs off it: parties, co-offices, timeline, sessions, outcome, return visits.

Outcomes are never lost: `case_outcomes` holds each case's current outcome (at most one, what
statistics, reports and prints read), and reopening a case moves that row whole, with who reopened
it, when and why, into `case_outcome_history`, which is only ever inserted into. A `superseded_at`
flag on case_outcomes would have made every report filter it; a separate table leaves them right.
"""
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (JSON, Boolean, CheckConstraint, Column, Date, Float, ForeignKey, Index, Integer,
                        Numeric, String, Table, Text, UniqueConstraint, text)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..organisation.models import Office, Village
from ..auth.models import User
from ..core.contact import id_number_sex
from ..core.identity import TYPED_MAX
from ..core.lifecycle import Status
from ..core.risk import birth_date as birth_date_in
from ..core.vocab import Channel
from ..db import UTCDateTime, utcnow
from ..extensions import db

# The queue's order: the next deadline first, cases without one last, newest first among equals.
# One expression for the indexes and the query, so both databases sort through an index.
QUEUE_ORDER_SQL = "coalesce(next_deadline, '9999-12-31 23:59:59')"
QUEUE_FILTERS = ("status", "village_id", "channel", "category", "mediator_id", "lead_office_id")

_STATUS_LIST = ", ".join(f"'{s.value}'" for s in Status)
_CHANNEL_LIST = ", ".join(f"'{c.value}'" for c in Channel)

case_co_offices = Table(
    "case_co_offices", db.metadata,
    Column("case_id", ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True),
    Column("office_id", ForeignKey("offices.id"), primary_key=True, index=True),
)


class Case(db.Model):
    __tablename__ = "cases"
    __table_args__ = (
        UniqueConstraint("channel", "external_ref"),
        CheckConstraint(f"status IN ({_STATUS_LIST})", name="status_known"),
        CheckConstraint(f"channel IN ({_CHANNEL_LIST})", name="channel_known"),
        CheckConstraint("(status = 'merged' AND merged_into_id IS NOT NULL) OR "
                        "(status <> 'merged' AND merged_into_id IS NULL)", name="merged_has_target"),
        CheckConstraint("status <> 'rejected' OR reject_reason IS NOT NULL", name="rejected_has_reason"),
        CheckConstraint("extension_days >= 0 AND extension_days <= 30", name="extension_range"),
        Index("ix_cases_status_next_deadline", "status", "next_deadline"),
        Index("ix_cases_lead_office_next_deadline", "lead_office_id", "next_deadline"),
        Index("ix_cases_village_received", "village_id", "received_at"),  # duplicate suggestions
        # The queue's capped count and its counts per status, for a village and for "my cases".
        Index("ix_cases_village_status", "village_id", "status"),
        Index("ix_cases_mediator_status", "mediator_id", "status"),
        # The dashboard's open cases per office and status: read off the index, whatever the planner's
        # statistics say about the lead-office index (after ANALYZE SQLite walked all of that one).
        Index("ix_cases_status_lead_office", "status", "lead_office_id"),
        Index("ix_cases_queue", text(QUEUE_ORDER_SQL), text("id DESC")),
        *(Index(f"ix_cases_queue_{column}", column, text(QUEUE_ORDER_SQL), text("id DESC"))
          for column in QUEUE_FILTERS),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(24), unique=True)
    channel: Mapped[str] = mapped_column(String(24), index=True)
    external_ref: Mapped[str | None] = mapped_column(String(64), index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    registered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    intake_office_id: Mapped[int | None] = mapped_column(ForeignKey("offices.id"), index=True)

    category: Mapped[str] = mapped_column(String(16), index=True)
    summary: Mapped[str] = mapped_column(Text)
    village_id: Mapped[int | None] = mapped_column(ForeignKey("villages.id"), index=True)
    address: Mapped[str] = mapped_column(String(255), default="")
    address_key: Mapped[str | None] = mapped_column(String(64))  # core.addresses.address_key: hotspot warnings

    status: Mapped[str] = mapped_column(String(16), default=Status.REGISTERED.value, index=True)
    lead_office_id: Mapped[int | None] = mapped_column(ForeignKey("offices.id"), index=True)
    mediator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)

    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accept_by: Mapped[datetime | None] = mapped_column(UTCDateTime)
    conclude_by: Mapped[datetime | None] = mapped_column(UTCDateTime)
    follow_up_by: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmation_by: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reply_by: Mapped[datetime | None] = mapped_column(UTCDateTime)  # answer the channel (12345) by
    supervision_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # 督办 instruction's due date
    next_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    next_stage: Mapped[str | None] = mapped_column(String(16))
    deadline_provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    extension_days: Mapped[int] = mapped_column(Integer, default=0)
    mediation_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # accepted, or reopened
    suspended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    suspended_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    # Set by the overdue sweep: due_soon, overdue, or NULL; a change of it notifies once.
    due_state: Mapped[str | None] = mapped_column(String(8), index=True)
    due_state_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # What the channel sent beyond the common fields, kept verbatim (12345 work-order type,
    # 110 incident number, grid id, platform application number …).
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    channel_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the channel's own deadline
    amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))  # the sum in dispute, if any
    people_involved: Mapped[int | None] = mapped_column(Integer)  # when more than the listed parties
    violence: Mapped[bool] = mapped_column(Boolean, default=False)  # violence, injury or threats reported
    content_hash: Mapped[str | None] = mapped_column(String(64))  # of the channel's submission: idempotency

    escalated: Mapped[bool] = mapped_column(Boolean, default=False)
    risk_level: Mapped[str] = mapped_column(String(8), default="low", index=True)
    risk_reasons: Mapped[list] = mapped_column(JSON, default=list)
    # Beside a reason, the earlier case that made it fire: {"repeat_dispute": "XH-…"}; NULL when none
    # (and on cases assessed before it was kept: their reasons show without a link).
    risk_evidence: Mapped[dict | None] = mapped_column(JSON)
    routing_rule_id: Mapped[int | None] = mapped_column(ForeignKey("routing_rules.id", ondelete="SET NULL"))
    reject_reason: Mapped[str | None] = mapped_column(Text)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow, index=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}

    village: Mapped[Village | None] = relationship()
    lead_office: Mapped[Office | None] = relationship(foreign_keys=[lead_office_id])
    intake_office: Mapped[Office | None] = relationship(foreign_keys=[intake_office_id])
    mediator: Mapped[User | None] = relationship(foreign_keys=[mediator_id])
    registered_by: Mapped[User | None] = relationship(foreign_keys=[registered_by_id])
    merged_into: Mapped["Case | None"] = relationship(remote_side=[id], back_populates="absorbed")
    absorbed: Mapped[list["Case"]] = relationship(back_populates="merged_into", order_by="Case.id")
    routing_rule: Mapped["RoutingRule | None"] = relationship()
    co_offices: Mapped[list[Office]] = relationship(secondary=case_co_offices, order_by=Office.id)
    parties: Mapped[list["Party"]] = relationship(back_populates="case", order_by="Party.id",
                                                  cascade="all, delete-orphan")
    timeline: Mapped[list["TimelineEvent"]] = relationship(
        back_populates="case", order_by="TimelineEvent.id", cascade="all, delete-orphan")
    sessions: Mapped[list["MediationSession"]] = relationship(
        back_populates="case", order_by="MediationSession.held_at", cascade="all, delete-orphan")
    outcome: Mapped["CaseOutcome | None"] = relationship(back_populates="case", cascade="all, delete-orphan")
    # Earlier outcomes (CaseOutcomeHistory): no delete cascade, and passive_deletes="all" keeps the ORM from
    # touching them when the case goes, so the database refuses to delete a case that has any.
    outcome_history: Mapped[list["CaseOutcomeHistory"]] = relationship(
        back_populates="case", order_by="CaseOutcomeHistory.id", cascade="save-update, merge", passive_deletes="all")
    return_visits: Mapped[list["ReturnVisit"]] = relationship(
        back_populates="case", order_by="ReturnVisit.id", cascade="all, delete-orphan")
    supervisions: Mapped[list["Supervision"]] = relationship(
        back_populates="case", order_by="Supervision.id", cascade="all, delete-orphan")

    @property
    def status_enum(self) -> Status:
        return Status(self.status)

    @property
    def office_ids(self) -> set[int]:
        """Offices working the case: lead and co-offices."""
        ids = {o.id for o in self.co_offices}
        if self.lead_office_id:
            ids.add(self.lead_office_id)
        return ids

    def __repr__(self) -> str:
        return f"<Case {self.reference} {self.status}>"


class Party(db.Model):
    __tablename__ = "parties"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(64), index=True)
    role: Mapped[str] = mapped_column(String(16))
    # The normal forms (core.contact), which duplicates, risk and search match on; beside each,
    # what was typed or sent (+86 138 0013 8000, a 15-digit card), kept as evidence of the intake.
    phone: Mapped[str | None] = mapped_column(String(20), index=True)
    phone_typed: Mapped[str | None] = mapped_column(String(TYPED_MAX))
    id_number: Mapped[str | None] = mapped_column(String(18), index=True)
    id_number_typed: Mapped[str | None] = mapped_column(String(TYPED_MAX))
    address: Mapped[str | None] = mapped_column(String(255))
    ethnicity: Mapped[str | None] = mapped_column(String(16))  # 民族, as the party states it (汉族, 回族 …)
    vulnerable: Mapped[bool] = mapped_column(Boolean, default=False)  # elderly, minor or disabled
    has_petitioned: Mapped[bool] = mapped_column(Boolean, default=False)  # has petitioned (信访) before
    name_key: Mapped[str | None] = mapped_column(String(64), index=True)  # core.hotspots.party_name_key

    case: Mapped[Case] = relationship(back_populates="parties")

    @property
    def sex(self) -> str | None:
        """'male' or 'female', read from the ID number; None without one."""
        return id_number_sex(self.id_number) if self.id_number and len(self.id_number) == 18 else None

    @property
    def birth_date(self) -> date | None:
        return birth_date_in(self.id_number)


class TimelineEvent(db.Model):
    """One entry of a case's history; written by the lifecycle service with every change."""

    __tablename__ = "timeline_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(24))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str | None] = mapped_column(String(16))
    details: Mapped[dict] = mapped_column(JSON, default=dict)

    case: Mapped[Case] = relationship(back_populates="timeline")
    actor: Mapped[User | None] = relationship()


class MediationSession(db.Model):
    """调解记录 (人民调解法 art. 27): one meeting or call with the parties."""

    __tablename__ = "mediation_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    held_at: Mapped[datetime] = mapped_column(UTCDateTime)
    logged_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"))
    method: Mapped[str] = mapped_column(String(16))
    place: Mapped[str] = mapped_column(String(128), default="")
    participants: Mapped[str] = mapped_column(Text, default="")
    record: Mapped[str] = mapped_column(Text)
    next_steps: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    case: Mapped[Case] = relationship(back_populates="sessions")
    logged_by: Mapped[User] = relationship()
    office: Mapped[Office] = relationship()


class OutcomeContent:
    """What an outcome says, the same in the current outcome and in each earlier one. closed_at is
    indexed in both: statistics count each period's closings from both, so a reopen never changes
    a period already reported."""

    agreement_text: Mapped[str | None] = mapped_column(Text)
    amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    performance_terms: Mapped[str | None] = mapped_column(Text)
    referred_to: Mapped[str | None] = mapped_column(String(255))
    # 人民调解法 art. 29: signed on, in effect from (the last signature or seal; art. 33's window runs
    # from it), and performed by. Local dates, as written on the agreement.
    signed_on: Mapped[date | None] = mapped_column(Date)
    effective_on: Mapped[date | None] = mapped_column(Date)
    performance_due_on: Mapped[date | None] = mapped_column(Date)
    closed_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    closed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))


class CaseOutcome(OutcomeContent, db.Model):
    """The case's current outcome: one row at most per case, what statistics and prints read.

    Reopening moves the row whole into CaseOutcomeHistory before it goes (cases.services._reopen),
    so `case.outcome` keeps meaning "the outcome now" and nothing it said is lost.
    """

    __tablename__ = "case_outcomes"
    __table_args__ = (
        CheckConstraint("outcome <> 'agreement_written' OR (agreement_text IS NOT NULL AND "
                        "amount IS NOT NULL AND performance_terms IS NOT NULL)",
                        name="written_agreement_complete"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), unique=True)
    outcome: Mapped[str] = mapped_column(String(24), index=True)

    case: Mapped[Case] = relationship(back_populates="outcome")
    closed_by: Mapped[User] = relationship()


class CaseOutcomeHistory(OutcomeContent, db.Model):
    """An earlier outcome of a reopened case: the CaseOutcome row as it was, and who reopened it when and why.

    A separate table rather than a `superseded_at` flag on case_outcomes: the statistics, reports and the
    one-outcome-per-case rule read case_outcomes as "the current outcomes" and stay right unchanged.
    Rows are only ever inserted; the case's foreign key has no ON DELETE, so the database refuses to
    delete a case that has history, and no ORM cascade reaches them.
    """

    __tablename__ = "case_outcome_history"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    outcome: Mapped[str] = mapped_column(String(24))
    reopened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reopened_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reopen_reason: Mapped[str] = mapped_column(Text)

    case: Mapped[Case] = relationship(back_populates="outcome_history")
    # Loaded with the rows: the case page and file name both people of every earlier outcome.
    closed_by: Mapped[User] = relationship(foreign_keys="CaseOutcomeHistory.closed_by_id", lazy="selectin")
    reopened_by: Mapped[User] = relationship(foreign_keys=[reopened_by_id], lazy="selectin")

    @classmethod
    def superseding(cls, outcome: CaseOutcome, *, reopened_at: datetime, reopened_by_id: int,
                    reason: str) -> "CaseOutcomeHistory":
        """The history row for `outcome`, copied column by column: a column added to CaseOutcome but
        not here fails loudly instead of being dropped."""
        kept = {column.key: getattr(outcome, column.key) for column in CaseOutcome.__table__.columns
                if column.key != "id"}
        return cls(**kept, reopened_at=reopened_at, reopened_by_id=reopened_by_id, reopen_reason=reason)


class ReturnVisit(db.Model):
    """回访 after closing: was the agreement performed, is the dispute calm, is the party satisfied.

    Closing schedules one (`due_on`, the planned `method`, `scheduled_by`); recording the visit fills
    in when and by whom it was made, how, what was found and the party's satisfaction. A row with
    `visited_at` NULL is a visit still to make; the case's `follow_up_by` is the end of its `due_on`."""

    __tablename__ = "return_visits"
    __table_args__ = (
        CheckConstraint("visited_at IS NULL OR (performance IS NOT NULL AND visited_by_id IS NOT NULL)",
                        name="visited_has_finding"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    due_on: Mapped[date | None] = mapped_column(Date)  # scheduled at closing (rows from before: NULL)
    scheduled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    method: Mapped[str | None] = mapped_column(String(16))  # core.vocab.ReturnVisitMethod
    visited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    visited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    performance: Mapped[str | None] = mapped_column(String(16))  # core.vocab.Performance
    satisfaction: Mapped[str | None] = mapped_column(String(24))  # core.vocab.Satisfaction
    notes: Mapped[str] = mapped_column(Text, default="")

    case: Mapped[Case] = relationship(back_populates="return_visits")
    visited_by: Mapped[User | None] = relationship(foreign_keys=[visited_by_id])
    scheduled_by: Mapped[User | None] = relationship(foreign_keys=[scheduled_by_id])

    @property
    def done(self) -> bool:
        return self.visited_at is not None


class Supervision(db.Model):
    """督办: the judicial office's instruction on a case, with its own due date (a deadline), and the
    mediator's answer (反馈). Done when answered or when the case closed (or was rejected or merged)."""

    __tablename__ = "supervisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    instruction: Mapped[str] = mapped_column(Text)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id", ondelete="SET NULL"))
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the case closed or it was answered
    answer: Mapped[str | None] = mapped_column(Text)  # 反馈
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    case: Mapped[Case] = relationship(back_populates="supervisions")
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    answered_by: Mapped[User | None] = relationship(foreign_keys=[answered_by_id])


class CaseLink(db.Model):
    """Two cases about the same dispute that both stay open, cross-referenced."""

    __tablename__ = "case_links"
    __table_args__ = (CheckConstraint("case_id < other_case_id", name="ordered_pair"),)

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    other_case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True,
                                               index=True)
    linked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RoutingRule(db.Model):
    """One routing rule (三所联动), tried in `position` order; the first that matches proposes offices.

    Conditions left empty do not constrain. `combine` says whether the set conditions must
    all hold or any one is enough (DESIGN.md's rule 2 is "five or more parties, or high risk").
    """

    __tablename__ = "routing_rules"
    __table_args__ = (CheckConstraint("combine IN ('all', 'any')", name="combine_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    position: Mapped[int] = mapped_column(Integer, index=True)
    name: Mapped[str] = mapped_column(String(128))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    combine: Mapped[str] = mapped_column(String(3), default="all")
    channels: Mapped[list] = mapped_column(JSON, default=list)
    categories: Mapped[list] = mapped_column(JSON, default=list)
    min_amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    min_parties: Mapped[int | None] = mapped_column(Integer)
    requires_violence: Mapped[bool] = mapped_column(Boolean, default=False)
    min_risk_level: Mapped[str | None] = mapped_column(String(8))
    lead_office_id: Mapped[int | None] = mapped_column(ForeignKey("offices.id"))
    lead_is_village_committee: Mapped[bool] = mapped_column(Boolean, default=False)
    co_office_ids: Mapped[list] = mapped_column(JSON, default=list)
    flag_for_meeting: Mapped[bool] = mapped_column(Boolean, default=False)

    lead_office: Mapped[Office | None] = relationship()


class ReferenceCounter(db.Model):
    """Last number handed out per prefix and year; incremented in the registering transaction."""

    __tablename__ = "reference_counters"

    prefix: Mapped[str] = mapped_column(String(8), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_value: Mapped[int] = mapped_column(Integer, default=0)


class CaseSearchTerm(db.Model):
    """One term a case is found by (core/search.py), rewritten whenever its searchable text changes.
    The primary key (term, case_id) is the index a search walks, newest case first."""

    __tablename__ = "case_search_terms"

    term: Mapped[str] = mapped_column(String(40), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True, index=True)
