"""Deadline rules (DESIGN.md's table) as data, and the computation of a case's deadlines.

A `Policy` maps (stage, channel, variant) to a period in working or calendar days; the
most specific entry wins. `compute` turns a case's clock facts into every deadline it has
and the one it is working towards now. Times are timezone-aware; `tz` is the town's zone.
"""
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from enum import StrEnum

from .errors import N_
from .lifecycle import Status
from .workdays import WorkCalendar

DUE_SOON_WORKING_DAYS = 2


class Stage(StrEnum):
    ACCEPT = "accept"  # accept or reject, from received_at
    CONCLUDE = "conclude"  # conclude mediation, from acceptance
    FOLLOW_UP = "follow_up"  # return visit, from closing
    CONFIRMATION = "confirmation"  # judicial-confirmation window, from the agreement (art. 33)
    CHANNEL_REPLY = "channel_reply"  # answer the channel (12345 work orders), from received_at
    CONSULTATION = "consultation"  # 难题会诊: the asked office answers, from the question (not a case deadline)


class Unit(StrEnum):
    WORKING = "working"
    CALENDAR = "calendar"


@dataclass(frozen=True)
class Period:
    days: int
    unit: Unit


PolicyKey = tuple[Stage, str | None, str | None]  # stage, channel, variant (e.g. 12345 work-order type)

DEFAULT_PERIODS: dict[PolicyKey, Period] = {
    (Stage.ACCEPT, None, None): Period(1, Unit.WORKING),
    (Stage.CONCLUDE, None, None): Period(30, Unit.CALENDAR),
    (Stage.FOLLOW_UP, None, None): Period(15, Unit.CALENDAR),
    (Stage.CONFIRMATION, None, None): Period(30, Unit.CALENDAR),
    (Stage.CHANNEL_REPLY, "hotline_12345", None): Period(5, Unit.WORKING),
    (Stage.CHANNEL_REPLY, "hotline_12345", "咨询"): Period(1, Unit.WORKING),
    (Stage.CHANNEL_REPLY, "hotline_12345", "complex"): Period(15, Unit.WORKING),
    (Stage.CONSULTATION, None, None): Period(3, Unit.WORKING),
}


# Where each deadline comes from (DESIGN.md's deadline table), keyed by the stage names a case
# stores (next_stage): the page and the case file name it beside the date. English msgids.
STAGE_BASIS: dict[str, str] = {
    "accept": N_("“解纷一件事” practice: the party is contacted within 1 working day of receipt "
                 "(town policy)"),
    "conclude": N_("人民调解工作若干规定 art. 33: a dispute is generally concluded within one month; "
                   "one extension with both parties' consent; suspended days do not count"),
    "follow_up": N_("人民调解法 art. 31: the committee supervises the agreement's performance "
                    "(return visit; the number of days is town policy)"),
    "confirmation": N_("人民调解法第三十三条: the parties may jointly apply for judicial confirmation "
                       "within 30 days of the agreement taking effect, counted from the next day; a last day "
                       "that is a rest day moves to the next working day (民事诉讼法第八十五条)"),
    "reply": N_("Shanghai 12345 practice: the work order's own due date, else the hotline's period "
                "in working days"),
    "supervision": N_("督办: the due date set by the supervisor"),
}

PROVISIONAL_REASON = N_("Provisional: the State Council's holiday arrangement for a year this deadline "
                        "runs into is not entered yet, so only the statutory holidays were counted.")

@dataclass(frozen=True)
class Policy:
    periods: dict[PolicyKey, Period] = field(default_factory=lambda: dict(DEFAULT_PERIODS))

    def period(self, stage: Stage, channel: str | None = None, variant: str | None = None) -> Period | None:
        for key in ((stage, channel, variant), (stage, channel, None), (stage, None, None)):
            if key in self.periods:
                return self.periods[key]
        return None


@dataclass(frozen=True)
class Due:
    at: datetime
    provisional: bool = False  # the holiday schedule for some day in between is not known yet


def end_of_day(day: date, tz: tzinfo) -> datetime:
    return datetime.combine(day, time(23, 59, 59), tzinfo=tz)


