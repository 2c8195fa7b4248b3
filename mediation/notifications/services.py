"""Write notices in bulk, each once: rows whose dedupe key already exists are left out."""
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, select

from ..auth.models import User
from ..core.vocab import Role
from ..extensions import db
from .models import Notification


def notify_once(notices: Iterable[dict], now: datetime) -> int:
    """Insert notices (user_id, case_id, kind, details, dedupe_key) made at `now`; return how many were new."""
    rows = {n["dedupe_key"]: n for n in notices}
    if not rows:
        return 0
    keys = list(rows)
    existing = set()
    for start in range(0, len(keys), 500):
        existing.update(db.session.scalars(select(Notification.dedupe_key)
                                           .where(Notification.dedupe_key.in_(keys[start:start + 500]))))
    new = [dict(row, created_at=now, details=row.get("details") or {})
           for key, row in rows.items() if key not in existing]
    if new:
        db.session.execute(Notification.__table__.insert(), new)
    return len(new)


def unread_count(user_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == user_id, Notification.read_at.is_(None)))


def supervisor_ids() -> list[int]:
    return list(db.session.scalars(select(User.id).where(User.role == Role.SUPERVISOR.value, User.active.is_(True))))


def case_recipients(case_rows, supervisors: list[int]) -> list[tuple[int, int]]:
    """(case id, user id) for the assigned mediator and the supervisors of each (case id, mediator id)."""
    pairs = set()
    for case_id, mediator_id in case_rows:
        if mediator_id:
            pairs.add((case_id, mediator_id))
        pairs.update((case_id, s) for s in supervisors)
    return sorted(pairs)
