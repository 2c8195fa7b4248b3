"""Idle and absolute session limits, checked on the server for every request."""
import time

from flask import current_app, session
from flask_login import current_user, logout_user


def start_session() -> None:
    session.permanent = True
    session["login_at"] = session["seen_at"] = int(time.time())


def enforce_session_limits():
    if not current_user.is_authenticated:
        return None
    now = int(time.time())
    cfg = current_app.config
    idle = now - session.get("seen_at", 0) > cfg["PERMANENT_SESSION_LIFETIME"]
    too_long = now - session.get("login_at", 0) > cfg["SESSION_ABSOLUTE_LIFETIME"]
    if idle or too_long:
        logout_user()
        session.clear()
        return None
    session["seen_at"] = now
    return None
