"""Scheduling a mediation session and calling it off, with the SMS that tell the parties.

Each change writes its timeline event and its SMS in the caller's transaction and flushes; the
caller (the view) commits once, so the appointment, its event and its messages exist together or
not at all. The `deliver_outbox` job sends the messages later. Rules and wording: core/notices.py.
"""
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from ..auth.models import User
from ..core import notices
from ..core.errors import TransitionRefused
from ..core.town import Town
from ..extensions import db
from ..outbox.models import FAILED, PENDING, RECORDED, SENT, OutboxMessage
from ..outbox.services import sms
from .access import actor_for
from .appointment_models import SessionAppointment
from .models import Case, Party, TimelineEvent

log = logging.getLogger(__name__)

CANCELLED_ERROR = "session cancelled"  # the last_error of a notice given up because its session was called off


def sms_signature(case: Case, town_name: str) -> str:
    """Who signs the parties' SMS: a village's own committee when it leads, else the town's committee."""
    office = case.lead_office
    if office is not None and office.kind == "village_committee":
        return office.name
    return f"{town_name}人民调解委员会"


def _session_text(case: Case, appointment: SessionAppointment, town: Town, town_name: str,
                  enquiry_phone: str) -> notices.SessionText:
    return notices.SessionText(committee=sms_signature(case, town_name), reference=case.reference,
                               starts_at=appointment.starts_at, tz=town.tz, place=appointment.place,
                               enquiry_phone=enquiry_phone or "")


def schedule(case: Case, user: User, *, starts_at: datetime | None, place: str, party_ids: Iterable[int],
             other_invitees: str, note: str, send_sms: bool, now: datetime, town: Town, town_name: str,
             enquiry_phone: str = "") -> SessionAppointment:
    """Schedule a session on `case`, or raise a DomainError (naming the field) with nothing changed.
    With `send_sms`, each invited party with a mobile gets one SMS, once (its event id)."""
    chosen = list(dict.fromkeys(int(i) for i in party_ids))
    notices.check_schedule(status=case.status_enum, actor=actor_for(user, case), starts_at=starts_at, now=now,
                           place=place or "", party_ids=chosen, case_party_ids=[p.id for p in case.parties],
                           other_invitees=other_invitees or "", note=note or "")
    appointment = SessionAppointment(case_id=case.id, starts_at=starts_at, place=place.strip(), party_ids=chosen,
                                     other_invitees=(other_invitees or "").strip(), note=(note or "").strip(),
                                     sms_requested=bool(send_sms), scheduled_by_id=user.id, created_at=now)
    db.session.add(appointment)
    db.session.flush()  # its id names the SMS events
    sent = 0
    if send_sms:
        text = _session_text(case, appointment, town, town_name, enquiry_phone)
        for party in _invited(case, chosen):
            phone = notices.mobile(party.phone)
            if phone and sms(phone, notices.session_sms(text, party.name), notices.event_id(appointment.id, party.id),
                             now):
                sent += 1
    case.timeline.append(TimelineEvent(at=now, actor_id=user.id, action="schedule_session", from_status=case.status,
                                       to_status=case.status,
                                       details={"appointment_id": appointment.id, "starts_at": starts_at.isoformat(),
                                                "place": appointment.place, "invited": len(chosen), "sms": sent}))
    case.updated_at = now  # the version moves: a form opened before this is stale
    db.session.flush()
    log.info("case %s: session %s scheduled by %s, %s SMS", case.reference, appointment.id, user.username, sent)
    return appointment


def cancel(appointment: SessionAppointment, user: User, reason: str, *, now: datetime, town: Town, town_name: str,
           enquiry_phone: str = "") -> SessionAppointment:
    """Call off a scheduled session; those who were sent its notice get a cancellation SMS (once)."""
    case = appointment.case
    notices.check_cancel(actor=actor_for(user, case), cancelled=appointment.cancelled, reason=reason or "")
    if appointment.starts_at <= now:
        raise TransitionRefused("This session's time has passed: it can no longer be cancelled.")
    appointment.cancelled_at, appointment.cancelled_by_id = now, user.id
    appointment.cancel_reason = reason.strip()
    firsts = {notices.event_id(appointment.id, pid): pid for pid in appointment.party_ids or []}
    told = []
    if firsts:
        # A notice not sent yet never goes: given up first (the deliver job skips the rows this locks,
        # and on PostgreSQL this waits for a run sending one of them), so the statuses read after it
        # are final. Only a party whose notice went (sent, or recorded) is told of the cancellation.
        db.session.execute(update(OutboxMessage).where(OutboxMessage.event_id.in_(firsts),
                                                       OutboxMessage.status == PENDING)
                           .values(status=FAILED, done_at=now, next_attempt_at=None, last_error=CANCELLED_ERROR))
        told = db.session.execute(select(OutboxMessage.target, OutboxMessage.event_id)
                                  .where(OutboxMessage.event_id.in_(firsts),
                                         OutboxMessage.status.in_((SENT, RECORDED)))
                                  .order_by(OutboxMessage.id)).all()
    names = {p.id: p.name for p in case.parties}
    text = _session_text(case, appointment, town, town_name, enquiry_phone)
    sent = 0
    for target, first in told:
        party_id = firsts[first]
        if sms(target, notices.cancel_sms(text, names.get(party_id, "")),
               notices.cancel_event_id(appointment.id, party_id), now):
            sent += 1
    case.timeline.append(TimelineEvent(at=now, actor_id=user.id, action="cancel_session", from_status=case.status,
                                       to_status=case.status,
                                       details={"appointment_id": appointment.id,
                                                "starts_at": appointment.starts_at.isoformat(),
                                                "place": appointment.place, "invited": len(firsts),
                                                "reason": appointment.cancel_reason, "sms": sent}))
    case.updated_at = now
    db.session.flush()
    log.info("case %s: session %s cancelled by %s, %s SMS", case.reference, appointment.id, user.username, sent)
    return appointment


