"""Bearer tokens for channel systems: who is calling, and which channel's cases it may touch.

A token is looked up by its hash (the token itself is never stored). `last_used_at` is
written in its own short transaction, at most once a minute per token, so a busy channel
does not turn every read into a write, and concurrent submissions do not queue on the
token's row while they register cases.
"""
from dataclasses import dataclass
from datetime import timedelta
from functools import wraps

from flask import g, jsonify, request
from sqlalchemy import or_, select, update

from ..core.vocab import Channel
from ..db import utcnow
from ..extensions import db
from .models import ChannelToken, hash_token

# Channels whose systems may hold a token: all but walk-ins, which staff register by hand.
API_CHANNELS = tuple(c.value for c in Channel if c != Channel.WALK_IN)
LAST_USED_RESOLUTION = timedelta(minutes=1)
MAX_TOKEN_LENGTH = 128
REALM = 'Bearer realm="mediation"'


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
    db.session.execute(
        update(ChannelToken)
        .where(ChannelToken.id == token_id,
               or_(ChannelToken.last_used_at.is_(None), ChannelToken.last_used_at < cutoff))
        .values(last_used_at=now)
        .execution_options(synchronize_session=False))
    db.session.commit()


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
