"""The reports' queries: a fixed number of set-based statements (GROUP BY, eager loads), whatever
the number of cases; the figures themselves are computed in core/statistics.py from the rows."""
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import (Float, and_, case as sql_case, exists, func, literal, or_, select, text, true, type_coerce,
                        union_all)
from sqlalchemy.orm import joinedload, selectinload

from ..auth.models import User
from ..organisation.models import Office
from ..cases.access import case_in_scope, in_scope
from ..cases.models import (Case, CaseOutcome, CaseOutcomeHistory, MediationSession, ReturnVisit, Supervision,
                            TimelineEvent)
from ..cases.consultation_models import Consultation
from ..cases.queries import is_due, is_open
from ..core.deadlines import DueState, DueWindow
from ..core.lifecycle import Status
from ..core.risk import RiskLevel
from ..core.statistics import (AGENDA_LIMIT, LIST_LIMIT, Capped, ClosedCases, NewCases, PeriodStatistics,
                               SatisfactionCounts, TrendPoint, bucket_bounds, capped, fixed_utc_offset, local_bounds,
                               period_statistics, tally_closed_cases, tally_new_cases, tally_satisfaction,
                               trend_weeks, weekly_trend)
from ..core.town import Town
from ..core.vocab import MAX_YEAR, MIN_YEAR, SUCCESS_OUTCOMES
from ..extensions import db
from ..meetings.models import AgendaItem, Meeting

SUCCESS = [o.value for o in SUCCESS_OUTCOMES]


def _days_between(start, end):
    """(end - start) in days, as SQL: each dialect spells date arithmetic its own way."""
    if db.engine.dialect.name == "postgresql":
        return func.extract("epoch", end - start) / 86400.0
    return func.julianday(end) - func.julianday(start)


def _closings(start: datetime, end: datetime):
    """Every closing in [start, end), as a subquery (case_id, outcome, amount, closed_at, row_id, earlier):
    the current outcomes and the earlier ones a reopen moved into the history, each counted in the period
    it was closed in. A period already reported keeps its figures when a case closed in it is reopened
    and closed again later. Each branch is a range on its own closed_at index; UNION ALL, one statement."""
    def branch(table, earlier: int):
        return (select(table.case_id.label("case_id"), table.outcome.label("outcome"), table.amount.label("amount"),
                       table.closed_at.label("closed_at"), table.id.label("row_id"), literal(earlier).label("earlier"))
                .where(table.closed_at >= start, table.closed_at < end))
    return union_all(branch(CaseOutcome, 0), branch(CaseOutcomeHistory, 1)).subquery("closings")


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
    overdue: Capped[Case]  # oldest deadline first
    due_soon: Capped[Case]  # nearest deadline first
    high_risk: Capped[Case]  # longest received first
    trend: list[TrendPoint]
    meeting: Meeting | None
    agenda: Capped[AgendaItem] = field(default_factory=lambda: capped([], 0))  # in the agenda's order
    agenda_undecided: int = 0  # items of the whole agenda without a recorded decision
    offices: dict[int, Office] = field(default_factory=dict)
    satisfaction: SatisfactionCounts = field(default_factory=tally_satisfaction)  # return visits made in the week
    # 难题会诊 questions of open cases still unanswered at the time of printing, the earliest due first.
    consultations: Capped[Consultation] = field(default_factory=lambda: capped([], 0))


def _first_of(entity, where, order, limit: int, options=(), **windows):
    """The first `limit` rows of `entity` matching `where` in `order`, with how many match in all
    (`total`) and any other `windows` over all of them: one query, as rows (entity, total, *windows).

    The matching rows are picked first, narrow (id, sort keys, the counts as windows), in a
    MATERIALIZED CTE, then sorted and cut. Without that barrier PostgreSQL answers ORDER BY received_at
    LIMIT 30 by walking the received_at index from the oldest of a million cases, expecting to meet
    open ones soon; the open ones are a few thousand, all recent (measured: 0.4 s instead of 20 ms)."""
    keys = [column.label(f"key{i}") for i, column in enumerate(order)]
    counts = {"total": func.count().over(), **windows}
    listed = (select(entity.id.label("row_id"), *keys, *[w.label(name) for name, w in counts.items()])
              .where(*where).cte("listed").prefix_with("MATERIALIZED"))
    return db.session.execute(
        select(entity, *[listed.c[name] for name in counts]).join(listed, listed.c.row_id == entity.id)
        .options(*options).order_by(*[listed.c[key.name] for key in keys]).limit(limit)).all()


