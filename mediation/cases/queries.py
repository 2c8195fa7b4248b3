"""Queries on many cases.

The due-state rule applied in SQL, from the same bounds as `core.deadlines.DueWindow.state_of`:
the sweep, the dashboard and the agenda all select with these, so a list never disagrees with a
badge. And the queue's page: sorted through an index, counted no further than is cheap."""
from dataclasses import dataclass

from sqlalchemy import and_, case as sql_case, func, literal_column, or_, select
from sqlalchemy.orm import joinedload

from ..core.deadlines import DueState, DueWindow
from ..core.lifecycle import OPEN_STATUSES
from ..extensions import db
from .models import QUEUE_ORDER_SQL, Case, Supervision

OPEN_STATUS_VALUES = tuple(s.value for s in OPEN_STATUSES)


def is_open():
    return Case.status.in_(OPEN_STATUS_VALUES)


def due_state_sql(window: DueWindow):
    """'overdue', 'due_soon' or NULL for each case, as DueWindow.state_of says for its next deadline
    (a case has a next deadline only in a status that runs one: see core.deadlines.RUNNING_STAGES)."""
    return sql_case((Case.next_deadline < window.now, DueState.OVERDUE.value),
                    (Case.next_deadline <= window.cutoff, DueState.DUE_SOON.value), else_=None)


def is_due(state: DueState, window: DueWindow):
    """Cases in `state` now: a range on the indexed next_deadline."""
    if state == DueState.OVERDUE:
        return Case.next_deadline < window.now
    return and_(Case.next_deadline >= window.now, Case.next_deadline <= window.cutoff)


def is_due_or_flagged(window: DueWindow):
    """The sweep's candidates: a deadline within reach (indexed) or a flag that may need clearing."""
    return or_(Case.next_deadline <= window.cutoff, Case.due_state.in_([s.value for s in DueState]))  # IN: indexable


# The queue: sorted through the ix_cases_queue* indexes, counted only as far as is cheap.
QUEUE_ORDER = literal_column(QUEUE_ORDER_SQL.replace("next_deadline", "cases.next_deadline"))
COUNT_CAP = 1000  # beyond this a page says "1,000+": an exact count would read every matching row


def count_label(n: int) -> str:
    """A count taken only as far as COUNT_CAP + 1, as a page shows it: "1,000+" beyond the cap."""
    return f"{COUNT_CAP:,}+" if n > COUNT_CAP else f"{n:,}"


@dataclass(frozen=True)
class QueuePage:
    items: list
    page: int
    per_page: int
    total: int | None  # exact when it is at most COUNT_CAP, else None ("1,000+")
    has_next: bool

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1

    @property
    def total_label(self) -> str:
        return count_label(self.total if self.total is not None else COUNT_CAP + 1)

    @property
    def pages_label(self) -> str:
        if self.total is None:
            return f"{-(-COUNT_CAP // self.per_page)}+"
        return str(max(1, -(-self.total // self.per_page)))

    @classmethod
    def of_search(cls, cases: list, limit: int) -> "QueuePage":
        return cls(items=cases, page=1, per_page=limit, total=len(cases), has_next=False)


def queue_page(stmt, number: int, per_page: int, counted=None) -> QueuePage:
    """One page of `stmt` (a select of cases) in queue order: two statements, whatever the size.
    `counted`, the same cases written as the capped count is served best, is counted instead of `stmt`."""
    ids = (counted if counted is not None else stmt).with_only_columns(Case.id).order_by(None)
    counted = db.session.scalar(select(func.count()).select_from(ids.limit(COUNT_CAP + 1).subquery()))
    rows = db.session.scalars(
        stmt.options(joinedload(Case.lead_office), joinedload(Case.village), joinedload(Case.mediator))
        .order_by(QUEUE_ORDER, Case.id.desc()).offset((number - 1) * per_page).limit(per_page + 1)).all()
    return QueuePage(items=rows[:per_page], page=number, per_page=per_page,
                     total=counted if counted <= COUNT_CAP else None, has_next=len(rows) > per_page)


# 督办 as a loop, for the supervisor's dashboard: given, answered (反馈) or still awaited, and late.
SUPERVISION_STATES = ("unanswered", "overdue", "answered")
SUPERVISION_LIST_LIMIT = 50


def supervision_clause(state: str, now):
    """Open: neither answered nor ended by the case closing. Overdue: open past its due date."""
    return {
        "unanswered": Supervision.done_at.is_(None),
        "overdue": and_(Supervision.done_at.is_(None), Supervision.due_at < now),
        "answered": Supervision.answer.is_not(None),
    }[state]


def supervision_counts(now) -> dict[str, int]:
    """The three counts in one aggregate."""
    row = db.session.execute(select(*[func.count().filter(supervision_clause(state, now)).label(state)
                                      for state in SUPERVISION_STATES]).select_from(Supervision)).one()
    return row._asdict()


def supervision_list(state: str, now, limit: int = SUPERVISION_LIST_LIMIT) -> list[Supervision]:
    """One list, in one query: awaited ones by due date (the latest first in line), answered ones newest first."""
    order = (Supervision.answered_at.desc(), Supervision.id.desc()) if state == "answered" else \
        (Supervision.due_at, Supervision.id)
    return db.session.scalars(
        select(Supervision).where(supervision_clause(state, now))
        .options(joinedload(Supervision.case).joinedload(Case.mediator), joinedload(Supervision.created_by),
                 joinedload(Supervision.answered_by))
        .order_by(*order).limit(limit)).all()
