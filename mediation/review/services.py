"""卷宗评查 services: compute and store the review of every closing, adjust a grade, read a month's
reviews and subsidies. The rules are core/review.py; the data they read (weights, thresholds,
rates) is in review/models.py.

A review is of one closing (case_id, closed_at). Only a case's current closing (case_outcomes) is
ever computed; a reopen leaves the review of the closing it undid as it was, and a month's sheet and
subsidy select the reviews by the closing's time, so a month already reported keeps its figures and
a case closed again counts, with its new review, in the month it closed again.

Everything here runs a fixed number of statements: reviews are computed a batch at a time (the
cases and what they hang on in five statements, one upsert), a month's sheet is one query and its
subsidy table one GROUP BY."""
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import and_, func, or_, select, union_all
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import aliased, selectinload

from ..auth.models import User
from ..cases.models import Case, CaseOutcome, CaseOutcomeHistory, MediationSession, ReturnVisit, TimelineEvent
from ..core import review as rules
from ..core.errors import N_, DomainError
from ..core.lifecycle import Status
from ..core.review import GRADES, GradeRule, ItemRule, PartyFacts, ReviewFacts
from ..core.town import Town
from ..extensions import db
from ..organisation.models import Office
from .models import CaseReview, ReviewGrade, ReviewItem, SubsidyRate

log = logging.getLogger(__name__)

# A case file is reviewed once it is closed: closed, followed up (return visit made) or archived.
REVIEWED_STATUSES = (Status.CLOSED.value, Status.FOLLOWED_UP.value, Status.ARCHIVED.value)
BATCH = 200  # cases a batch: each batch is the same six statements


class ReviewRefused(DomainError):
    """An adjustment the rules refuse (no reason, unknown grade); shown under its field."""


# ---------------------------------------------------------------------------------------------
# The rules as data
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Rules:
    items: tuple[ItemRule, ...]
    grades: tuple[GradeRule, ...]
    changed_at: datetime | None  # the last edit of an item or threshold: reviews computed before are stale


def load_rules() -> Rules:
    """The checklist's items and the grades' thresholds (two statements)."""
    items = tuple(ItemRule(r.code, r.weight, r.mandatory, r.active)
                  for r in db.session.scalars(select(ReviewItem).order_by(ReviewItem.code)))
    order = {g.value: n for n, g in enumerate(GRADES)}
    grade_rows = db.session.scalars(select(ReviewGrade)).all()
    grades = tuple(sorted((GradeRule(g.grade, g.min_score) for g in grade_rows), key=lambda g: order[g.grade]))
    stamps = [r.updated_at for r in grade_rows]
    item_stamp = db.session.scalar(select(func.max(ReviewItem.updated_at)))
    if item_stamp is not None:
        stamps.append(item_stamp)
    return Rules(items, grades, max(stamps) if stamps else None)


def load_defaults(now: datetime) -> int:
    """Load core.review's default items, thresholds and rates into whichever of the three tables is
    empty (the migration seeds the same); returns how many rows were created."""
    created = 0
    if db.session.scalar(select(ReviewItem.code).limit(1)) is None:
        db.session.add_all(ReviewItem(code=i.code, weight=i.weight, mandatory=i.mandatory, active=i.active,
                                      updated_at=now) for i in rules.DEFAULT_ITEMS)
        created += len(rules.DEFAULT_ITEMS)
    if db.session.scalar(select(ReviewGrade.grade).limit(1)) is None:
        db.session.add_all(ReviewGrade(grade=g.grade, min_score=g.min_score, updated_at=now)
                           for g in rules.DEFAULT_GRADES)
        created += len(rules.DEFAULT_GRADES)
    if db.session.scalar(select(SubsidyRate.id).limit(1)) is None:
        db.session.add_all(SubsidyRate(category=c or "", grade=g, amount=a) for c, g, a in rules.DEFAULT_RATES)
        created += len(rules.DEFAULT_RATES)
    db.session.flush()
    return created


def rate_table() -> dict[tuple[str | None, str], Decimal]:
    """{(category, or None for any, grade): yuan per case}."""
    return {(r.category or None, r.grade): r.amount for r in db.session.scalars(select(SubsidyRate))}


