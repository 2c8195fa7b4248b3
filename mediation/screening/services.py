"""Monthly screening reports (矛盾纠纷排查 / 零上报): who reports, saving a report, and the month's and a
period's figures across the committees. Rules in core/screening.py; these functions read and
write the rows, flush, and leave committing to the caller (a view, the job runner).

Who reports: the mediators and liaisons whose office is an active village committee, for their
own committee only. The judicial office (supervisors) reads every committee's status; the
weekly handout and the statistics read `screening_summary` and `screening_period`."""
import logging
from datetime import date, datetime

from sqlalchemy import and_, case as sql_case, func, or_, select
from sqlalchemy.orm import aliased

from ..auth import audit
from ..auth.models import User
from ..cases.models import Case
from ..core.errors import DomainError, N_
from ..core.lifecycle import Status
from ..core.screening import (HISTORY_MONTHS, CommitteeMonth, CommitteePeriod, Figures, MonthSummary,
                              PeriodSummary, ScreeningRules, check, due_date, is_late, is_open, is_past_due,
                              local_month, month_of, months_back, months_between, status)
from ..core.statistics import month_bounds
from ..core.town import Town
from ..core.vocab import OfficeKind, Role
from ..extensions import db
from ..organisation.models import Office
from .models import ScreeningReport, ScreeningSettings

log = logging.getLogger(__name__)

REPORTING_ROLES = frozenset({Role.MEDIATOR, Role.LIAISON})


class ScreeningRefused(DomainError):
    """The report cannot be stored as given; `field` names the form field (None: the whole form)."""


class FiguresRefused(ScreeningRefused):
    """The figures break one or more rules: `refusals` has each, under its field."""

    def __init__(self, refusals):
        first = refusals[0]
        super().__init__(first.message, first.field, **first.params)
        self.refusals = list(refusals)


class StaleReport(DomainError):
    """The report changed since the page was opened (someone else of the committee revised it)."""


# ---------------------------------------------------------------------------------------------
# Rules and who
# ---------------------------------------------------------------------------------------------

def load_rules() -> ScreeningRules:
    """The town's due day and reminder lead (the admin's row), else core's defaults. One query."""
    row = db.session.get(ScreeningSettings, 1)
    return ScreeningRules(row.due_day, row.remind_days) if row is not None else ScreeningRules()


def reporting_committee(user: User) -> Office | None:
    """The village committee `user` reports for: a mediator's or liaison's own office, when it is an
    active village committee; None for everyone else."""
    office = user.office
    if (user.role_enum in REPORTING_ROLES and office is not None and office.active
            and office.kind == OfficeKind.VILLAGE_COMMITTEE.value):
        return office
    return None


# ---------------------------------------------------------------------------------------------
# One committee
# ---------------------------------------------------------------------------------------------

def report_for(office_id: int, month: date) -> ScreeningReport | None:
    return db.session.scalar(select(ScreeningReport).where(ScreeningReport.office_id == office_id,
                                                           ScreeningReport.month == month))


def history(office_id: int, last_month: date, months: int = HISTORY_MONTHS) -> dict[date, ScreeningReport]:
    """The committee's reports of the `months` months up to `last_month`, by month. One query."""
    first = months_back(last_month, months)[-1]
    rows = db.session.scalars(select(ScreeningReport).where(
        ScreeningReport.office_id == office_id, ScreeningReport.month >= first, ScreeningReport.month <= last_month))
    return {row.month: row for row in rows}


def cases_registered(village_id: int | None, month: date, town: Town) -> int:
    """Cases received in the month that happened in the village (merged duplicates not counted): the
    form's hint for "disputes found", never forced on it. One count query."""
    if village_id is None:
        return 0
    start, end = month_bounds(month, town.tz)
    return db.session.scalar(select(func.count()).select_from(Case).where(
        Case.village_id == village_id, Case.received_at >= start, Case.received_at < end,
        Case.status != Status.MERGED.value)) or 0


def save_report(office: Office, month: date, figures: Figures, user: User, *, now: datetime, town: Town,
                version: int | None = None, ip: str | None = None) -> tuple[ScreeningReport, bool]:
    """Submit (first time) or revise `office`'s report for `month`; (report, created). Refused with a
    field when the figures break a rule (core.screening.check), when the month is not open (this
    month and the one before), or when `version` says the page showed an older revision. Audited;
    flushes, the caller commits."""
    today = now.astimezone(town.tz).date()
    if reporting_committee(user) is None or user.office_id != office.id:
        raise ScreeningRefused(N_("You report for your own village committee only."))
    if not is_open(month, today):
        raise ScreeningRefused(N_("The report for %(month)s is closed: reports are taken and revised during "
                                  "their month and the month after."), month=f"{month:%Y-%m}")
    refusals = check(figures)
    if refusals:
        raise FiguresRefused(refusals)
    found, mediated, in_progress = figures.counts
    values = dict(nil_report=figures.nil, disputes_found=found, mediated=mediated, in_progress=in_progress,
                  risks_and_hazards=(figures.risks or "").strip(), key_disputes=(figures.key_disputes or "").strip())
    report = report_for(office.id, month)
    created = report is None
    if created:
        report = ScreeningReport(office_id=office.id, month=month, submitted_by_id=user.id, submitted_at=now,
                                 **values)
        db.session.add(report)
    else:
        # No version: the page was opened before any report existed, so someone else submitted first.
        if version is None or version != report.version:
            raise StaleReport(N_("Someone else of your committee revised this report after you opened it. Nothing "
                                 "was saved: check the report as it is now, then revise it again."))
        for name, value in values.items():
            setattr(report, name, value)
        report.revised_by_id, report.revised_at = user.id, now
    db.session.flush()
    audit.record("screening_report_submitted" if created else "screening_report_revised", user,
                 "screening_report", report.id, office=office.code, month=f"{month:%Y-%m}", nil=figures.nil,
                 disputes_found=found, mediated=mediated, in_progress=in_progress, at=now, ip=ip)
    log.info("screening report %s: office %s month %s nil=%s", "submitted" if created else "revised",
             office.code, month, figures.nil)
    return report, created


