"""Joint meetings: the agenda, decisions that land on cases, closing a meeting."""
from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import or_, select

from ..auth.models import User
from ..cases.models import Case, TimelineEvent
from ..cases.queries import due_state_sql, is_open
from ..cases.services import perform, update_together
from ..core.deadlines import DueState, DueWindow
from ..core.errors import DomainError
from ..core.lifecycle import OPEN_STATUSES, Action, Payload, Status
from ..core.risk import RiskLevel
from ..core.schedules import meeting_after
from ..core.town import Town
from ..core.vocab import Role
from ..extensions import db
from ..notifications.services import case_recipients, notify_once, supervisor_ids
from ..organisation.models import Office
from .models import AgendaItem, Meeting


def next_meeting(now: datetime, town: Town) -> Meeting:
    """The next weekly meeting not yet held, created when it does not exist yet.

    A meeting closed early (held before its scheduled time) hands over to the week after.
    """
    after = now
    while True:
        scheduled = meeting_after(after, town.meeting.weekday, town.meeting.at, town.tz)
        meeting = db.session.scalar(select(Meeting).where(Meeting.scheduled_at == scheduled))
        if meeting is None or meeting.held_at is None:
            break
        after = scheduled
    if meeting is None:
        meeting = Meeting(scheduled_at=scheduled)
        db.session.add(meeting)
        db.session.flush()
    return meeting


def build_agenda(now: datetime, town: Town) -> int:
    """Build the next joint meeting's agenda: overdue, due soon, high risk, escalated, supervised.

    Due states are computed from the deadlines now, not read from the sweep's flag (which may be
    up to one sweep interval old)."""
    meeting = next_meeting(now, town)
    scheduled = meeting.scheduled_at
    due = due_state_sql(DueWindow.at(now, town.calendar, town.tz)).label("due")
    already = select(AgendaItem.id).where(AgendaItem.meeting_id == meeting.id, AgendaItem.case_id == Case.id)
    candidates = db.session.execute(
        select(Case.id, Case.status, Case.mediator_id, due, Case.risk_level, Case.escalated, Case.supervision_due_at)
        .where(is_open(), ~already.exists(),
               or_(due.is_not(None), Case.risk_level == RiskLevel.HIGH.value, Case.escalated.is_(True),
                   Case.supervision_due_at.is_not(None)))
        .order_by(Case.next_deadline)).all()
    entries = [AgendaEntry(row.id, row.status, _agenda_reasons(row)) for row in candidates]
    added = put_on_agenda(meeting, entries, actor_id=None, now=now)
    meeting.agenda_built_at = now
    notices = [{"user_id": user_id, "case_id": case_id, "kind": "on_agenda",
                "details": {"meeting": scheduled.isoformat()},
                "dedupe_key": f"on_agenda:{meeting.id}:{case_id}:{user_id}"}
               for case_id, user_id in case_recipients([(r.id, r.mediator_id) for r in candidates], supervisor_ids())]
    attendees = db.session.scalars(
        select(User.id).join(Office, Office.id == User.office_id)
        .where(Office.code.in_(town.meeting.attendee_offices), User.active.is_(True))).all()
    notices += [{"user_id": user_id, "case_id": None, "kind": "agenda_ready",
                 "details": {"meeting": scheduled.isoformat(), "items": len(meeting.items)},
                 "dedupe_key": f"agenda_ready:{meeting.id}:{user_id}"} for user_id in attendees]
    notify_once(notices, now)
    return added


def _agenda_reasons(row) -> list[str]:
    return [reason for reason, hit in (
        ("overdue", row.due == DueState.OVERDUE), ("due_soon", row.due == DueState.DUE_SOON),
        ("high_risk", row.risk_level == RiskLevel.HIGH), ("escalated", row.escalated),
        ("supervised", row.supervision_due_at is not None)) if hit]


def require_open(meeting: Meeting) -> None:
    if meeting.held_at is not None:
        raise DomainError("This meeting is closed and read-only.")


