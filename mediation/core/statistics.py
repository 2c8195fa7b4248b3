"""Weekly figures and period statistics, computed from plain rows.

The reports module runs a fixed number of GROUP BY queries and hands the rows here; this
module turns them into the figures the weekly summary (联席会议周报) and the Ministry of
Justice statistics show. No Flask, no SQLAlchemy: dates, tuples, dicts in; dataclasses out.
"""
import functools
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from decimal import Decimal
from enum import StrEnum
from typing import Generic, TypeVar

from .errors import N_
from .vocab import CATEGORIES, Channel, Outcome, Satisfaction, SUCCESS_OUTCOMES

TREND_WEEKS = 8

# The weekly handout lists what one meeting can discuss and counts the rest: the most pressing
# cases of each list (oldest deadline first, longest at high risk first) and the agenda's first
# items, in the agenda's order. A district has thousands of open cases in each list.
LIST_LIMIT = 30
AGENDA_LIMIT = 60

T = TypeVar("T")


# ---------------------------------------------------------------------------------------------
# Periods
# ---------------------------------------------------------------------------------------------

def week_start(day: date) -> date:
    """The Monday of the week `day` falls in (weeks run Monday to Sunday)."""
    return day - timedelta(days=day.weekday())


def week_of(moment: datetime, tz: tzinfo) -> date:
    """The Monday of the week `moment` falls in, in the town's zone."""
    return week_start(moment.astimezone(tz).date())


def week_before_meeting(scheduled_at: datetime, tz: tzinfo) -> date:
    """The week a joint meeting reviews: the full Monday-to-Sunday week before the meeting's own week.

    A Thursday meeting looks back at last week's figures, which are complete; the lists
    of overdue and high-risk cases are as of the moment of printing anyway.
    """
    return week_of(scheduled_at, tz) - timedelta(days=7)


def month_bounds(day: date, tz: tzinfo) -> tuple[datetime, datetime]:
    """[the first instant of the month `day` falls in, the next month's first instant) in the town's zone."""
    first = day.replace(day=1)
    following = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
    return datetime.combine(first, time.min, tzinfo=tz), datetime.combine(following, time.min, tzinfo=tz)


def local_bounds(first: date, last: date, tz: tzinfo) -> tuple[datetime, datetime]:
    """[start of `first`, start of the day after `last`) in the town's zone, as aware datetimes."""
    return (datetime.combine(first, time.min, tzinfo=tz),
            datetime.combine(last + timedelta(days=1), time.min, tzinfo=tz))


@functools.lru_cache(maxsize=16)
def fixed_utc_offset(tz: tzinfo, first_year: int, last_year: int) -> timedelta | None:
    """The zone's UTC offset if it is the same at every moment from `first_year` to `last_year`
    (e.g. Asia/Shanghai since 1992), else None (a zone with summer time). Checked at each noon UTC:
    a zone that changes its offset keeps the new one for longer than a day."""
    day = datetime(first_year, 1, 1, 12, tzinfo=timezone.utc)
    end = datetime(last_year, 12, 31, 12, tzinfo=timezone.utc)
    offset = day.astimezone(tz).utcoffset()
    while day <= end:
        if day.astimezone(tz).utcoffset() != offset:
            return None
        day += timedelta(days=1)
    return offset


def trend_weeks(last_monday: date, weeks: int = TREND_WEEKS) -> list[date]:
    """The Mondays of the `weeks` weeks ending with the week starting `last_monday`, oldest first."""
    return [last_monday - timedelta(weeks=n) for n in range(weeks - 1, -1, -1)]


# ---------------------------------------------------------------------------------------------
# Case sources (Ministry of Justice closing statistics)
# ---------------------------------------------------------------------------------------------

class Source(StrEnum):
    OWN_INITIATIVE = "own_initiative"  # 主动
    APPLICATION = "application"  # 申请
    REFERRED = "referred"  # 委托移送


SOURCE_LABELS = {
    Source.OWN_INITIATIVE: N_("Own initiative (主动)"),
    Source.APPLICATION: N_("Party's application (申请)"),
    Source.REFERRED: N_("Referred (委托移送)"),
}

# Where each channel's cases count in the ministry's three sources:
# - a grid patrol finds the dispute itself: the committee acts on its own initiative;
# - a walk-in, or an application on the "解纷"一件事 platform, is the party asking: application;
# - a 110 referral comes from the police, a referral from a court or an authority, and a
#   12345 work order is dispatched to the town by the government hotline (市民服务热线), not
#   brought by the party to the committee: all three are referred (委托移送).
SOURCE_OF_CHANNEL: dict[str, Source] = {
    Channel.GRID_PATROL.value: Source.OWN_INITIATIVE,
    Channel.WALK_IN.value: Source.APPLICATION,
    Channel.DISPUTE_PLATFORM.value: Source.APPLICATION,
    Channel.POLICE_110.value: Source.REFERRED,
    Channel.REFERRAL.value: Source.REFERRED,
    Channel.HOTLINE_12345.value: Source.REFERRED,
}