def notice_may_go(event_id: str, now: datetime) -> bool:
    """Whether an outbox message may still be (re)sent, for the admin's retry: a session's notice
    while the session is neither cancelled nor started, its cancellation while the session's time
    has not come; any other message, yes. One query for a session's message (its row locked, so a
    cancellation in the same moment waits for the retry, or the retry sees it), none otherwise."""
    appointment_id, cancellation = notices.parse_event_id(event_id)
    if appointment_id is None:
        return True
    row = db.session.execute(select(SessionAppointment.starts_at, SessionAppointment.cancelled_at)
                             .where(SessionAppointment.id == appointment_id).with_for_update()).first()
    if row is None or row.starts_at <= now:
        return False
    return cancellation or row.cancelled_at is None


def _invited(case: Case, party_ids: Iterable[int]) -> list[Party]:
    wanted = set(party_ids)
    return [p for p in case.parties if p.id in wanted]


def get_appointment(case: Case, appointment_id: int) -> SessionAppointment | None:
    return db.session.scalar(select(SessionAppointment).where(SessionAppointment.id == appointment_id,
                                                             SessionAppointment.case_id == case.id))


# --- The case page's panel ----------------------------------------------------------------------

@dataclass(frozen=True)
class Invitation:
    party: Party
    sms_status: str | None  # the outbox status of its notice (pending, sent, recorded, failed), None: none sent
    cancel_status: str | None  # of its cancellation SMS


@dataclass(frozen=True)
class AppointmentRow:
    appointment: SessionAppointment
    invitations: list[Invitation]
    upcoming: bool
    may_cancel: bool


@dataclass(frozen=True)
class Panel:
    rows: list[AppointmentRow] = field(default_factory=list)
    may_schedule: bool = False


def panel(case: Case, user: User, now: datetime) -> Panel:
    """The case's scheduled sessions, upcoming first (soonest first), then past and cancelled ones
    (latest first), each with the SMS status per invited party: two queries at most, whatever the
    number of sessions and parties (the case's parties are already loaded by the page)."""
    actor = actor_for(user, case)
    appointments = db.session.scalars(
        select(SessionAppointment).options(joinedload(SessionAppointment.scheduled_by),
                                           joinedload(SessionAppointment.cancelled_by))
        .where(SessionAppointment.case_id == case.id)
        .order_by(SessionAppointment.starts_at.desc(), SessionAppointment.id.desc())).all()
    statuses: dict[str, str] = {}
    if appointments:
        ids = [e for a in appointments for pid in a.party_ids or []
               for e in (notices.event_id(a.id, pid), notices.cancel_event_id(a.id, pid))]
        statuses = dict(db.session.execute(select(OutboxMessage.event_id, OutboxMessage.status)
                                           .where(OutboxMessage.event_id.in_(ids))).all())
    parties = {p.id: p for p in case.parties}
    cancellable = notices.may_cancel(actor)
    rows = []
    for a in appointments:
        invitations = [Invitation(parties[pid], statuses.get(notices.event_id(a.id, pid)),
                                  statuses.get(notices.cancel_event_id(a.id, pid)))
                       for pid in a.party_ids or [] if pid in parties]
        upcoming = a.upcoming(now)
        rows.append(AppointmentRow(a, invitations, upcoming, cancellable and upcoming))
    rows = [r for r in reversed(rows) if r.upcoming] + [r for r in rows if not r.upcoming]
    return Panel(rows, notices.may_schedule(case.status_enum, actor))


def next_session(case_id: int, now: datetime) -> SessionAppointment | None:
    """The case's next session not called off, if any (one query)."""
    return db.session.scalar(select(SessionAppointment).where(
        SessionAppointment.case_id == case_id, SessionAppointment.cancelled_at.is_(None),
        SessionAppointment.starts_at > now).order_by(SessionAppointment.starts_at, SessionAppointment.id).limit(1))
