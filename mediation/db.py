"""Declarative base, naming convention and shared column types."""
from datetime import datetime, timezone

from sqlalchemy import DateTime, MetaData
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

# Stable constraint names, so Alembic migrations name them the same on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator):
    """Stored as naive UTC everywhere (SQLite has no zones); always handed back aware."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        return value.replace(tzinfo=timezone.utc) if value is not None else None


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


# pg_advisory_xact_lock's two-key form, the first key the database's own: advisory locks are
# cluster-wide, and two databases on one server (two towns, or parallel test workers) must not
# wait for each other's jobs or audit chain.
DATABASE_ADVISORY_LOCK = "SELECT pg_advisory_xact_lock(hashtext(current_database()), :key)"


def advisory_key(value: int) -> int:
    """`value` folded into the signed 32-bit range the two-key form takes."""
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value >= (1 << 31) else value
