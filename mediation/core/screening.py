"""矛盾纠纷排查 (monthly dispute screening) and 零上报 (nil reports): the rules, in plain Python.

Each village committee reports once a month on the disputes its screening found (how many, of
which mediated, still in hand), the risks and hazards (风险隐患) it saw, or, explicitly, that it
found nothing (零上报). The report for month M is due by day D of month M (the town's due day, an
admin edits it: screening_settings); the committee is reminded from `remind_days` days before
that day, and is overdue from the day after. A month is open for submitting and revising while
it runs and during the month after (a late report is still taken, and marked late), then closed.

Months are the first day of the month (a `date`); times are aware and read in the town's zone.
"""
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from enum import StrEnum

from .errors import N_
from .vocab import MAX_YEAR, MIN_YEAR

DEFAULT_DUE_DAY = 25
DEFAULT_REMIND_DAYS = 3
MAX_DUE_DAY = 28  # every month has it: the due day is never moved by a short month
MAX_REMIND_DAYS = 27
MAX_COUNT = 100_000  # disputes in one committee's month: anything larger is a typing mistake
MAX_TEXT = 4000
HISTORY_MONTHS = 12  # months a committee's page lists below its form

_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")


class ReportStatus(StrEnum):
    """labels.py "screening_status"."""

    REPORTED = "reported"  # figures submitted
    NIL = "nil_report"  # 零上报: submitted, nothing found
    AWAITING = "awaiting"  # not reported, not yet due
    OVERDUE = "overdue"  # not reported, past the due day


REPORTED_STATUSES = frozenset({ReportStatus.REPORTED, ReportStatus.NIL})


@dataclass(frozen=True)
class ScreeningRules:
    """The due day of the month and how many days before it the reminder goes out."""

    due_day: int = DEFAULT_DUE_DAY
    remind_days: int = DEFAULT_REMIND_DAYS

    def __post_init__(self):
        if not 1 <= self.due_day <= MAX_DUE_DAY:
            raise ValueError(f"due day {self.due_day} not in 1..{MAX_DUE_DAY}")
        if not 0 <= self.remind_days <= MAX_REMIND_DAYS:
            raise ValueError(f"remind days {self.remind_days} not in 0..{MAX_REMIND_DAYS}")


# ---------------------------------------------------------------------------------------------
# Months
# ---------------------------------------------------------------------------------------------

def month_of(day: date) -> date:
    return day.replace(day=1)


def local_month(now: datetime, tz: tzinfo) -> date:
    """The month `now` falls in, in the town's zone."""
    return month_of(now.astimezone(tz).date())


def next_month(month: date) -> date:
    return date(month.year + (month.month == 12), month.month % 12 + 1, 1)


def previous_month(month: date) -> date:
    return date(month.year - (month.month == 1), (month.month - 2) % 12 + 1, 1)


def month_text(month: date) -> str:
    """2026-11: how a month is written in URLs, notices and dedupe keys."""
    return f"{month.year:04d}-{month.month:02d}"


def parse_month(text: str | None) -> date | None:
    """"2026-11" as its month; None for anything else (a year outside MIN_YEAR..MAX_YEAR too)."""
    match = _MONTH.fullmatch((text or "").strip())
    if not match:
        return None
    year, month = int(match.group(1)), int(match.group(2))
    if not (MIN_YEAR <= year <= MAX_YEAR and 1 <= month <= 12):
        return None
    return date(year, month, 1)


def months_back(last: date, count: int) -> list[date]:
    """`count` months ending with `last`, the newest first."""
    months = [last]
    while len(months) < count:
        months.append(previous_month(months[-1]))
    return months


def months_between(first: date, last: date) -> list[date]:
    """Every month that overlaps the period first..last (both days included), in order."""
    if last < first:
        return []
    months, month = [], month_of(first)
    while month <= last:
        months.append(month)
        month = next_month(month)
    return months


# ---------------------------------------------------------------------------------------------
# Due day, reminders, open months
# ---------------------------------------------------------------------------------------------

