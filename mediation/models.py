"""Imports every model, so metadata is complete for Alembic and the app."""
from .organisation.models import CalendarOverride, CalendarYear, DeadlinePolicy, Office, Village  # noqa: F401
from .api.models import ChannelToken  # noqa: F401
from .auth.models import AuditEvent, User  # noqa: F401
from .cases.models import (Case, CaseLink, CaseOutcome, CaseSearchTerm, MediationSession, Party,  # noqa: F401
                           ReferenceCounter, ReturnVisit, RoutingRule, Supervision, TimelineEvent)
from .intake.models import CategoryRule, ImportBatch  # noqa: F401
from .cases.saved_filters import SavedFilter  # noqa: F401
from .jobs.models import JobRun  # noqa: F401
from .meetings.models import AgendaItem, Meeting  # noqa: F401
from .notifications.models import Notification  # noqa: F401
from .outbox.models import ChannelCallback, OutboxMessage  # noqa: F401
from .cases.similar_models import SimilarTerm, SimilarTermCount  # noqa: F401
from .cases.appointment_models import SessionAppointment  # noqa: F401
from .cases.consultation_models import Consultation  # noqa: F401
from .review.models import CaseReview, ReviewGrade, ReviewItem, SubsidyRate  # noqa: F401
from .hotspots.models import HotspotRule, HotspotWarning  # noqa: F401
from .screening.models import ScreeningReport, ScreeningSettings  # noqa: F401
