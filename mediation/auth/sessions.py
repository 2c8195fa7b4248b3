"""Signed-in sessions held on the server (等保 2.0: session timeout, ending a session).

The cookie carries only a random token; the row it names says whether the session still
holds. Idle and absolute limits are checked here for every request, so signing out, disabling
an account or changing a password ends the session wherever the cookie was copied to.
Times are the real clock, not a request's fixed test time: sessions age in wall time.
"""
import hashlib
import secrets
from datetime import datetime, timedelta

from flask import current_app, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import select, update

from ..core.passwords import password_expired
from ..db import utcnow
from ..extensions import db
from .models import User, UserSession

# Writing last_seen_at on every request would make every page a write; a minute's slack is enough.
TOUCH_EVERY = timedelta(seconds=60)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(user: User, *, ip: str | None, now: datetime | None = None) -> str:
    """A new session for `user`; the token goes into the cookie (Flask-Login's user id)."""
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    db.session.add(UserSession(token_hash=_hash(token), user_id=user.id, created_at=now, last_seen_at=now, ip=ip))
    user.session_token = token
    return token


def load_session_user(token: str, *, idle: timedelta, absolute: timedelta) -> User | None:
    """The user of a live session, or None (unknown, ended, idle too long, signed in too long,
    or the account disabled). An expired session is ended on the way."""
    if not token or len(token) > 64:
        return None
    row = db.session.execute(
        select(UserSession, User).join(User, User.id == UserSession.user_id)
        .where(UserSession.token_hash == _hash(token), UserSession.ended_at.is_(None))).first()
    if row is None:
        return None
    user_session, user = row
    now = utcnow()
    if not user.active:
        _end(user_session, now, "disabled")
        return None
    if now - user_session.last_seen_at > idle:
        _end(user_session, now, "idle")
        return None
    if now - user_session.created_at > absolute:
        _end(user_session, now, "absolute")
        return None
    if now - user_session.last_seen_at > TOUCH_EVERY:
        user_session.last_seen_at = now
        db.session.commit()
    user.session_token = token
    return user


def _end(user_session: UserSession, now: datetime, reason: str) -> None:
    user_session.ended_at = now
    user_session.ended_reason = reason
    db.session.commit()


def end_session(token: str | None, reason: str = "logout") -> None:
    """End one session (sign-out). The caller commits."""
    if token:
        db.session.execute(update(UserSession).where(UserSession.token_hash == _hash(token),
                                                     UserSession.ended_at.is_(None))
                           .values(ended_at=utcnow(), ended_reason=reason))


def end_sessions(user_id: int, reason: str, *, keep: str | None = None) -> int:
    """End every session of a user (disabled, password changed or reset), except `keep`'s.
    The caller commits."""
    stmt = (update(UserSession).where(UserSession.user_id == user_id, UserSession.ended_at.is_(None))
            .values(ended_at=utcnow(), ended_reason=reason))
    if keep:
        stmt = stmt.where(UserSession.token_hash != _hash(keep))
    return db.session.execute(stmt).rowcount


# What a user who must change their password may still open.
_OPEN_DURING_CHANGE = {"auth.change_password", "auth.logout", "static", "bootstrap.static"}


def enforce_session_limits():
    """Idle and absolute limits are checked where the session is loaded (load_session_user);
    here: a temporary or too old password must be changed before anything else is opened."""
    if not current_user.is_authenticated or request.endpoint in _OPEN_DURING_CHANGE:
        return None
    if current_user.must_change_password or password_expired(
            current_user.password_changed_at, utcnow(), current_app.config["PASSWORD_MAX_AGE_DAYS"]):
        return redirect(url_for("auth.change_password"))
    return None
