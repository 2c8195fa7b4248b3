"""Bearer tokens for channel systems: who is calling, and which channel's cases it may touch.

A token is looked up by its hash (the token itself is never stored). `last_used_at` is
written in its own short transaction, at most once a minute per token, so a busy channel
does not turn every read into a write, and concurrent submissions do not queue on the
token's row while they register cases. It is bookkeeping, not part of the answer: when the
database is busy (`database_busy`) it is skipped, so a channel can still read while something
else holds the write lock.
"""
import logging
import sqlite3
from dataclasses import dataclass
from datetime import timedelta
from functools import wraps

from flask import g, jsonify, request
from sqlalchemy import or_, select, update
from sqlalchemy.exc import DBAPIError

from ..core.vocab import Channel
from ..db import utcnow
from ..extensions import db
from .models import ChannelToken, hash_token

# Channels whose systems may hold a token: all but walk-ins, which staff register by hand.
API_CHANNELS = tuple(c.value for c in Channel if c != Channel.WALK_IN)
LAST_USED_RESOLUTION = timedelta(minutes=1)
MAX_TOKEN_LENGTH = 128
REALM = 'Bearer realm="mediation"'

log = logging.getLogger(__name__)

# PostgreSQL's SQLSTATEs for "someone else holds what this transaction needs; try again":
# serialization_failure, deadlock_detected, lock_not_available (psycopg's SerializationFailure,
# DeadlockDetected, LockNotAvailable; lock_not_available is what lock_timeout raises).
_PG_BUSY_SQLSTATES = frozenset({"40001", "40P01", "55P03"})
_SQLITE_BUSY_CODES = frozenset({5, 6})  # SQLITE_BUSY, SQLITE_LOCKED (primary codes)
_SQLITE_BUSY_MESSAGES = ("database is locked", "database table is locked", "database schema is locked")


def database_busy(exc: BaseException | None) -> bool:
    """Whether `exc` says the database was busy (a lock held elsewhere, a deadlock, a serialization
    failure) rather than that something is wrong: nothing was written, and the same request may
    simply be tried again. SQLite: "database is locked" / "database table is locked"; PostgreSQL:
    SQLSTATE 40001, 40P01, 55P03. Anything else (a missing table, a lost connection) is not busy.
    """
    if not isinstance(exc, DBAPIError) or exc.orig is None:
        return False
    orig = exc.orig
    if isinstance(orig, sqlite3.Error):
        code = getattr(orig, "sqlite_errorcode", None)
        if code is not None and (code & 0xFF) in _SQLITE_BUSY_CODES:  # extended codes too (BUSY_SNAPSHOT)
            return True
        message = str(orig).lower()
        return any(text in message for text in _SQLITE_BUSY_MESSAGES)
    sqlstate = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)  # psycopg 3, psycopg2
    return sqlstate in _PG_BUSY_SQLSTATES


@dataclass(frozen=True)
class ApiClient:
    """The authenticated channel system for this request."""

    token_id: int
    channel: str


def bearer_credentials() -> str | None:
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    credentials = credentials.strip()
    if scheme.lower() != "bearer" or not credentials or len(credentials) > MAX_TOKEN_LENGTH:
        return None
    return credentials


def authenticate() -> ApiClient | None:
    """The client named by the request's bearer token, if it is a live (unrevoked) one."""
    credentials = bearer_credentials()
    if credentials is None:
        return None
    row = db.session.execute(
        select(ChannelToken.id, ChannelToken.channel, ChannelToken.last_used_at)
        .where(ChannelToken.token_hash == hash_token(credentials), ChannelToken.revoked_at.is_(None))
    ).one_or_none()
    if row is None:
        return None
    _touch(row.id, row.last_used_at)
    return ApiClient(token_id=row.id, channel=row.channel)


def _touch(token_id: int, last_used_at) -> None:
    now = utcnow()
    cutoff = now - LAST_USED_RESOLUTION
    if last_used_at is not None and last_used_at >= cutoff:
        return
    try:
        db.session.execute(
            update(ChannelToken)
            .where(ChannelToken.id == token_id,
                   or_(ChannelToken.last_used_at.is_(None), ChannelToken.last_used_at < cutoff))
            .values(last_used_at=now)
            .execution_options(synchronize_session=False))
        db.session.commit()
    except DBAPIError as exc:
        db.session.rollback()
        if not database_busy(exc):
            raise
        log.info("token %s: database busy, last_used_at left for a later request", token_id)


def unauthorized():
    """401 with the challenge RFC 6750 asks for; `invalid_token` when a token was presented."""
    presented = bool(request.headers.get("Authorization"))
    response = jsonify(error="A valid bearer token is required: Authorization: Bearer <token>."
                       if not presented else "The bearer token is unknown or revoked.")
    response.status_code = 401
    response.headers["WWW-Authenticate"] = REALM + (', error="invalid_token"' if presented else "")
    return response


def token_required(view):
    """The view runs only for a live token; `current_client()` then says which channel it is."""
    @wraps(view)
    def wrapped(*args, **kwargs):
        g.api_client = None
        client = authenticate()
        if client is None:
            return unauthorized()
        g.api_client = client
        return view(*args, **kwargs)
    return wrapped


def current_client() -> ApiClient:
    return g.api_client