def due_date(month: date, rules: ScreeningRules) -> date:
    """The last day on which month `month`'s report is on time."""
    return month.replace(day=rules.due_day)


def due_at(month: date, rules: ScreeningRules, tz: tzinfo) -> datetime:
    """The end of the due day, in the town's zone."""
    return datetime.combine(due_date(month, rules), time(23, 59, 59), tzinfo=tz)


def reminder_from(month: date, rules: ScreeningRules) -> date:
    """The first day of the reminder: `remind_days` before the due day, never before the month
    begins (a report is not taken for a month that has not started)."""
    return max(month, due_date(month, rules) - timedelta(days=rules.remind_days))


def in_reminder_window(month: date, today: date, rules: ScreeningRules) -> bool:
    return reminder_from(month, rules) <= today <= due_date(month, rules)


def is_past_due(month: date, today: date, rules: ScreeningRules) -> bool:
    return today > due_date(month, rules)


def open_months(today: date) -> tuple[date, date]:
    """The months a report may be submitted or revised for on `today`: this one and the one before."""
    this = month_of(today)
    return this, previous_month(this)


def is_open(month: date, today: date) -> bool:
    return month in open_months(today)


def closes_on(month: date) -> date:
    """The last day a report for `month` is taken or revised: the end of the following month."""
    return next_month(next_month(month)) - timedelta(days=1)


def status(reported: bool, nil: bool, month: date, today: date, rules: ScreeningRules) -> ReportStatus:
    if reported:
        return ReportStatus.NIL if nil else ReportStatus.REPORTED
    return ReportStatus.OVERDUE if is_past_due(month, today, rules) else ReportStatus.AWAITING


def is_late(submitted_at: datetime, month: date, rules: ScreeningRules, tz: tzinfo) -> bool:
    """Submitted after the end of the due day."""
    return submitted_at.astimezone(tz).date() > due_date(month, rules)


# ---------------------------------------------------------------------------------------------
# What a report says
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Figures:
    """One month's report as the committee gives it. Counts are None when left empty (read as 0)."""

    nil: bool
    disputes_found: int | None
    mediated: int | None
    in_progress: int | None
    risks: str = ""
    key_disputes: str = ""

    @property
    def found(self) -> int:
        return self.disputes_found or 0

    @property
    def counts(self) -> tuple[int, int, int]:
        return self.found, self.mediated or 0, self.in_progress or 0


@dataclass(frozen=True)
class Refusal:
    field: str
    message: str  # an English msgid; the edge translates it with `params`
    params: dict = field(default_factory=dict)


COUNT_FIELDS = ("disputes_found", "mediated", "in_progress")


def check(figures: Figures) -> list[Refusal]:
    """Every reason the report cannot be stored, each with the field it belongs under; [] when it can.

    A nil report (零上报) has no disputes and no risks. A report with figures must say something:
    no disputes and no risks is the nil report, made explicitly, never by leaving all empty."""
    refusals = []
    values = dict(zip(COUNT_FIELDS, figures.counts))
    for name, value in values.items():
        if not 0 <= value <= MAX_COUNT:
            refusals.append(Refusal(name, N_("Give a whole number from %(lo)s to %(hi)s."), {"lo": 0, "hi": MAX_COUNT}))
    for name, text in (("risks_and_hazards", figures.risks), ("key_disputes", figures.key_disputes)):
        if len(text or "") > MAX_TEXT:
            refusals.append(Refusal(name, N_("At most %(max)s characters."), {"max": MAX_TEXT}))
    if refusals:
        return refusals
    found, mediated, in_progress = figures.counts
    risks, notes = (figures.risks or "").strip(), (figures.key_disputes or "").strip()
    if figures.nil:
        refusals += [Refusal(name, N_("A nil report (零上报) has no disputes: set this to 0, or untick 零上报 "
                                      "and submit the figures."))
                     for name, value in values.items() if value]
        if risks:
            refusals.append(Refusal("risks_and_hazards", N_("A nil report (零上报) lists no risks or hazards: "
                                                            "clear this, or untick 零上报.")))
        if notes:
            refusals.append(Refusal("key_disputes", N_("A nil report (零上报) has no disputes to describe: "
                                                       "clear this, or untick 零上报.")))
        return refusals
    if mediated > found:
        refusals.append(Refusal("mediated", N_("More disputes mediated (%(mediated)s) than found (%(found)s)."),
                                {"mediated": mediated, "found": found}))
    elif mediated + in_progress > found:
        refusals.append(Refusal("in_progress", N_("Mediated and in progress together (%(sum)s) are more than "
                                                  "the disputes found (%(found)s)."),
                                {"sum": mediated + in_progress, "found": found}))
    if not found and not risks:
        refusals.append(Refusal("disputes_found", N_("Nothing found this month? Tick 零上报 (nil report) "
                                                     "instead of leaving everything empty.")))
    return refusals


