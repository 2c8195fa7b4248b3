"""Append-only record of logins, reveals of personal data, exports and changes.

Who, when and from where are arguments: the edge (a view, a CLI command) knows them.
"""
from datetime import datetime

from ..extensions import db
from .models import AuditEvent


def record(action: str, user, object_type: str | None, object_id, *, at: datetime, ip: str | None = None,
           **details) -> None:
    db.session.add(AuditEvent(at=at, user_id=getattr(user, "id", None), action=action,
                              object_type=object_type, object_id=str(object_id) if object_id else None,
                              ip=ip, details=details))