# ---------------------------------------------------------------------------------------------
# Computing the reviews
# ---------------------------------------------------------------------------------------------

def facts_for(case: Case, sessions_logged: int, return_visit_done: bool) -> ReviewFacts:
    o = case.outcome
    return ReviewFacts(
        has_summary=bool((case.summary or "").strip()), has_category=bool((case.category or "").strip()),
        has_place=case.village_id is not None or bool((case.address or "").strip()),
        parties=tuple(PartyFacts(name=p.name or "", role=p.role, has_phone=bool(p.phone),
                                 has_id_number=bool((p.id_number or "").strip()),
                                 has_address=bool((p.address or "").strip())) for p in case.parties),
        sessions_logged=sessions_logged, outcome=o.outcome if o else None,
        agreement_text=o.agreement_text if o else None, performance_terms=o.performance_terms if o else None,
        amount_recorded=o is not None and o.amount is not None, signed_on=o.signed_on if o else None,
        effective_on=o.effective_on if o else None, performance_due_on=o.performance_due_on if o else None,
        return_visit_done=return_visit_done, confirmation_by=case.confirmation_by,
        received_at=case.received_at, accepted_at=case.accepted_at, accept_by=case.accept_by,
        closed_at=case.closed_at, conclude_by=case.conclude_by)


def _of_current_closing():
    """The join of a case's current outcome to the review of that same closing."""
    return and_(CaseReview.case_id == CaseOutcome.case_id, CaseReview.closed_at == CaseOutcome.closed_at)


def _stale(rules_changed_at: datetime | None):
    """A current closing's review to (re)compute: none yet for this closing, or computed before the
    case or the rules last changed."""
    conditions = [CaseReview.id.is_(None), CaseReview.computed_at < Case.updated_at]
    if rules_changed_at is not None:
        conditions.append(CaseReview.computed_at < rules_changed_at)
    return or_(*conditions)


def _reviewable():
    return and_(Case.status.in_(REVIEWED_STATUSES), CaseOutcome.id.is_not(None))


def due_for_review(rules_now: Rules, where=None) -> list[int]:
    """Ids of closed cases whose current closing's review is missing or stale (one statement),
    narrowed by `where`. The reviews of earlier closings (a reopen undid them) are never looked at."""
    stmt = (select(Case.id).join(CaseOutcome, CaseOutcome.case_id == Case.id)
            .outerjoin(CaseReview, _of_current_closing())
            .where(_reviewable(), _stale(rules_now.changed_at)).order_by(Case.id))
    if where is not None:
        stmt = stmt.where(where)
    return list(db.session.scalars(stmt))


def review_closed_cases(now: datetime, town: Town, case_ids: Iterable[int] | None = None) -> int:
    """Compute and store the review of each closed case's current closing whose review is missing or
    stale (or of `case_ids`, closed ones only, stale or not); returns how many were written. A job
    function (daily), and what the pages call for the cases they show. An adjustment is never
    touched, and stays with its closing: a closing after a reopen starts with none."""
    current = load_rules()
    if case_ids is None:
        ids = due_for_review(current)
    else:
        ids = sorted(set(case_ids))
    written = 0
    for start in range(0, len(ids), BATCH):
        written += _review_batch(ids[start:start + BATCH], current, now)
    if written:
        log.info("reviewed %s closed case files", written)
    return written


def _review_batch(ids: Sequence[int], current: Rules, now: datetime) -> int:
    cases = db.session.scalars(
        select(Case).where(Case.id.in_(ids), Case.status.in_(REVIEWED_STATUSES))
        .options(selectinload(Case.parties), selectinload(Case.outcome))).all()
    cases = [c for c in cases if c.outcome is not None]
    if not cases:
        return 0
    found = [c.id for c in cases]
    sessions = dict(db.session.execute(
        select(MediationSession.case_id, func.count()).where(MediationSession.case_id.in_(found))
        .group_by(MediationSession.case_id)).all())
    visited = set(db.session.scalars(
        select(ReturnVisit.case_id).where(ReturnVisit.case_id.in_(found), ReturnVisit.visited_at.is_not(None))
        .distinct()))
    rows = []
    for case in cases:
        result = rules.review(facts_for(case, sessions.get(case.id, 0), case.id in visited),
                              current.items, current.grades)
        rows.append({"case_id": case.id, "closed_at": case.outcome.closed_at, "score": result.score,
                     "grade": result.grade, "items": result.items, "computed_at": now})
    _upsert(rows)
    return len(rows)