def due_after(start: datetime, period: Period, calendar: WorkCalendar, tz: tzinfo) -> Due:
    """The end of the day `period` after `start`: working days skip weekends, holidays and count 调休."""
    day = start.astimezone(tz).date()
    if period.unit == Unit.WORKING:
        due_day, certain = calendar.add_working_days(day, period.days)
        return Due(end_of_day(due_day, tz), provisional=not certain)
    return Due(end_of_day(day + timedelta(days=period.days), tz))


def consultation_due(asked_at: datetime, policy: Policy, calendar: WorkCalendar, tz: tzinfo) -> Due:
    """When a consultation (难题会诊) asked at `asked_at` is to be answered by: the town's policy for
    Stage.CONSULTATION, or DESIGN.md's default (3 working days) when an admin has deleted that row.
    Not one of the case's own deadlines: `compute` never looks at it."""
    period = policy.period(Stage.CONSULTATION) or DEFAULT_PERIODS[(Stage.CONSULTATION, None, None)]
    return due_after(asked_at, period, calendar, tz)


def legal_period_end(event_day: date, period: Period, calendar: WorkCalendar, tz: tzinfo) -> Due:
    """The end of a legal period of `period` after the day of its event (民事诉讼法 art. 85): counted
    from the next day, and when the last day is a rest day (weekend or holiday, a 调休 working
    weekend excepted) it ends on the next working day. Provisional if a day looked at is not known.

    Of DESIGN.md's deadlines only the confirmation window is a period the law sets in days; the
    others are practice targets (一般在一个月内调结, town policy) and are counted as they are."""
    if period.unit == Unit.WORKING:
        last, certain = calendar.add_working_days(event_day, period.days)
        return Due(end_of_day(last, tz), provisional=not certain)
    last = event_day + timedelta(days=period.days)
    certain = calendar.knows(last)
    while not calendar.is_workday(last):
        last += timedelta(days=1)
        certain = certain and calendar.knows(last)
    return Due(end_of_day(last, tz), provisional=not certain)


@dataclass(frozen=True)
class Clock:
    """A case's facts that deadlines depend on."""

    status: Status
    channel: str
    received_at: datetime
    mediation_started_at: datetime | None = None  # accepted, or reopened
    closed_at: datetime | None = None
    written_agreement: bool = False
    agreement_effective_on: date | None = None  # the day the agreement took effect (art. 29: signed)
    extension_days: int = 0
    suspended_at: datetime | None = None  # suspended now, since then
    suspended_seconds: float = 0.0  # earlier suspensions, in total
    channel_due_at: datetime | None = None  # the channel's own deadline, when it sent one
    channel_variant: str | None = None  # e.g. 12345 work-order type 咨询
    supervision_due_at: datetime | None = None
    survivor_closed: bool = False  # merged: the case that absorbed this one has concluded


@dataclass(frozen=True)
class Deadlines:
    accept_by: datetime | None = None
    conclude_by: datetime | None = None
    follow_up_by: datetime | None = None
    confirmation_by: datetime | None = None
    reply_by: datetime | None = None
    next_deadline: datetime | None = None
    next_stage: str | None = None
    provisional: bool = False


def compute(clock: Clock, policy: Policy, calendar: WorkCalendar, tz: tzinfo) -> Deadlines:
    dues: dict[str, Due] = {}
    accept = policy.period(Stage.ACCEPT, clock.channel)
    if accept:
        dues["accept"] = due_after(clock.received_at, accept, calendar, tz)
    reply = policy.period(Stage.CHANNEL_REPLY, clock.channel, clock.channel_variant)
    if clock.channel_due_at is not None:
        dues["reply"] = Due(clock.channel_due_at)
    elif reply is not None:
        dues["reply"] = due_after(clock.received_at, reply, calendar, tz)
    conclude = policy.period(Stage.CONCLUDE, clock.channel)
    if clock.mediation_started_at is not None and conclude:
        base = due_after(clock.mediation_started_at, conclude, calendar, tz)
        # Time spent suspended does not count: the deadline moves by it.
        paused = timedelta(seconds=clock.suspended_seconds, days=clock.extension_days)
        dues["conclude"] = Due(base.at + paused, base.provisional)
    if clock.closed_at is not None:
        follow_up = policy.period(Stage.FOLLOW_UP, clock.channel)
        if follow_up:
            dues["follow_up"] = due_after(clock.closed_at, follow_up, calendar, tz)
        confirmation = policy.period(Stage.CONFIRMATION, clock.channel)
        if clock.written_agreement and confirmation:
            # Art. 33 counts from the agreement taking effect, not from when the closing was recorded;
            # an agreement recorded before those dates were kept counts from its closing day.
            effective = clock.agreement_effective_on or clock.closed_at.astimezone(tz).date()
            dues["confirmation"] = legal_period_end(effective, confirmation, calendar, tz)
    if clock.supervision_due_at is not None:
        dues["supervision"] = Due(clock.supervision_due_at)

    running = _running_stages(clock)
    candidates = [(dues[s].at, s) for s in running if s in dues]
    next_at, next_stage = min(candidates) if candidates else (None, None)
    return Deadlines(
        accept_by=_at(dues, "accept"), conclude_by=_at(dues, "conclude"), follow_up_by=_at(dues, "follow_up"),
        confirmation_by=_at(dues, "confirmation"), reply_by=_at(dues, "reply"),
        next_deadline=next_at, next_stage=next_stage,
        provisional=bool(next_stage and dues[next_stage].provisional))


