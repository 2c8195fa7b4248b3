"""Spreadsheet imports waiting for confirmation. Kept in the database, not in the web process,
so any worker can confirm what another one previewed."""
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
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
    status: Mapped[str] = mapped_column(String(16), default="preview")  # preview, confirmed, discarded
    rows: Mapped[list] = mapped_column(JSON, default=list)  # parsed rows, each with its problems
    result: Mapped[dict] = mapped_column(JSON, default=dict)  # after confirming: created and skipped