def _upsert(rows: list[dict]) -> None:
    """One INSERT … ON CONFLICT (case_id, closed_at) DO UPDATE of the computed columns only: the
    same closing's adjustment (adjusted_*) stays as the reviewer left it, a new closing gets a row
    of its own (without one), and two computations at once do not collide."""
    insert = postgresql_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    table = CaseReview.__table__
    stmt = insert(table)
    stmt = stmt.on_conflict_do_update(index_elements=[table.c.case_id, table.c.closed_at], set_={
        "score": stmt.excluded.score, "grade": stmt.excluded.grade, "items": stmt.excluded["items"],
        "computed_at": stmt.excluded.computed_at})
    db.session.execute(stmt, rows)
    # Reviews already in the session now differ from their rows: read them again when next used.
    for obj in [o for o in db.session.identity_map.values() if isinstance(o, CaseReview)]:
        db.session.expire(obj)


# ---------------------------------------------------------------------------------------------
# One case's review, and the reviewer's adjustment
# ---------------------------------------------------------------------------------------------

@dataclass
class CaseReviewView:
    case: Case
    review: CaseReview | None
    result: rules.Review | None  # the checks as they stand, with why each passed or failed
    rules: Rules


def case_review(case: Case, now: datetime, town: Town) -> CaseReviewView:
    """The review of one closed case's current closing, computed first when missing or stale, with
    its checks. None for a case not closed (a reopened one too: its earlier review is the month's)."""
    current = load_rules()
    closed = case.status in REVIEWED_STATUSES and case.outcome is not None
    if closed and due_for_review(current, Case.id == case.id):
        _review_batch([case.id], current, now)
    stored = db.session.scalar(select(CaseReview).where(
        CaseReview.case_id == case.id, CaseReview.closed_at == case.outcome.closed_at)) if closed else None
    result = None
    if closed:
        sessions = db.session.scalar(select(func.count()).select_from(MediationSession)
                                     .where(MediationSession.case_id == case.id))
        visited = any(v.visited_at is not None for v in case.return_visits)
        result = rules.review(facts_for(case, sessions, visited), current.items, current.grades)
    return CaseReviewView(case, stored, result, current)


def adjust(review: CaseReview, grade: str, reason: str, user: User, now: datetime) -> TimelineEvent:
    """The reviewer sets the grade that counts, with a reason; the computed grade stays beside it.
    Written on the case's timeline (no change of its state); the caller records the audit and commits."""
    reason = (reason or "").strip()
    if grade not in {g.value for g in GRADES}:
        raise ReviewRefused(N_("Choose a grade."), field="grade")
    if not reason:
        raise ReviewRefused(N_("Give the reason for the adjustment."), field="reason")
    if len(reason) > rules.MAX_REASON:
        raise ReviewRefused(N_("Keep the reason under %(n)s characters."), field="reason", n=rules.MAX_REASON)
    previous, user_id = review.final_grade, user.id  # read first: a load here must not flush half an adjustment
    case_status = db.session.scalar(select(Case.status).where(Case.id == review.case_id))
    review.adjusted_grade, review.adjusted_reason = grade, reason
    review.adjusted_by_id, review.adjusted_at = user_id, now
    event = TimelineEvent(case_id=review.case_id, at=now, actor_id=user_id, action="review_adjusted",
                          from_status=case_status, to_status=case_status,
                          details={"reason": reason, "grade": grade, "computed_grade": review.grade,
                                   "previous_grade": previous})
    db.session.add(event)
    db.session.flush()
    return event


# ---------------------------------------------------------------------------------------------
# A month's reviews and subsidies
# ---------------------------------------------------------------------------------------------

def review_month(start: datetime, end: datetime, now: datetime, town: Town) -> int:
    """Compute the missing or stale reviews of the current closings in [start, end) (the earlier
    closings in it keep the reviews they had)."""
    current = load_rules()
    ids = due_for_review(current, and_(CaseOutcome.closed_at >= start, CaseOutcome.closed_at < end))
    written = 0
    for first in range(0, len(ids), BATCH):
        written += _review_batch(ids[first:first + BATCH], current, now)
    return written


