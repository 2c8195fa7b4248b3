"""Channel tokens, made and revoked: one service for the `flask channel-token` command and the
admin page. The token is handed out once, by whoever called `create_token`; only its hash (and
its first characters, to tell tokens apart in lists) is stored. A lost token is revoked and
replaced, never recovered. Both functions flush; the caller audits and commits."""
from datetime import datetime

from ..extensions import db
from .models import ChannelToken, hash_token, new_token

MAX_NAME = 128
HINT_LENGTH = 12


def create_token(channel: str, name: str = "", created_by_id: int | None = None) -> tuple[ChannelToken, str]:
    """A new token row (added to the session, flushed, not committed) and the token to hand over.
    The callers offer only API_CHANNELS (the form's choices, the command's); `channel` is not
    checked again here, so tests can make a token for any channel."""
    token = new_token()
    row = ChannelToken(channel=channel, name=(name or "").strip()[:MAX_NAME], token_hash=hash_token(token),
                       hint=token[:HINT_LENGTH], created_by_id=created_by_id)
    db.session.add(row)
    db.session.flush()
    return row, token


def revoke_token(row: ChannelToken, now: datetime) -> bool:
    """Revoke `row` from `now` on; False when it was already revoked (nothing changes)."""
    if not row.active:
        return False
    row.revoked_at = now
    db.session.flush()
    return True
