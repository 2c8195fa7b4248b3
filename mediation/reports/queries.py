"""The reports' queries: a fixed number of set-based statements (GROUP BY, eager loads), whatever
the number of cases; the figures themselves are computed in core/statistics.py from the rows."""
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import and_, case as sql_case, exists, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from ..organisation.models import Office
from ..cases.models import (Case, CaseOutcome, MediationSession, ReturnVisit, Supervision,
                            TimelineEvent)
from ..cases.queries import is_due, is_open
from ..core.deadlines import DueState, DueWindow
from ..core.lifecycle import Status
from ..core.risk import RiskLevel
from ..core.statistics import (ClosedCases, NewCases, PeriodStatistics, TrendPoint, bucket_bounds,
                               local_bounds, period_statistics, tally_closed_cases, tally_new_cases,
                               trend_weeks, weekly_trend)
from ..core.town import Town
from ..core.vocab import SUCCESS_OUTCOMES
from ..extensions import db
from ..meetings.models import AgendaItem, Meeting

SUCCESS = [o.value for o in SUCCESS_OUTCOMES]


def _days_between(start, end):
    """(end - start) in days, as SQL: each dialect spells date arithmetic its own way."""
    if db.engine.dialect.name == "postgresql":
        return func.extract("epoch", end - start) / 86400.0
    return func.julianday(end) - func.julianday(start)


def _bucket_counts(column, bounds: list[datetime], *where) -> list[tuple[int, int]]:
    """(week index, count) for `column` falling in each [bounds[i], bounds[i+1]), in one GROUP BY.

    The bucket is a CASE over the week boundaries (portable across dialects); it is grouped in
    an outer query so PostgreSQL does not have to match two copies of a parameterised expression.
    """
    bucket = sql_case(*[(column < b, i) for i, b in enumerate(bounds[1:])], else_=len(bounds) - 1)
    inner = select(bucket.label("bucket")).where(column >= bounds[0], column < bounds[-1], *where).subquery()
    return [(int(b), int(n)) for b, n in db.session.execute(
        select(inner.c.bucket, func.count()).group_by(inner.c.bucket))]


# ---------------------------------------------------------------------------------------------
# Weekly summary
# ---------------------------------------------------------------------------------------------

@dataclass
class WeeklySummary:
    monday: date
    sunday: date
    now: datetime
    new: NewCases
    closed: ClosedCases
    overdue: list[Case]
    due_soon: list[Case]
    high_risk: list[Case]
    trend: list[TrendPoint]
    meeting: Meeting | None
    offices: dict[int, Office] = field(default_factory=dict)


def weekly_summary(monday: date, now: datetime, town: Town, meeting_id: int | None = None) -> WeeklySummary:
    """Everything the weekly printout shows, in a fixed number of queries (ten) whatever the number of cases."""
    start, end = local_bounds(monday, monday + timedelta(days=6), town.tz)
    offices = {o.id: o for o in db.session.scalars(select(Office).order_by(Office.id))}

    new_rows = db.session.execute(
        select(Case.channel, Case.category, Case.lead_office_id, func.count())
        .where(Case.received_at >= start, Case.received_at < end, Case.status != Status.MERGED.value)
        .group_by(Case.channel, Case.category, Case.lead_office_id)).all()
    closed_rows = db.session.execute(
        select(CaseOutcome.outcome, func.count(), func.sum(_days_between(Case.received_at, CaseOutcome.closed_at)))
        .join(Case, Case.id == CaseOutcome.case_id)
        .where(CaseOutcome.closed_at >= start, CaseOutcome.closed_at < end)
        .group_by(CaseOutcome.outcome)).all()

    listed = (joinedload(Case.lead_office), joinedload(Case.mediator))
    window = DueWindow.at(now, town.calendar, town.tz)
    overdue, due_soon = (db.session.scalars(
        select(Case).options(*listed).where(is_open(), is_due(state, window))
        .order_by(Case.next_deadline, Case.id)).all() for state in (DueState.OVERDUE, DueState.DUE_SOON))
    high_risk = db.session.scalars(
        select(Case).options(*listed).where(is_open(), Case.risk_level == RiskLevel.HIGH.value)
        .order_by(Case.received_at, Case.id)).all()

    mondays = trend_weeks(monday)
    bounds = bucket_bounds(mondays, town.tz)
    trend = weekly_trend(
        mondays,
        _bucket_counts(Case.received_at, bounds, Case.status != Status.MERGED.value),
        _bucket_counts(CaseOutcome.closed_at, bounds))

    meeting_query = select(Meeting).options(
        selectinload(Meeting.items).joinedload(AgendaItem.case).joinedload(Case.lead_office))
    if meeting_id is not None:
        meeting = db.session.scalar(meeting_query.where(Meeting.id == meeting_id))
    else:  # the next planned meeting, today's included
        today = local_bounds(now.astimezone(town.tz).date(), now.astimezone(town.tz).date(), town.tz)[0]
        meeting = db.session.scalar(meeting_query.where(Meeting.held_at.is_(None), Meeting.scheduled_at >= today)
                                    .order_by(Meeting.scheduled_at).limit(1))
    return WeeklySummary(monday=monday, sunday=monday + timedelta(days=6), now=now,
                         new=tally_new_cases(new_rows), closed=tally_closed_cases(closed_rows),
                         overdue=overdue, due_soon=due_soon, high_risk=list(high_risk), trend=trend,
                         meeting=meeting, offices=offices)


