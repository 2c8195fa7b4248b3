"""Joint meetings: the agenda, decisions that land on cases, closing a meeting."""
from datetime import datetime

from flask import current_app
from sqlalchemy import select

from ..auth.models import User
from ..cases.models import Case, TimelineEvent
from ..cases.services import perform
from ..core.errors import DomainError
from ..core.lifecycle import Action, OPEN_STATUSES, Payload, Status
from ..core.town import Town
from ..extensions import db
from ..jobs.schedules import meeting_after
from .models import AgendaItem, Meeting


def next_meeting(now: datetime, town: Town) -> Meeting:
    """The next weekly meeting not yet held, created when it does not exist yet.

    A meeting closed early (held before its scheduled time) hands over to the week after.
    """
    cfg = current_app.config
    after = now
    while True:
        scheduled = meeting_after(after, cfg["MEETING_WEEKDAY"], cfg["MEETING_TIME"], town.tz)
        meeting = db.session.scalar(select(Meeting).where(Meeting.scheduled_at == scheduled))
        if meeting is None or meeting.held_at is None:
            break
        after = scheduled
    if meeting is None:
        meeting = Meeting(scheduled_at=scheduled)
        db.session.add(meeting)
        db.session.flush()
    return meeting


def require_open(meeting: Meeting) -> None:
    if meeting.held_at is not None:
        raise DomainError("This meeting is closed and read-only.")


def add_to_agenda(meeting: Meeting, case: Case, user: User, now: datetime, reason: str = "added") -> AgendaItem:
    require_open(meeting)
    if case.status_enum not in OPEN_STATUSES:
        raise DomainError("Only open cases go on the agenda.")
    existing = db.session.scalar(select(AgendaItem).where(AgendaItem.meeting_id == meeting.id,
                                                          AgendaItem.case_id == case.id))
    if existing is not None:
        raise DomainError("%(reference)s is already on this meeting's agenda.", reference=case.reference)
    item = AgendaItem(meeting=meeting, case_id=case.id, reasons=[reason], added_at=now, added_by_job=False)
    db.session.add(item)
    case.updated_at = now
    db.session.add(TimelineEvent(case=case, at=now, actor_id=user.id, action="on_agenda", from_status=case.status,
                                 to_status=case.status, details={"meeting": meeting.scheduled_at.isoformat()}))
    db.session.flush()
    return item


def remove_from_agenda(item: AgendaItem) -> None:
    require_open(item.meeting)
    if item.decided_at is not None:
        raise DomainError("A decided item stays on the agenda.")
    db.session.delete(item)
    db.session.flush()


def record_decision(item: AgendaItem, user: User, now: datetime, town: Town, *, decision: str,
                    lead_office_id: int | None, due_at: datetime | None) -> None:
    """The meeting's decision lands in the case's timeline and, with a due date, its deadlines."""
    require_open(item.meeting)
    decision = (decision or "").strip()
    if not decision:
        raise DomainError("Write the decision.", field="decision")
    case = item.case
    if lead_office_id and lead_office_id != case.lead_office_id:
        reason = f"联席会议决定：{decision}"
        if case.status_enum == Status.IN_MEDIATION:
            perform(case, Action.TRANSFER, user, Payload(lead_office_id=lead_office_id, reason=reason), now=now,
                    town=town)
        elif case.status_enum == Status.ACCEPTED:
            perform(case, Action.ROUTE, user, Payload(lead_office_id=lead_office_id), now=now, town=town)
        else:
            raise DomainError("Accept the case before the meeting names its lead office.", field="lead_office")
    if due_at is not None:
        perform(case, Action.SUPERVISE, user, Payload(reason=decision, due_at=due_at), now=now, town=town,
                session_details={"meeting_id": item.meeting_id})
    else:
        case.updated_at = now
        db.session.add(TimelineEvent(case=case, at=now, actor_id=user.id, action="decision",
                                     from_status=case.status, to_status=case.status,
                                     details={"reason": decision, "meeting_id": item.meeting_id}))
    item.decision, item.decided_lead_office_id, item.decided_due_at = decision, lead_office_id, due_at
    item.decided_at, item.decided_by_id = now, user.id
    db.session.flush()


def close_meeting(meeting: Meeting, now: datetime, minutes: str, attendees: str) -> None:
    require_open(meeting)
    meeting.minutes, meeting.attendees = minutes.strip(), attendees.strip()
    meeting.held_at, meeting.status = now, "held"
    db.session.flush()