def add_to_agenda(meeting: Meeting, case: Case, user: User, now: datetime) -> None:
    """A supervisor puts one open case on the agenda by hand."""
    _done, refused = add_many_to_agenda(meeting, [case], user, now)
    if refused:
        raise refused[0][1]


def add_many_to_agenda(meeting: Meeting, cases: Sequence[Case], user: User,
                       now: datetime) -> tuple[list[Case], list[tuple[Case, DomainError]]]:
    """Open cases go on the agenda by hand, each refused with its reason otherwise; in a fixed
    number of statements whatever the number of cases."""
    require_open(meeting)
    present = set(db.session.scalars(select(AgendaItem.case_id).where(
        AgendaItem.meeting_id == meeting.id, AgendaItem.case_id.in_([c.id for c in cases])))) if cases else set()
    done, refused = [], []
    for case in cases:
        if case.status_enum not in OPEN_STATUSES:
            refused.append((case, DomainError("Only open cases go on the agenda.")))
        elif case.id in present:
            refused.append((case, DomainError("%(reference)s is already on this meeting's agenda.",
                                              reference=case.reference)))
        else:
            case.updated_at = now
            done.append(case)
    update_together(done)
    put_on_agenda(meeting, [AgendaEntry(c.id, c.status, ("added",)) for c in done], actor_id=user.id, now=now)
    return done, refused


class AgendaEntry(NamedTuple):
    case_id: int
    status: str
    reasons: Sequence[str]


def put_on_agenda(meeting: Meeting, entries: Sequence[AgendaEntry], *, actor_id: int | None,
                  now: datetime) -> int:
    """Agenda items and their timeline events, written together for the hand and the job alike
    (in two statements, whatever the number of cases). `actor_id` None: the scheduled job."""
    if not entries:
        return 0
    db.session.execute(AgendaItem.__table__.insert(), [
        {"meeting_id": meeting.id, "case_id": e.case_id, "reasons": list(e.reasons), "added_at": now,
         "added_by_job": actor_id is None} for e in entries])
    db.session.execute(TimelineEvent.__table__.insert(), [
        {"case_id": e.case_id, "at": now, "actor_id": actor_id, "action": "on_agenda", "from_status": e.status,
         "to_status": e.status, "details": {"meeting": meeting.scheduled_at.isoformat(), "reasons": list(e.reasons)}}
        for e in entries])
    db.session.expire(meeting, ["items"])
    return len(entries)


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
    mediator_id = case.mediator_id  # told of the decision even when it hands the case to another office
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
    notify_decision(item, case, user, now, also=mediator_id)


DECISION_ROLES = (Role.SUPERVISOR.value, Role.MEDIATOR.value, Role.LIAISON.value)  # who works cases


def notify_decision(item: AgendaItem, case: Case, user: User, now: datetime, also: int | None = None) -> int:
    """The decision reaches those who carry it out: the case's assigned mediator (and `also`, the one
    assigned before the decision) and the lead office's (as the decision leaves it) people, each
    once; not the one who recorded it."""
    office_users = db.session.scalars(select(User.id).where(
        User.office_id == case.lead_office_id, User.active.is_(True), User.role.in_(DECISION_ROLES))).all() \
        if case.lead_office_id else []
    recipients = {m for m in (case.mediator_id, also) if m} | set(office_users)
    recipients.discard(user.id)
    details = {"meeting_id": item.meeting_id, "item_id": item.id, "meeting": item.meeting.scheduled_at.isoformat(),
               "decision": item.decision[:500]}
    if item.decided_due_at is not None:
        details["due"] = item.decided_due_at.isoformat()
    return notify_once([{"user_id": user_id, "case_id": case.id, "kind": "meeting_decision", "details": details,
                         "dedupe_key": f"meeting_decision:{item.id}:{user_id}:{now.isoformat()}"}
                        for user_id in sorted(recipients)], now)


def close_meeting(meeting: Meeting, now: datetime, minutes: str, attendees: str) -> None:
    require_open(meeting)
    meeting.minutes, meeting.attendees = minutes.strip(), attendees.strip()
    meeting.held_at = now
    db.session.flush()
