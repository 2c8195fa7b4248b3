"""Sign-in with lockout, password changes and account administration. The caller commits.

The failure counter and the lock are set by one UPDATE in the database, so parallel wrong
passwords cannot each read a stale count (40 at once lock the account like 40 in a row).
"""
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path

from sqlalchemy import case, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from ..core.errors import DomainError, N_
from ..core.passwords import password_problem, temporary_password
from ..core.vocab import Role
from ..extensions import db
from . import audit
from .models import User
from .sessions import end_sessions

COMMON_PASSWORDS_FILE = Path(__file__).with_name("common_passwords.txt")


@cache
def common_passwords() -> frozenset[str]:
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


@cache
def _dummy_hash() -> str:
    """A hash made the way real ones are, checked for unknown usernames: the same cost either way,
    so the answer's timing does not tell which usernames exist."""
    return generate_password_hash("not a password of anyone")


def authenticate(username: str, password: str, *, now: datetime, ip: str | None, max_failures: int,
                 lock_minutes: int) -> User | None:
    """The user if the password is right and the account usable; None otherwise.

    Failures say nothing about which part was wrong, so usernames cannot be probed.
    """
    user = db.session.scalar(select(User).where(User.username == username.strip()))
    if user is None:
        check_password_hash(_dummy_hash(), password)
        audit.record("login_failed", None, "user", None, username=username[:64], at=now, ip=ip, success=False)
        return None
    if user.locked_until and user.locked_until > now:
        check_password_hash(_dummy_hash(), password)
        audit.record("login_locked", user, "user", user.id, at=now, ip=ip, success=False)
        return None
    if not user.check_password(password) or not user.active:
        _count_failure(user, now=now, max_failures=max_failures, lock_minutes=lock_minutes)
        audit.record("login_failed", user, "user", user.id, at=now, ip=ip, success=False,
                     reason="password" if user.active else "disabled")
        if user.locked_until and user.locked_until > now:
            audit.record("account_locked", user, "user", user.id, at=now, ip=ip, minutes=lock_minutes)
        return None
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    audit.record("login", user, "user", user.id, at=now, ip=ip)
    return user


def _count_failure(user: User, *, now: datetime, max_failures: int, lock_minutes: int) -> None:
    """One atomic increment; the failure that reaches the limit locks and restarts the count."""
    reached = User.failed_logins + 1 >= max_failures
    db.session.execute(
        update(User).where(User.id == user.id)
        .values(failed_logins=case((reached, 0), else_=User.failed_logins + 1),
                locked_until=case((reached, now + timedelta(minutes=lock_minutes)), else_=User.locked_until))
        .execution_options(synchronize_session=False))
    db.session.refresh(user, ["failed_logins", "locked_until"])


def check_new_password(password: str, username: str) -> None:
    problem = password_problem(password, username=username, common=common_passwords())
    if problem:
        raise DomainError(problem, field="new_password")


def change_own_password(user: User, current: str, new: str, *, now: datetime, ip: str | None,
                        keep_session: str | None) -> None:
    """The user's own change: the current password proves it is them; other sessions end."""
    if not user.check_password(current):
        audit.record("password_change_failed", user, "user", user.id, at=now, ip=ip, success=False)
        raise DomainError(N_("The current password is wrong."), field="current_password")
    if new == current:
        raise DomainError(N_("The new password must differ from the current one."), field="new_password")
    check_new_password(new, user.username)
    user.set_password(new, at=now)
    end_sessions(user.id, "password", keep=keep_session)
    audit.record("password_changed", user, "user", user.id, at=now, ip=ip)


def create_account(*, admin: User, username: str, display_name: str, role: str, office_id: int, now: datetime,
                   ip: str | None) -> tuple[User, str]:
    """A new account with a one-time temporary password (returned once, never stored in clear)."""
    username = username.strip()
    if db.session.scalar(select(User.id).where(User.username == username)) is not None:
        raise DomainError(N_("This username is taken."), field="username")
    password = temporary_password()
    user = User(username=username, display_name=display_name.strip(), role=Role(role).value, office_id=office_id)
    user.set_password(password, temporary=True, at=now)
    db.session.add(user)
    db.session.flush()
    audit.record("user_created", admin, "user", user.id, at=now, ip=ip, username=username, role=user.role,
                 office_id=office_id)
    return user, password


def update_account(user: User, *, admin: User, display_name: str, role: str, office_id: int, now: datetime,
                   ip: str | None) -> None:
    if user.id == admin.id and role != Role.ADMIN.value:
        raise DomainError(N_("You cannot take away your own administrator role."), field="role")
    before = {"display_name": user.display_name, "role": user.role, "office_id": user.office_id}
    user.display_name, user.role, user.office_id = display_name.strip(), Role(role).value, office_id
    after = {"display_name": user.display_name, "role": user.role, "office_id": user.office_id}
    changed = {k: [before[k], after[k]] for k in before if before[k] != after[k]}
    if changed.get("role") or changed.get("office_id"):
        end_sessions(user.id, "changed")  # a new role or office takes effect at once
    audit.record("user_updated", admin, "user", user.id, at=now, ip=ip, changed=changed)


def set_active(user: User, active: bool, *, admin: User, now: datetime, ip: str | None) -> None:
    if user.id == admin.id and not active:
        raise DomainError(N_("You cannot disable your own account."))
    user.active = active
    if not active:
        end_sessions(user.id, "disabled")
    audit.record("user_enabled" if active else "user_disabled", admin, "user", user.id, at=now, ip=ip)


def unlock(user: User, *, admin: User, now: datetime, ip: str | None) -> None:
    user.failed_logins = 0
    user.locked_until = None
    audit.record("user_unlocked", admin, "user", user.id, at=now, ip=ip)


def reset_password(user: User, *, admin: User, now: datetime, ip: str | None) -> str:
    """A new one-time temporary password; the user's sessions end and the lock lifts."""
    password = temporary_password()
    user.set_password(password, temporary=True, at=now)
    user.failed_logins = 0
    user.locked_until = None
    end_sessions(user.id, "reset")
    audit.record("password_reset", admin, "user", user.id, at=now, ip=ip)
    return password
