"""Imports every model, so metadata is complete for Alembic and the app."""
from .admin.models import Office, Village  # noqa: F401
from .api.models import ChannelToken  # noqa: F401
from .auth.models import AuditEvent, User  # noqa: F401
from .cases.models import (Case, CaseLink, CaseOutcome, MediationSession, Party,  # noqa: F401
                           ReferenceCounter, ReturnVisit, RoutingRule, TimelineEvent)
from .intake.models import ImportBatch  # noqa: F401
