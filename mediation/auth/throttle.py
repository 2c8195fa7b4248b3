"""Attempt limits kept in the database, so they hold across every web worker and restart."""
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select

from ..extensions import db
from .models import ThrottleHit


def hits(key: str, *, now: datetime, window: timedelta) -> int:
    """How many attempts `key` made within `window` before `now`."""
    return db.session.scalar(select(func.count()).select_from(ThrottleHit)
                             .where(ThrottleHit.key == key, ThrottleHit.at > now - window))


def hit(key: str, *, now: datetime, window: timedelta) -> None:
    """Count one attempt, and forget this key's attempts too old to matter. The caller commits."""
    db.session.execute(delete(ThrottleHit).where(ThrottleHit.key == key, ThrottleHit.at <= now - window))
    db.session.add(ThrottleHit(key=key[:128], at=now))