def _closings(start: datetime, end: datetime):
    """Every closing in [start, end) as a subquery (case_id, outcome, closed_at, closed_by_id): the
    current outcomes and the earlier ones a reopen moved into the history (as reports.queries._closings
    counts them). Each branch is a range on its own closed_at index; UNION ALL, one statement."""
    def branch(table):
        return (select(table.case_id.label("case_id"), table.outcome.label("outcome"),
                       table.closed_at.label("closed_at"), table.closed_by_id.label("closed_by_id"))
                .where(table.closed_at >= start, table.closed_at < end))
    return union_all(branch(CaseOutcome), branch(CaseOutcomeHistory)).subquery("closings")


def _month_reviews(start: datetime, end: datetime):
    """(the closings subquery, the worker expression) for the sheets: a review counts in the month
    of its closing (review.closed_at), joined to that closing for the outcome and who closed it."""
    closings = _closings(start, end)
    worker = func.coalesce(Case.mediator_id, closings.c.closed_by_id)  # the assigned mediator, else who closed it
    return closings, worker


def _from_month_reviews(stmt, closings, start: datetime, end: datetime):
    """`stmt` over the reviews whose closing is in [start, end), each joined to its closing and case."""
    return (stmt.select_from(CaseReview)
            .join(closings, and_(closings.c.case_id == CaseReview.case_id, closings.c.closed_at == CaseReview.closed_at))
            .join(Case, Case.id == CaseReview.case_id)
            .where(CaseReview.closed_at >= start, CaseReview.closed_at < end))


@dataclass(frozen=True)
class SheetRow:
    reference: str
    category: str
    outcome: str
    closed_at: datetime
    office_id: int | None
    office_name: str | None
    mediator_id: int | None
    mediator_name: str | None
    score: int
    grade: str
    adjusted_grade: str | None

    @property
    def final_grade(self) -> str:
        return rules.effective_grade(self.grade, self.adjusted_grade)


@dataclass
class Group:
    """One committee's or one mediator's part of a sheet."""

    key: int | None
    name: str | None
    rows: list = field(default_factory=list)
    counts: dict = field(default_factory=lambda: {g.value: 0 for g in GRADES})
    cases: int = 0
    amount: Decimal = Decimal("0")


def sheet_rows(start: datetime, end: datetime) -> list[SheetRow]:
    """Every closing in [start, end) with its review, an earlier closing of a case reopened since
    too (with the review it had): one statement."""
    closings, worker_id = _month_reviews(start, end)
    worker = aliased(User)
    stmt = select(Case.reference, Case.category, closings.c.outcome, CaseReview.closed_at, Case.lead_office_id,
                  Office.name, worker_id.label("worker_id"), worker.display_name, CaseReview.score, CaseReview.grade,
                  CaseReview.adjusted_grade)
    stmt = (_from_month_reviews(stmt, closings, start, end)
            .outerjoin(Office, Office.id == Case.lead_office_id)
            .outerjoin(worker, worker.id == worker_id)
            .order_by(Office.name, CaseReview.closed_at, Case.id))
    return [SheetRow(*row) for row in db.session.execute(stmt)]


def group_rows(rows: Iterable[SheetRow], by: str) -> list[Group]:
    """The rows per committee (lead office) or per mediator, in order of name; counts per grade."""
    groups: dict[int | None, Group] = {}
    for row in rows:
        key, name = (row.office_id, row.office_name) if by == "committee" else (row.mediator_id, row.mediator_name)
        group = groups.setdefault(key, Group(key, name))
        group.rows.append(row)
        group.counts[row.final_grade] += 1
        group.cases += 1
    return sorted(groups.values(), key=lambda g: (g.name is None, g.name or ""))


def grade_totals(groups: Iterable[Group]) -> dict[str, int]:
    totals = {g.value: 0 for g in GRADES}
    for group in groups:
        for grade, n in group.counts.items():
            totals[grade] += n
    return totals


@dataclass(frozen=True)
class SubsidyLine:
    category: str
    grade: str
    cases: int
    rate: Decimal

    @property
    def amount(self) -> Decimal:
        return self.rate * self.cases


