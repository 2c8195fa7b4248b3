"""Write notices in bulk, each once: rows whose dedupe key already exists are left out."""
from collections.abc import Iterable

from sqlalchemy import select

from ..db import utcnow
from ..extensions import db
from .models import Notification


def notify_once(notices: Iterable[dict]) -> int:
    """Insert notices (user_id, case_id, kind, details, dedupe_key); return how many were new."""
    rows = {n["dedupe_key"]: n for n in notices}
    if not rows:
        return 0
    keys = list(rows)
    existing = set()
    for start in range(0, len(keys), 500):
        existing.update(db.session.scalars(select(Notification.dedupe_key)
                                           .where(Notification.dedupe_key.in_(keys[start:start + 500]))))
    new = [dict(row, created_at=row.get("created_at") or utcnow(), details=row.get("details") or {})
           for key, row in rows.items() if key not in existing]
    if new:
        db.session.execute(Notification.__table__.insert(), new)
    return len(new)
