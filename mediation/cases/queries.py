"""The due-state rule applied in SQL, from the same bounds as `core.deadlines.DueWindow.state_of`:
the sweep, the dashboard and the agenda all select with these, so a list never disagrees with a badge."""
from sqlalchemy import and_, case as sql_case, or_

from ..core.deadlines import DueState, DueWindow
from ..core.lifecycle import OPEN_STATUSES
from .models import Case

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
    return or_(Case.next_deadline <= window.cutoff, Case.due_state.is_not(None))