# ---------------------------------------------------------------------------------------------
# A month's figures across the committees
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CommitteeMonth:
    """One committee's line for a month: its report's figures, or the lack of one."""

    office_id: int
    office_name: str
    status: ReportStatus
    late: bool = False
    disputes_found: int = 0
    mediated: int = 0
    in_progress: int = 0
    risks: str = ""
    key_disputes: str = ""
    submitted_at: datetime | None = None
    submitted_by: str | None = None
    revised_at: datetime | None = None

    @property
    def reported(self) -> bool:
        return self.status in REPORTED_STATUSES


class _Totals:
    """The figures summed over a summary's lines (each committee's)."""

    lines: tuple

    @property
    def disputes_found(self) -> int:
        return sum(line.disputes_found for line in self.lines)

    @property
    def mediated(self) -> int:
        return sum(line.mediated for line in self.lines)

    @property
    def in_progress(self) -> int:
        return sum(line.in_progress for line in self.lines)


@dataclass(frozen=True)
class MonthSummary(_Totals):
    month: date
    due: date
    past_due: bool
    lines: tuple[CommitteeMonth, ...]

    @property
    def committees(self) -> int:
        return len(self.lines)

    def _with(self, *statuses: ReportStatus) -> list[CommitteeMonth]:
        return [line for line in self.lines if line.status in statuses]

    @property
    def reported(self) -> list[CommitteeMonth]:
        """Figures or 零上报: every committee that reported."""
        return self._with(ReportStatus.REPORTED, ReportStatus.NIL)

    @property
    def with_figures(self) -> list[CommitteeMonth]:
        return self._with(ReportStatus.REPORTED)

    @property
    def nil(self) -> list[CommitteeMonth]:
        return self._with(ReportStatus.NIL)

    @property
    def missing(self) -> list[CommitteeMonth]:
        return self._with(ReportStatus.AWAITING, ReportStatus.OVERDUE)

    @property
    def late(self) -> list[CommitteeMonth]:
        return [line for line in self.lines if line.reported and line.late]

    @property
    def risks(self) -> list[CommitteeMonth]:
        """The lines that report risks and hazards (风险隐患)."""
        return [line for line in self.lines if line.risks.strip()]


@dataclass(frozen=True)
class CommitteePeriod:
    """One committee's reports over a period's months, summed."""

    office_id: int
    office_name: str
    reports: int
    nil_reports: int
    disputes_found: int
    mediated: int
    in_progress: int


@dataclass(frozen=True)
class PeriodSummary(_Totals):
    first: date
    last: date
    months: tuple[date, ...]
    lines: tuple[CommitteePeriod, ...]

    @property
    def expected(self) -> int:
        """Reports the period asks for: one per committee and month."""
        return len(self.lines) * len(self.months)

    @property
    def reports(self) -> int:
        return sum(line.reports for line in self.lines)

    @property
    def nil_reports(self) -> int:
        return sum(line.nil_reports for line in self.lines)

    @property
    def missing(self) -> int:
        return max(self.expected - self.reports, 0)

