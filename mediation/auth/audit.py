"""Append-only record of logins, reveals of personal data, exports and changes."""
from flask import has_request_context, request

from ..db import utcnow
from ..extensions import db
from .models import AuditEvent


def record(action: str, user=None, object_type: str | None = None, object_id=None, **details) -> None:
    ip = request.remote_addr if has_request_context() else None
    db.session.add(AuditEvent(at=utcnow(), user_id=getattr(user, "id", None), action=action,
                              object_type=object_type, object_id=str(object_id) if object_id else None,
                              ip=ip, details=details))