def _first_cases(where, order, options) -> Capped[Case]:
    rows = _first_of(Case, where, order, LIST_LIMIT, options)
    return capped([row[0] for row in rows], rows[0].total if rows else 0)


def weekly_summary(monday: date, now: datetime, town: Town, meeting_id: int | None = None,
                   reader: User | None = None) -> WeeklySummary:
    """Everything the weekly printout shows, in a fixed number of queries (twelve) whatever the number of
    cases: each list is LIMITed to what a meeting can discuss and counted exactly in the same query.

    With a `reader`, every figure, list and agenda item covers only the cases the reader may see
    (cases/access.py, as SQL in the same queries): a liaison's summary is its own office's."""
    start, end = local_bounds(monday, monday + timedelta(days=6), town.tz)
    scope = _scope(reader)
    offices = {o.id: o for o in db.session.scalars(select(Office).order_by(Office.id))}

    new_rows = db.session.execute(
        select(Case.channel, Case.category, Case.lead_office_id, func.count())
        .where(Case.received_at >= start, Case.received_at < end, Case.status != Status.MERGED.value, scope)
        .group_by(Case.channel, Case.category, Case.lead_office_id)).all()
    closings = _closings(start, end)
    closed_rows = db.session.execute(
        select(closings.c.outcome, func.count(), func.sum(_days_between(Case.received_at, closings.c.closed_at)))
        .join(Case, Case.id == closings.c.case_id).where(scope)
        .group_by(closings.c.outcome)).all()

    listed = (joinedload(Case.lead_office), joinedload(Case.mediator))
    window = DueWindow.at(now, town.calendar, town.tz)
    overdue = _first_cases((is_open(), is_due(DueState.OVERDUE, window), scope), (Case.next_deadline, Case.id),
                           listed)
    due_soon = _first_cases((is_open(), is_due(DueState.DUE_SOON, window), scope), (Case.next_deadline, Case.id),
                            listed)
    high_risk = _first_cases((is_open(), Case.risk_level == RiskLevel.HIGH.value, scope), (Case.received_at, Case.id),
                             listed)

    mondays = trend_weeks(monday)
    bounds = bucket_bounds(mondays, town.tz)
    trend_closings = _closings(bounds[0], bounds[-1])
    outcome_scope = case_in_scope(reader, trend_closings.c.case_id) if reader is not None else true()
    trend = weekly_trend(
        mondays,
        _bucket_counts(Case.received_at, bounds, Case.status != Status.MERGED.value, scope),
        _bucket_counts(trend_closings.c.closed_at, bounds, outcome_scope))

    if meeting_id is not None:
        meeting = db.session.get(Meeting, meeting_id)  # already loaded by the view: no query
    else:  # the next planned meeting, today's included
        today = local_bounds(now.astimezone(town.tz).date(), now.astimezone(town.tz).date(), town.tz)[0]
        meeting = db.session.scalar(select(Meeting).where(Meeting.held_at.is_(None), Meeting.scheduled_at >= today)
                                    .order_by(Meeting.scheduled_at).limit(1))
    agenda, undecided = capped([], 0), 0
    if meeting is not None:
        agenda_scope = case_in_scope(reader, AgendaItem.case_id) if reader is not None else true()
        rows = _first_of(AgendaItem, (AgendaItem.meeting_id == meeting.id, agenda_scope), (AgendaItem.id,), AGENDA_LIMIT,
                         (joinedload(AgendaItem.case).joinedload(Case.lead_office),),
                         decided=func.count(AgendaItem.decided_at).over())
        agenda = capped([row[0] for row in rows], rows[0].total if rows else 0)
        undecided = agenda.total - (rows[0].decided if rows else 0)
    consultations = unanswered_consultations(scope)
    return WeeklySummary(monday=monday, sunday=monday + timedelta(days=6), now=now,
                         new=tally_new_cases(new_rows), closed=tally_closed_cases(closed_rows),
                         overdue=overdue, due_soon=due_soon, high_risk=high_risk, trend=trend,
                         meeting=meeting, agenda=agenda, agenda_undecided=undecided, offices=offices,
                         satisfaction=tally_satisfaction(_satisfaction_rows(start, end, scope)),
                         consultations=consultations)