# ---------------------------------------------------------------------------------------------
# Statistics for a period
# ---------------------------------------------------------------------------------------------

def _closed_in(start: datetime, end: datetime):
    return and_(CaseOutcome.closed_at >= start, CaseOutcome.closed_at < end)


def period_figures(first: date, last: date, town: Town) -> PeriodStatistics:
    """Cases received in [first, last] (not rejected, not merged) by category and source; cases
    closed in it by category, outcome and amount; escalation prevented. Three queries."""
    start, end = local_bounds(first, last, town.tz)
    received = db.session.execute(
        select(Case.category, Case.channel, func.count())
        .where(Case.received_at >= start, Case.received_at < end,
               Case.status.not_in([Status.MERGED.value, Status.REJECTED.value]))
        .group_by(Case.category, Case.channel)).all()
    closed = db.session.execute(
        select(Case.category, Case.channel, CaseOutcome.outcome, func.count(), func.sum(CaseOutcome.amount))
        .join(Case, Case.id == CaseOutcome.case_id).where(_closed_in(start, end))
        .group_by(Case.category, Case.channel, CaseOutcome.outcome)).all()
    return period_statistics(received, closed, escalation_prevented=_escalation_prevented(start, end))


def _escalation_prevented(start: datetime, end: datetime) -> int:
    """防止民转刑: closed with an agreement in the period, and high risk or escalated at some point."""
    escalated_once = exists().where(TimelineEvent.case_id == Case.id, TimelineEvent.action == "escalate")
    return db.session.scalar(
        select(func.count()).select_from(CaseOutcome).join(Case, Case.id == CaseOutcome.case_id)
        .where(_closed_in(start, end), CaseOutcome.outcome.in_(SUCCESS),
               or_(Case.risk_level == RiskLevel.HIGH.value, Case.escalated.is_(True), escalated_once))) or 0


def closed_cases(first: date, last: date, town: Town):
    """The period's closed cases, one row each, for the spreadsheet (streamed, not loaded as objects)."""
    start, end = local_bounds(first, last, town.tz)
    return db.session.execute(
        select(Case.reference, Case.category, Case.channel, CaseOutcome.outcome, CaseOutcome.amount,
               Case.received_at, CaseOutcome.closed_at, Case.summary)
        .join(Case, Case.id == CaseOutcome.case_id).where(_closed_in(start, end))
        .order_by(CaseOutcome.closed_at, Case.id)).all()


# ---------------------------------------------------------------------------------------------
# One case, for its file and its agreement
# ---------------------------------------------------------------------------------------------

def load_case_file(case: Case) -> Case:
    """Everything a case file prints, in a fixed number of queries."""
    db.session.scalars(
        select(Case).where(Case.id == case.id).options(
            selectinload(Case.parties), selectinload(Case.co_offices),
            selectinload(Case.timeline).joinedload(TimelineEvent.actor),
            selectinload(Case.sessions).joinedload(MediationSession.logged_by),
            selectinload(Case.sessions).joinedload(MediationSession.office),
            selectinload(Case.outcome).joinedload(CaseOutcome.closed_by),
            selectinload(Case.return_visits).joinedload(ReturnVisit.visited_by),
            selectinload(Case.supervisions).joinedload(Supervision.created_by),
            joinedload(Case.lead_office), joinedload(Case.intake_office), joinedload(Case.village),
            joinedload(Case.mediator), joinedload(Case.registered_by))
    ).all()
    return case