def source_of(channel: str) -> Source:
    """The ministry's source for a channel; an unknown channel counts as referred."""
    return SOURCE_OF_CHANNEL.get(channel, Source.REFERRED)


def _ordered(counts: dict[str, int], order: Iterable[str]) -> dict[str, int]:
    """`counts` with the known keys first in `order` (zeros included), then any others sorted."""
    order = list(order)
    result = {key: counts.get(key, 0) for key in order}
    result.update({key: counts[key] for key in sorted(k for k in counts if k not in result)})
    return result


# ---------------------------------------------------------------------------------------------
# Weekly figures
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Capped(Generic[T]):
    """The first items of a list, as many as a printout shows, and how many the whole list has."""

    shown: list[T]
    total: int  # counted in SQL over the whole list, not len(shown)

    @property
    def more(self) -> int:
        """How many the printout does not list."""
        return max(self.total - len(self.shown), 0)


def capped(rows: Iterable[T], total: int) -> Capped[T]:
    """`rows` (the LIMITed query's) with the list's `total`; never fewer than the rows themselves."""
    shown = list(rows)
    return Capped(shown=shown, total=max(total, len(shown)))


@dataclass(frozen=True)
class NewCases:
    total: int
    by_channel: dict[str, int]  # every channel, in vocabulary order, zeros included
    by_category: dict[str, int]  # every ministry category, in its order, zeros included
    by_office: dict[object, int]  # office key (e.g. an id, None when not routed yet) -> count, largest first


def tally_new_cases(rows: Iterable[tuple[str, str, object, int]]) -> NewCases:
    """Rows of (channel, category, office key, count), from one GROUP BY over the week's new cases."""
    by_channel: dict[str, int] = {}
    by_category: dict[str, int] = {}
    by_office: dict[object, int] = {}
    total = 0
    for channel, category, office, count in rows:
        total += count
        by_channel[channel] = by_channel.get(channel, 0) + count
        by_category[category] = by_category.get(category, 0) + count
        by_office[office] = by_office.get(office, 0) + count
    offices = dict(sorted(by_office.items(), key=lambda kv: (-kv[1], kv[0] is None, str(kv[0]))))
    return NewCases(total=total, by_channel=_ordered(by_channel, (c.value for c in Channel)),
                    by_category=_ordered(by_category, CATEGORIES), by_office=offices)


@dataclass(frozen=True)
class ClosedCases:
    total: int
    successful: int  # closed with a written or oral agreement
    by_outcome: dict[str, int]
    success_rate: float | None  # successful / total; None when nothing closed
    average_days: float | None  # received -> closed, over the cases closed; None when nothing closed


def tally_closed_cases(rows: Iterable[tuple[str, int, float | None]]) -> ClosedCases:
    """Rows of (outcome, count, sum of handling days), from one GROUP BY over the week's closings (a case
    closed, reopened and closed again counts in each week it closed in: a reported week never changes)."""
    by_outcome: dict[str, int] = {}
    total = successful = 0
    days = 0.0
    for outcome, count, sum_days in rows:
        by_outcome[outcome] = by_outcome.get(outcome, 0) + count
        total += count
        days += float(sum_days or 0)
        if outcome in SUCCESS_OUTCOMES:
            successful += count
    return ClosedCases(total=total, successful=successful,
                       by_outcome=_ordered(by_outcome, (o.value for o in Outcome)),
                       success_rate=successful / total if total else None,
                       average_days=days / total if total else None)


@dataclass(frozen=True)
class TrendPoint:
    week: date  # Monday
    new: int
    closed: int


def weekly_trend(mondays: list[date], new_by_bucket: Iterable[tuple[int, int]],
                 closed_by_bucket: Iterable[tuple[int, int]]) -> list[TrendPoint]:
    """Rows of (bucket index into `mondays`, count) for new and closed cases -> one point per week."""
    new = dict(new_by_bucket)
    closed = dict(closed_by_bucket)
    return [TrendPoint(monday, new.get(i, 0), closed.get(i, 0)) for i, monday in enumerate(mondays)]


def bucket_bounds(mondays: list[date], tz: tzinfo) -> list[datetime]:
    """The start of each week and the end of the last one, as aware datetimes (len(mondays) + 1)."""
    starts = [datetime.combine(m, time.min, tzinfo=tz) for m in mondays]
    return starts + [datetime.combine(mondays[-1] + timedelta(days=7), time.min, tzinfo=tz)]


# ---------------------------------------------------------------------------------------------
# Return-visit satisfaction (回访满意度)
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SatisfactionCounts:
    """The return visits made in a period by the party's verdict: 满意, 基本满意, 不满意."""

    counts: dict[str, int]  # every Satisfaction code, in order, zeros included
    unrecorded: int = 0  # visits made without a verdict (older records, a party who would not say)

    @property
    def total(self) -> int:
        """Visits with a verdict."""
        return sum(self.counts.values())

    @property
    def rate(self) -> float | None:
        """满意率: (satisfied + fairly satisfied) ÷ visits with a verdict; None without any."""
        if not self.total:
            return None
        return (self.counts[Satisfaction.SATISFIED.value] + self.counts[Satisfaction.FAIRLY_SATISFIED.value]) / self.total