# The deadlines a case works towards in each status; a status not listed has none.
RUNNING_STAGES: dict[Status, tuple[str, ...]] = {
    Status.REGISTERED: ("accept", "reply", "supervision"),
    Status.ACCEPTED: ("conclude", "reply", "supervision"),
    Status.IN_MEDIATION: ("conclude", "reply", "supervision"),
    Status.CLOSED: ("follow_up", "supervision"),
    # A 12345 order merged into another case is still owed its reply, on its own clock, until the
    # case that absorbed it concludes (its outcome is then the answer).
    Status.MERGED: ("reply",),
}


# The channel's own clock (12345's reply deadline) runs whatever happens to the mediation.
RUNS_WHILE_SUSPENDED = frozenset({"reply"})


def _running_stages(clock: Clock) -> tuple[str, ...]:
    """The deadlines the case is working towards in its status; while suspended, only the
    channel's reply deadline."""
    stages = RUNNING_STAGES.get(clock.status, ())
    if clock.status == Status.MERGED and clock.survivor_closed:
        return ()
    if clock.suspended_at is not None:
        return tuple(s for s in stages if s in RUNS_WHILE_SUSPENDED)
    return stages


def _at(dues: dict[str, Due], stage: str) -> datetime | None:
    return dues[stage].at if stage in dues else None


class DueState(StrEnum):
    OVERDUE = "overdue"
    DUE_SOON = "due_soon"


@dataclass(frozen=True)
class DueWindow:
    """The due-state rule (DESIGN.md): overdue past the deadline; due soon up to the end of the
    2nd working day from today. `state_of` applies it to one deadline; `cases.queries.due_state_sql`
    applies the same two bounds in SQL."""

    now: datetime  # deadlines before this are overdue
    cutoff: datetime  # deadlines from `now` up to this are due soon

    @classmethod
    def at(cls, now: datetime, calendar: WorkCalendar, tz: tzinfo) -> "DueWindow":
        day, _certain = calendar.add_working_days(now.astimezone(tz).date(), DUE_SOON_WORKING_DAYS)
        return cls(now=now, cutoff=end_of_day(day, tz))

    def state_of(self, deadline: datetime | None) -> DueState | None:
        if deadline is None:
            return None
        if deadline < self.now:
            return DueState.OVERDUE
        return DueState.DUE_SOON if deadline <= self.cutoff else None


def due_state(next_deadline: datetime | None, now: datetime, calendar: WorkCalendar, tz: tzinfo) -> DueState | None:
    """overdue, due_soon or None for one deadline (see DueWindow)."""
    return DueWindow.at(now, calendar, tz).state_of(next_deadline)


def days_left(deadline: datetime, now: datetime, calendar: WorkCalendar, tz: tzinfo) -> tuple[int, int]:
    """Calendar days and working days from today to the deadline's day (negative when late)."""
    today, due_day = now.astimezone(tz).date(), deadline.astimezone(tz).date()
    calendar_days = (due_day - today).days
    lo, hi = sorted((today, due_day))
    working = calendar.working_days_between(lo, hi)
    return calendar_days, working if due_day >= today else -working
