"""Sign-in with lockout. The caller commits."""
from datetime import datetime, timedelta

from sqlalchemy import select

from ..extensions import db
from . import audit
from .models import User


def authenticate(username: str, password: str, *, now: datetime, ip: str | None, max_failures: int,
                 lock_minutes: int) -> User | None:
    """The user if the password is right and the account usable; None otherwise.

    Failures say nothing about which part was wrong, so usernames cannot be probed.
    """
    user = db.session.scalar(select(User).where(User.username == username.strip()))
    if user is None:
        audit.record("login_failed", None, "user", None, username=username[:64], at=now, ip=ip)
        return None
    if user.locked_until and user.locked_until > now:
        audit.record("login_locked", user, "user", user.id, at=now, ip=ip)
        return None
    if not user.active or not user.check_password(password):
        user.failed_logins += 1
        if user.failed_logins >= max_failures:
            user.locked_until = now + timedelta(minutes=lock_minutes)
            user.failed_logins = 0
        audit.record("login_failed", user, "user", user.id, at=now, ip=ip)
        return None
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    audit.record("login", user, "user", user.id, at=now, ip=ip)
    return user