def tally_satisfaction(rows: Iterable[tuple[str | None, int]] = ()) -> SatisfactionCounts:
    """Rows of (satisfaction code or None, count), from one GROUP BY over the period's visits. A code
    outside the vocabulary counts as unrecorded rather than vanish."""
    counts = {s.value: 0 for s in Satisfaction}
    unrecorded = 0
    for code, count in rows:
        if code in counts:
            counts[code] += int(count)
        else:
            unrecorded += int(count)
    return SatisfactionCounts(counts=counts, unrecorded=unrecorded)


# ---------------------------------------------------------------------------------------------
# Statistics for any period (Ministry of Justice categories x sources)
# ---------------------------------------------------------------------------------------------

@dataclass
class CategoryRow:
    category: str
    received: dict[Source, int] = field(default_factory=lambda: {s: 0 for s in Source})
    closed: int = 0
    successful: int = 0
    amount: Decimal = Decimal("0")  # settled by agreement

    @property
    def received_total(self) -> int:
        return sum(self.received.values())


@dataclass(frozen=True)
class PeriodStatistics:
    rows: list[CategoryRow]  # every ministry category in order, then any other category met
    totals: CategoryRow  # category "" : the column sums
    by_outcome: dict[str, int]
    by_source_closed: dict[Source, int]
    escalation_prevented: int
    satisfaction: SatisfactionCounts = field(default_factory=tally_satisfaction)

    @property
    def success_rate(self) -> float | None:
        return self.totals.successful / self.totals.closed if self.totals.closed else None


def period_statistics(received_rows: Iterable[tuple[str, str, int]],
                      closed_rows: Iterable[tuple[str, str, str, int, Decimal | None]],
                      escalation_prevented: int = 0,
                      satisfaction_rows: Iterable[tuple[str | None, int]] = ()) -> PeriodStatistics:
    """`received_rows`: (category, channel, count) of the cases received in the period;
    `closed_rows`: (category, channel, outcome, count, sum of amounts) of the closings in it, earlier
    outcomes of reopened cases included, each in the period it was closed in.
    Amounts count as settled only for agreements (written or oral). `satisfaction_rows`: (satisfaction,
    count) of the return visits made in the period (tally_satisfaction)."""
    rows: dict[str, CategoryRow] = {c: CategoryRow(c) for c in CATEGORIES}
    totals = CategoryRow("")
    by_outcome: dict[str, int] = {}
    by_source_closed = {s: 0 for s in Source}

    def row(category: str) -> CategoryRow:
        return rows.setdefault(category, CategoryRow(category))

    for category, channel, count in received_rows:
        source = source_of(channel)
        row(category).received[source] += count
        totals.received[source] += count
    for category, channel, outcome, count, amount in closed_rows:
        r = row(category)
        r.closed += count
        totals.closed += count
        by_outcome[outcome] = by_outcome.get(outcome, 0) + count
        by_source_closed[source_of(channel)] += count
        if outcome in SUCCESS_OUTCOMES:
            r.successful += count
            totals.successful += count
            settled = amount if isinstance(amount, Decimal) else Decimal(str(amount or 0))  # floats from SQLite
            r.amount += settled
            totals.amount += settled
    known = [rows[c] for c in CATEGORIES]
    others = [rows[c] for c in sorted(rows) if c not in CATEGORIES]
    return PeriodStatistics(rows=known + others, totals=totals,
                            by_outcome=_ordered(by_outcome, (o.value for o in Outcome)),
                            by_source_closed=by_source_closed, escalation_prevented=escalation_prevented,
                            satisfaction=tally_satisfaction(satisfaction_rows))


class ClosedTally:
    """The closed cases counted one at a time, as they stream past for a spreadsheet, into the rows
    `period_statistics` takes: the export then needs no GROUP BY of its own over the same cases.

    Amounts are summed in whole cents (they have two decimals), exactly, whether they arrive as
    Decimals or as the floats SQLite gives."""

    def __init__(self):
        self._groups: dict[tuple[str, str, str], list[int]] = {}  # (category, channel, outcome) -> [count, cents]
        self.count = 0
        self.escalation_prevented = 0

    def add(self, category: str, channel: str, outcome: str, amount, prevented: bool = False) -> None:
        group = self._groups.get((category, channel, outcome))
        if group is None:
            group = self._groups[category, channel, outcome] = [0, 0]
        group[0] += 1
        self.count += 1
        if amount is not None:
            group[1] += round(amount * 100)
        if prevented:
            self.escalation_prevented += 1

    def rows(self) -> list[tuple[str, str, str, int, Decimal]]:
        """(category, channel, outcome, count, sum of amounts), as the GROUP BY over the cases closed gives them."""
        return [(category, channel, outcome, count, Decimal(cents).scaleb(-2))
                for (category, channel, outcome), (count, cents) in self._groups.items()]

