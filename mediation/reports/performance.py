"""Workload and performance per mediator and per committee (core/performance.py lays it out): four
GROUP BY queries per grouping, whatever the number of cases or people."""
from datetime import date, datetime

from sqlalchemy import and_, case as sql_case, func, select

from ..auth.models import User
from ..cases.models import Case, ReturnVisit
from ..cases.queries import is_open
from ..core.performance import PerformanceRow, performance_table
from ..core.statistics import local_bounds
from ..core.town import Town
from ..core.vocab import Role
from ..extensions import db
from ..organisation.models import Office
from ..review.models import CaseReview
from .queries import SUCCESS, _closings, _days_between, _scope, _without_jit

BY = ("mediator", "committee")


def _grouping(by: str):
    return Case.mediator_id if by == "mediator" else Case.lead_office_id


def _names(by: str, reader: User | None) -> dict[int, str]:
    """Everyone who mediates (or each office that leads cases), in a stable order, even with nothing to show."""
    if by == "mediator":
        rows = db.session.execute(select(User.id, User.display_name, Office.name).join(Office, Office.id == User.office_id)
                                  .where(User.active.is_(True), User.role.in_([Role.MEDIATOR.value, Role.LIAISON.value]))
                                  .order_by(Office.id, User.display_name, User.id)).all()
        return {uid: f"{name}（{office}）" for uid, name, office in rows}
    rows = db.session.execute(select(Office.id, Office.name).where(Office.active.is_(True), Office.kind.in_(
        ["judicial_office", "village_committee", "police_station", "law_firm"])).order_by(Office.kind, Office.id)).all()
    return dict(rows)


def performance_rows(by: str, first: date, last: date, now: datetime, town: Town, reader: User | None = None,
                     unassigned: str = "") -> tuple[list[PerformanceRow], PerformanceRow]:
    """The table for `by` ("mediator" or "committee"): open and overdue as of `now`, the rest for the closings
    and return visits in [first, last], with the case-file review's grades (as adjusted) of the closings in
    the period, each closing with its own review (an earlier closing a reopen undid keeps the one it had)."""
    if by not in BY:
        raise ValueError(by)
    group = _grouping(by)
    start, end = local_bounds(first, last, town.tz)
    scope = _scope(reader)
    _without_jit()
    open_rows = db.session.execute(
        select(group, func.count(), func.sum(sql_case((Case.next_deadline < now, 1), else_=0)))
        .where(is_open(), scope).group_by(group)).all()
    closings = _closings(start, end)
    late = and_(closings.c.earlier == 0, Case.conclude_by.is_not(None), closings.c.closed_at > Case.conclude_by)
    closed_rows = db.session.execute(
        select(group, func.count(), func.sum(sql_case((closings.c.outcome.in_(SUCCESS), 1), else_=0)),
               func.sum(sql_case((late, 1), else_=0)), func.sum(_days_between(Case.received_at, closings.c.closed_at)))
        .join(Case, Case.id == closings.c.case_id).where(scope).group_by(group)).all()
    visit_rows = db.session.execute(
        select(group, ReturnVisit.satisfaction, func.count()).join(Case, Case.id == ReturnVisit.case_id)
        .where(ReturnVisit.visited_at >= start, ReturnVisit.visited_at < end, scope)
        .group_by(group, ReturnVisit.satisfaction)).all()
    grade = func.coalesce(CaseReview.adjusted_grade, CaseReview.grade)
    grade_rows = db.session.execute(  # each closing with its own review (a review is of one closing)
        select(group, grade, func.count()).select_from(closings)
        .join(Case, Case.id == closings.c.case_id)
        .join(CaseReview, and_(CaseReview.case_id == closings.c.case_id, CaseReview.closed_at == closings.c.closed_at))
        .where(scope).group_by(group, grade)).all()
    names = _names(by, reader)
    others = {row[0] for rows in (open_rows, closed_rows, visit_rows, grade_rows) for row in rows} - set(names) - {None}
    names.update(_other_names(by, others))
    return performance_table(names, open_rows, closed_rows, visit_rows, grade_rows, unassigned=unassigned)


def _other_names(by: str, ids: set[int]) -> dict[int, str]:
    """Names for those the rows bring beyond the active list (a mediator who has left, a supervisor
    assigned as mediator, an office closed since): one query, run whatever the rows, so the count is fixed."""
    if by == "mediator":
        rows = db.session.execute(select(User.id, User.display_name, Office.name).join(Office, Office.id == User.office_id)
                                  .where(User.id.in_(ids))).all()
        return {uid: f"{name}（{office}）" for uid, name, office in rows}
    return dict(db.session.execute(select(Office.id, Office.name).where(Office.id.in_(ids))).all())
