"""Spreadsheet imports waiting for confirmation (kept in the database, not in the web process,
so any worker can confirm what another one previewed), and the keyword rules that propose a row's category."""
from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import UTCDateTime, utcnow
from ..extensions import db


class ImportBatch(db.Model):
    __tablename__ = "import_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    channel: Mapped[str] = mapped_column(String(24))
    status: Mapped[str] = mapped_column(String(16), default="preview")  # preview, importing, confirmed, discarded
    rows: Mapped[list] = mapped_column(JSON, default=list)  # parsed rows, each with its problems
    result: Mapped[dict] = mapped_column(JSON, default=dict)  # after confirming: created and skipped
    # Confirmation in chunks: when a confirmation claimed the batch (status "importing"), and how many
    # cases it and any earlier, interrupted ones have registered (each chunk's commit counts its own).
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    registered: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class CategoryRule(db.Model):
    """A keyword rule for imports: a row whose text holds one of `keywords` (separated by 、 , ，
    or spaces) is proposed `category`. Tried in `position` order; the first match decides
    (core.cells.match_keywords). Seeded with core.cells.DEFAULT_CATEGORY_RULES."""

    __tablename__ = "category_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    position: Mapped[int] = mapped_column(Integer, index=True)
    keywords: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    def as_rule(self) -> tuple[str, str]:
        return self.keywords, self.category