def unanswered_consultations(scope) -> Capped[Consultation]:
    """Unanswered questions (难题会诊) on open cases within `scope` (a clause on Case), the earliest due first
    (so the overdue ones lead), with the office asked, the case and who asked: one query, LIMITed and
    counted. A correlated EXISTS per open question: they are few, each a primary-key lookup."""
    case_open = exists().where(Case.id == Consultation.case_id, is_open(), scope)
    rows = _first_of(Consultation, (Consultation.answered_at.is_(None), case_open),
                     (Consultation.due_at, Consultation.id), LIST_LIMIT,
                     (joinedload(Consultation.case), joinedload(Consultation.office), joinedload(Consultation.asked_by)))
    return capped([row[0] for row in rows], rows[0].total if rows else 0)


def _satisfaction_rows(start: datetime, end: datetime, scope) -> list:
    """(satisfaction, count) of the return visits made in [start, end) on cases in `scope`: one GROUP BY.
    A visit still to make (visited_at NULL) is in no period."""
    return db.session.execute(
        select(ReturnVisit.satisfaction, func.count())
        .join(Case, Case.id == ReturnVisit.case_id)
        .where(ReturnVisit.visited_at >= start, ReturnVisit.visited_at < end, scope)
        .group_by(ReturnVisit.satisfaction)).all()


def satisfaction_counts(first: date, last: date, town: Town, reader: User | None = None) -> list:
    """(satisfaction, count) of the return visits made in [first, last], for the statistics and their export."""
    start, end = local_bounds(first, last, town.tz)
    return _satisfaction_rows(start, end, _scope(reader))


def issue_number(meeting: Meeting, tz) -> int:
    """The meeting's 期号, given the first time its handout is printed: one more than the meetings
    scheduled before it in the same (local) year. Kept once given, so a reprint keeps its number; the
    caller commits."""
    if meeting.issue_number is None:
        year_start = datetime(meeting.scheduled_at.astimezone(tz).year, 1, 1, tzinfo=tz)
        before = db.session.scalar(select(func.count()).select_from(Meeting).where(
            Meeting.scheduled_at >= year_start, Meeting.scheduled_at < meeting.scheduled_at))
        meeting.issue_number = int(before or 0) + 1
    return meeting.issue_number


# ---------------------------------------------------------------------------------------------
# Statistics for a period
# ---------------------------------------------------------------------------------------------

def _without_jit() -> None:
    """PostgreSQL only, for the rest of this transaction: no JIT compilation. Its cost estimate for a
    year's GROUP BY over 200,000 rows triggers it, and compiling then takes ~1 s of a 0.4 s query."""
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL jit = off"))


def _scope(reader: User | None):
    """The reader's cases as a WHERE clause on Case (TRUE without a reader, or for who sees all)."""
    return in_scope(reader) if reader is not None else true()


def received_counts(first: date, last: date, town: Town, reader: User | None = None) -> list:
    """(category, channel, count) of the cases received in [first, last], not rejected or merged:
    one GROUP BY over a range of the received_at index."""
    start, end = local_bounds(first, last, town.tz)
    _without_jit()
    return db.session.execute(
        select(Case.category, Case.channel, func.count())
        .where(Case.received_at >= start, Case.received_at < end,
               Case.status.not_in([Status.MERGED.value, Status.REJECTED.value]), _scope(reader))
        .group_by(Case.category, Case.channel)).all()


def period_figures(first: date, last: date, town: Town, reader: User | None = None) -> PeriodStatistics:
    """Cases received in [first, last] (not rejected, not merged) by category and source; closings
    in it (`_closings`: a reopened case still counts where it closed) by category, outcome and amount,
    with escalation prevented counted in the same pass; the return visits made in it by satisfaction. Three
    GROUP BY queries, each a range on a date, returning rows, never objects."""
    start, end = local_bounds(first, last, town.tz)
    _without_jit()
    closings = _closings(start, end)
    closed = db.session.execute(
        select(Case.category, Case.channel, closings.c.outcome, func.count(), func.sum(closings.c.amount),
               func.sum(sql_case((_escalation_prevented(closings.c.outcome), 1), else_=0)))
        .join(Case, Case.id == closings.c.case_id).where(_scope(reader))
        .group_by(Case.category, Case.channel, closings.c.outcome)).all()
    return period_statistics(received_counts(first, last, town, reader), [row[:5] for row in closed],
                             escalation_prevented=sum(int(row[5] or 0) for row in closed),
                             satisfaction_rows=satisfaction_counts(first, last, town, reader))


