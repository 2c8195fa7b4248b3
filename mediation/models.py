"""Imports every model, so metadata is complete for Alembic and the app."""
from .admin.models import Office, Village  # noqa: F401
from .auth.models import AuditEvent, User  # noqa: F401
from .cases.models import (Case, CaseOutcome, MediationSession, Party, ReferenceCounter,  # noqa: F401
                           ReturnVisit, TimelineEvent)
