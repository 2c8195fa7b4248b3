"""Recompute the deadlines of every case still running a clock, after the calendar or the policy changed.

Set-based: cases are read in batches by primary key with what `refresh_deadlines` reads, the
deadlines are computed by that one function, and only the rows whose stored deadlines differ
are written back, one executemany UPDATE per batch. The case's version does not move (a
recompute is not an edit, so nobody's open page goes stale); `updated_at` does, so channel
clients syncing by it see the new deadlines.
"""
import logging
from datetime import datetime

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import selectinload

from ..cases.models import Case
from ..cases.services import refresh_deadlines
from ..core.lifecycle import FINAL_STATUSES
from ..core.town import Town
from ..extensions import db

log = logging.getLogger(__name__)

JOB_NAME = "recompute_deadlines"
BATCH = 1000
DEADLINE_COLUMNS = ("accept_by", "conclude_by", "follow_up_by", "confirmation_by", "reply_by", "next_deadline")
STORED_COLUMNS = (*DEADLINE_COLUMNS, "next_stage", "deadline_provisional")
# What refresh_deadlines reads beyond the case's own columns: loaded once per batch, not once per case.
LOAD_OPTIONS = (selectinload(Case.outcome), selectinload(Case.return_visits))

_table = Case.__table__
_WRITE = (update(_table).where(_table.c.id == bindparam("b_id"))
          .values({**{c: bindparam(f"b_{c}") for c in STORED_COLUMNS}, "updated_at": bindparam("b_now")}))


def recompute_deadlines(now: datetime, town: Town, *, batch: int = BATCH) -> int:
    """Recompute every non-final case's deadlines with `town`'s calendar and policy; return how many
    cases had a deadline move (a change of the provisional mark alone is written but not counted)."""
    moved, written, last_id = 0, 0, 0
    while True:
        cases = db.session.scalars(
            select(Case).where(Case.status.not_in([s.value for s in FINAL_STATUSES]), Case.id > last_id)
            .order_by(Case.id).limit(batch).options(*LOAD_OPTIONS)).all()
        if not cases:
            break
        last_id = cases[-1].id
        changes = []
        with db.session.no_autoflush:
            for case in cases:
                before = tuple(getattr(case, c) for c in STORED_COLUMNS)
                refresh_deadlines(case, town)
                after = tuple(getattr(case, c) for c in STORED_COLUMNS)
                if after != before:
                    changes.append({"b_id": case.id, "b_now": now,
                                    **{f"b_{c}": v for c, v in zip(STORED_COLUMNS, after)}})
                    moved += after[:len(DEADLINE_COLUMNS)] != before[:len(DEADLINE_COLUMNS)]
                # Drop the in-memory edit: the ORM would write it with a new version; the UPDATE below does not.
                db.session.expire(case)
        if changes:
            db.session.execute(_WRITE, changes)
            written += len(changes)
    log.info("recompute deadlines: %s cases' deadlines moved, %s rows written", moved, written)
    return moved
