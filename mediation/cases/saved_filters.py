"""Saved queue filters: a user names the queue's current filters and comes back to them with one
click. Each user sees and deletes only their own; a name is unique per user (saving it again
replaces its filters)."""
from datetime import datetime
from urllib.parse import parse_qsl, urlencode

from sqlalchemy import ForeignKey, String, UniqueConstraint, delete, func, select
from sqlalchemy.orm import Mapped, mapped_column

from ..core.errors import DomainError
from ..db import UTCDateTime, utcnow
from ..extensions import db

MAX_SAVED = 30  # per user: a list of links, not an archive
QUERY_LENGTH = 1000


class SavedFilter(db.Model):
    __tablename__ = "saved_filters"
    __table_args__ = (UniqueConstraint("user_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(60))
    query: Mapped[str] = mapped_column(String(QUERY_LENGTH), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def clean_query(query: str, keys) -> str:
    """`query` (a URL query string) with only the filter arguments `keys`, in that order; an empty
    value is kept (status= means "any status", not the default)."""
    pairs = dict(parse_qsl(query or "", keep_blank_values=True))
    return urlencode([(k, pairs[k]) for k in keys if k in pairs])


def saved_filters(user_id: int) -> list[SavedFilter]:
    return list(db.session.scalars(select(SavedFilter).where(SavedFilter.user_id == user_id)
                                   .order_by(SavedFilter.name).limit(MAX_SAVED)))


def save_filter(user_id: int, name: str, query: str, now: datetime) -> SavedFilter:
    """Save (or, under a name already used, replace) a filter of `user_id`'s."""
    name = (name or "").strip()
    if not name:
        raise DomainError("Give the filter a name.", field="name")
    if len(query) > QUERY_LENGTH:
        raise DomainError("This filter is too long to save.", field="query")
    existing = db.session.scalar(select(SavedFilter).where(SavedFilter.user_id == user_id, SavedFilter.name == name))
    if existing is not None:
        existing.query = query
        return existing
    count = db.session.scalar(select(func.count()).select_from(SavedFilter).where(SavedFilter.user_id == user_id))
    if count >= MAX_SAVED:
        raise DomainError("You have %(n)s saved filters; delete one first.", n=MAX_SAVED)
    saved = SavedFilter(user_id=user_id, name=name, query=query, created_at=now)
    db.session.add(saved)
    db.session.flush()
    return saved


def delete_filter(user_id: int, filter_id: int) -> bool:
    """Delete one of `user_id`'s filters; False when there is none of theirs with that id."""
    deleted = db.session.execute(delete(SavedFilter).where(SavedFilter.id == filter_id,
                                                           SavedFilter.user_id == user_id))
    return deleted.rowcount == 1