@dataclass
class SubsidyGroup:
    key: int | None
    name: str | None
    lines: list = field(default_factory=list)

    @property
    def cases(self) -> int:
        return sum(line.cases for line in self.lines)

    @property
    def amount(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal("0"))


@dataclass
class SubsidyTable:
    by_committee: list[SubsidyGroup]
    by_mediator: list[SubsidyGroup]

    @property
    def cases(self) -> int:
        return sum(g.cases for g in self.by_committee)

    @property
    def amount(self) -> Decimal:
        return sum((g.amount for g in self.by_committee), Decimal("0"))


def subsidy_table(start: datetime, end: datetime) -> SubsidyTable:
    """以案定补 for the closings in [start, end) (those of cases reopened since too, as reviewed then):
    cases × the rate for their category and grade (the adjusted grade when a reviewer set one), per
    committee and per mediator. One GROUP BY and the rates (two statements)."""
    final = func.coalesce(CaseReview.adjusted_grade, CaseReview.grade)
    closings, worker_id = _month_reviews(start, end)
    worker = aliased(User)
    stmt = select(Case.lead_office_id, Office.name, worker_id.label("worker_id"), worker.display_name, Case.category,
                  final.label("final_grade"), func.count().label("cases"))
    stmt = (_from_month_reviews(stmt, closings, start, end)
            .outerjoin(Office, Office.id == Case.lead_office_id)
            .outerjoin(worker, worker.id == worker_id)
            .group_by(Case.lead_office_id, Office.name, worker_id, worker.display_name, Case.category, final))
    counts = db.session.execute(stmt).all()
    rates = rate_table()
    order = {g.value: n for n, g in enumerate(GRADES)}

    def grouped(key_of) -> list[SubsidyGroup]:
        groups: dict[int | None, SubsidyGroup] = {}
        lines: dict[tuple, int] = {}
        for row in counts:
            key, name = key_of(row)
            groups.setdefault(key, SubsidyGroup(key, name))
            lines[(key, row.category, row.final_grade)] = lines.get((key, row.category, row.final_grade), 0) + row.cases
        for (key, category, grade), n in sorted(lines.items(), key=lambda kv: (kv[0][1], order[kv[0][2]])):
            groups[key].lines.append(SubsidyLine(category, grade, n, rules.subsidy_rate(rates, category, grade)))
        return sorted(groups.values(), key=lambda g: (g.name is None, g.name or ""))

    return SubsidyTable(by_committee=grouped(lambda r: (r.lead_office_id, r.name)),
                        by_mediator=grouped(lambda r: (r.worker_id, r.display_name)))


# ---------------------------------------------------------------------------------------------
# The admin's edits
# ---------------------------------------------------------------------------------------------

def items_and_grades() -> tuple[list[ReviewItem], list[ReviewGrade], list[SubsidyRate]]:
    order = {g.value: n for n, g in enumerate(GRADES)}
    items = db.session.scalars(select(ReviewItem)).all()
    item_order = {code.value: n for n, code in enumerate(rules.Item)}
    grades = db.session.scalars(select(ReviewGrade)).all()
    rates = db.session.scalars(select(SubsidyRate)).all()
    return (sorted(items, key=lambda i: item_order.get(i.code, 99)), sorted(grades, key=lambda g: order[g.grade]),
            sorted(rates, key=lambda r: (r.category != "", r.category, order[r.grade])))


class BadMonth(DomainError):
    """A month argument that is no month: 400 with this message."""


def month_asked(text: str | None, now: datetime, town: Town) -> tuple[int, int]:
    """?month=2026-10 as (2026, 10); this month (in the town) when absent; BadMonth otherwise."""
    if text is None or not text.strip():
        today = now.astimezone(town.tz).date()
        return today.year, today.month
    parsed = rules.month_bounds(text)
    if parsed is None:
        raise BadMonth(N_("Give the month as year and month, e.g. 2026-10."))
    return parsed


SHEET_KINDS = ("committee", "mediator")


def sheet_kind(text: str | None) -> str:
    if not text:
        return SHEET_KINDS[0]
    if text not in SHEET_KINDS:
        raise BadMonth(N_("List the sheet by committee or by mediator."))
    return text