def _escalation_prevented(outcome):
    """防止民转刑, for one closing (`outcome` its column): closed with an agreement, and the case high risk
    or escalated at some point.

    Evaluated left to right: the history is looked up (through its case_id index) only for the
    agreements of cases neither high risk nor escalated now."""
    escalated_once = exists().where(TimelineEvent.case_id == Case.id, TimelineEvent.action == "escalate")
    return and_(outcome.in_(SUCCESS),
                or_(Case.risk_level == RiskLevel.HIGH.value, Case.escalated.is_(True), escalated_once))


CLOSED_CASES_BATCH = 5000
LOCAL_MINUTE = "%Y-%m-%d %H:%M"  # as labels.local_time shows a time: "yyyy-MM-dd HH:mm"


def _local_minute_sql(column, tz):
    """`column` (UTC) as "YYYY-MM-DD HH:MM" in `tz`, computed by the database; None when it cannot be.

    PostgreSQL knows the zones; SQLite knows only offsets, which is enough for a zone whose offset
    has not changed in the years a case can date from (Asia/Shanghai: no summer time since 1991)."""
    name = getattr(tz, "key", None)
    if db.engine.dialect.name == "postgresql" and name:
        return func.to_char(func.timezone(name, func.timezone("UTC", column)), "YYYY-MM-DD HH24:MI")
    offset = fixed_utc_offset(tz, MIN_YEAR, MAX_YEAR)
    if db.engine.dialect.name == "sqlite" and offset is not None:  # datetime(): "YYYY-MM-DD HH:MM:SS", faster than strftime
        return func.substr(func.datetime(column, f"{int(offset.total_seconds()) // 60:+d} minutes"), 1, 16)
    return None


def closed_cases(first: date, last: date, town: Town, reader: User | None = None):
    """The period's closings for the spreadsheet (`_closings`), one row each: (reference, category, channel,
    outcome, amount, received at, closed at, summary, escalation prevented), the times already as
    local text. The export tallies its figures from these rows (core.statistics.ClosedTally), as
    period_figures' GROUP BY would.

    An iterable to consume once, fetched in batches (a server-side cursor on PostgreSQL): a district's
    year is 200,000 rows, never all in memory, never ORM objects. The times are formatted by the
    database where it can (400,000 conversions in Python cost about a second) and the amount comes as
    the driver gives it (a float on SQLite), not through the column types."""
    start, end = local_bounds(first, last, town.tz)
    closings = _closings(start, end)
    received_sql = _local_minute_sql(Case.received_at, town.tz)
    closed_sql = _local_minute_sql(closings.c.closed_at, town.tz)
    in_sql = received_sql is not None and closed_sql is not None
    _without_jit()
    times = (received_sql, closed_sql) if in_sql else (Case.received_at, closings.c.closed_at)
    # Through the session's connection, as Core: the ORM's per-row bookkeeping for plain columns costs ~0.5 s here.
    result = db.session.connection().execute(
        select(Case.reference, Case.category, Case.channel, closings.c.outcome,
               type_coerce(closings.c.amount, Float), *times, Case.summary,
               sql_case((_escalation_prevented(closings.c.outcome), 1), else_=0))
        .join(Case, Case.id == closings.c.case_id).where(_scope(reader))
        .order_by(closings.c.closed_at, closings.c.earlier, closings.c.row_id),
        execution_options={"yield_per": CLOSED_CASES_BATCH})
    if in_sql:
        return result
    tz = town.tz
    return ((*row[:5], row[5].astimezone(tz).strftime(LOCAL_MINUTE), row[6].astimezone(tz).strftime(LOCAL_MINUTE),
             *row[7:]) for row in result)


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