def save_rules(rules: ScreeningRules, admin: User, *, now: datetime, ip: str | None = None) -> None:
    """Store the town's due day and reminder lead (the one settings row). Audited; flushes."""
    row = db.session.get(ScreeningSettings, 1)
    before = (row.due_day, row.remind_days) if row is not None else None
    if row is None:
        row = ScreeningSettings(id=1)
        db.session.add(row)
    row.due_day, row.remind_days, row.updated_at, row.updated_by_id = rules.due_day, rules.remind_days, now, admin.id
    db.session.flush()
    audit.record("screening_settings", admin, "screening_settings", 1, due_day=rules.due_day,
                 remind_days=rules.remind_days, before=before, at=now, ip=ip)


# ---------------------------------------------------------------------------------------------
# Every committee: one month, a period
# ---------------------------------------------------------------------------------------------

def _committees_clause(report_exists):
    """Village committees that are active, or that reported (a committee closed since keeps its history)."""
    return and_(Office.kind == OfficeKind.VILLAGE_COMMITTEE.value, or_(Office.active.is_(True), report_exists))


def month_summary(month: date, now: datetime, town: Town, rules: ScreeningRules | None = None) -> MonthSummary:
    """Every village committee's line for `month` (its report or its lack), ordered by name. One query
    (two without `rules`), whatever the number of committees."""
    rules = rules or load_rules()
    today = now.astimezone(town.tz).date()
    submitter = aliased(User)
    rows = db.session.execute(
        select(Office.id, Office.name, ScreeningReport, submitter.display_name)
        .outerjoin(ScreeningReport, and_(ScreeningReport.office_id == Office.id, ScreeningReport.month == month))
        .outerjoin(submitter, submitter.id == ScreeningReport.submitted_by_id)
        .where(_committees_clause(ScreeningReport.id.is_not(None)))
        .order_by(Office.name, Office.id)).all()
    lines = []
    for office_id, name, report, submitted_by in rows:
        if report is None:
            lines.append(CommitteeMonth(office_id, name, status(False, False, month, today, rules)))
            continue
        lines.append(CommitteeMonth(
            office_id, name, status(True, report.nil_report, month, today, rules),
            late=is_late(report.submitted_at, month, rules, town.tz), disputes_found=report.disputes_found,
            mediated=report.mediated, in_progress=report.in_progress, risks=report.risks_and_hazards,
            key_disputes=report.key_disputes, submitted_at=report.submitted_at, submitted_by=submitted_by,
            revised_at=report.revised_at))
    return MonthSummary(month=month, due=due_date(month, rules), past_due=is_past_due(month, today, rules),
                        lines=tuple(lines))


def screening_summary(month: date | None, now: datetime, town: Town) -> MonthSummary:
    """The weekly handout's section: `month` (None: the month `now` falls in) across the committees.
    Two queries."""
    return month_summary(month or local_month(now, town.tz), now, town)


def screening_for_week(sunday: date, now: datetime, town: Town) -> MonthSummary:
    """The month a weekly handout speaks of: the month of its week's last day, or of today when the
    week is still running. Two queries."""
    return screening_summary(month_of(min(sunday, now.astimezone(town.tz).date())), now, town)


def screening_period(first: date, last: date) -> PeriodSummary:
    """The statistics page's section: each committee's reports over the months overlapping
    first..last, summed (reports, nil reports, found, mediated, in progress). One GROUP BY query."""
    months = months_between(first, last)
    if not months:
        return PeriodSummary(first=first, last=last, months=(), lines=())
    in_period = and_(ScreeningReport.office_id == Office.id, ScreeningReport.month >= months[0],
                     ScreeningReport.month <= months[-1])
    reports = func.count(ScreeningReport.id)
    rows = db.session.execute(
        select(Office.id, Office.name, Office.active, reports,
               func.coalesce(func.sum(sql_case((ScreeningReport.nil_report.is_(True), 1), else_=0)), 0),
               func.coalesce(func.sum(ScreeningReport.disputes_found), 0),
               func.coalesce(func.sum(ScreeningReport.mediated), 0),
               func.coalesce(func.sum(ScreeningReport.in_progress), 0))
        .outerjoin(ScreeningReport, in_period)
        .where(Office.kind == OfficeKind.VILLAGE_COMMITTEE.value)
        .group_by(Office.id, Office.name, Office.active)
        .order_by(Office.name, Office.id)).all()
    lines = tuple(CommitteePeriod(office_id, name, int(n), int(nil), int(found), int(mediated), int(in_progress))
                  for office_id, name, active, n, nil, found, mediated, in_progress in rows if active or n)
    return PeriodSummary(first=first, last=last, months=tuple(months), lines=lines)
