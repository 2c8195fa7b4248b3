"""Scheduled mediation sessions (调解通知): who may schedule one, what a valid one is, and the SMS
that tells each invited party. Plain Python: no Flask, no database; time and actor are arguments.

The SMS goes to a party's own mobile only (a landline cannot take it), is written in Chinese
whatever the staff's language (it goes to the parties), and carries nothing of any other party:
the party's own name, the case reference, when, where, and whom to call.
"""
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, tzinfo

from .contact import ContactError, PhoneKind, parse_phone
from .errors import TransitionRefused
from .lifecycle import OPEN_STATUSES, TRANSITIONS, Action, Actor, Status

# Those who may log a session on the case may schedule one: the supervisors, the assigned mediator,
# a liaison of a participating office. A session is held once the case is accepted and until it closes.
SCHEDULE_CAPACITIES = TRANSITIONS[Action.LOG_SESSION].capacities
SCHEDULE_STATUSES = OPEN_STATUSES - {Status.REGISTERED}
MAX_PLACE = 128
MAX_OTHER_INVITEES = 255
MAX_NOTE = 2000
MAX_REASON = 2000
SMS_MAX = 140  # one long SMS of the gateways in use (70 characters per part, two parts)
WEEKDAYS = "一二三四五六日"


def may_schedule(status: Status, actor: Actor) -> bool:
    return status in SCHEDULE_STATUSES and bool(actor.capacities & SCHEDULE_CAPACITIES)


def may_cancel(actor: Actor) -> bool:
    """A scheduled session may be called off by those who may schedule one, whatever the case's status
    now (a case closed before its session tells the parties not to come)."""
    return bool(actor.capacities & SCHEDULE_CAPACITIES)


def check_schedule(*, status: Status, actor: Actor, starts_at: datetime | None, now: datetime, place: str,
                   party_ids: Iterable[int], case_party_ids: Iterable[int], other_invitees: str = "",
                   note: str = "") -> None:
    """Raise TransitionRefused (naming the field) unless this session may be scheduled."""
    if not actor.capacities & SCHEDULE_CAPACITIES:
        raise TransitionRefused("You may not take this action on this case.")
    if status not in SCHEDULE_STATUSES:
        raise TransitionRefused("A session can be scheduled only while the case is accepted or in mediation.")
    if starts_at is None:
        raise TransitionRefused("Give the date and time of the session.", field="starts_at")
    if starts_at.tzinfo is None:
        raise ValueError("starts_at must be timezone-aware")
    if starts_at <= now:
        raise TransitionRefused("The session must be in the future.", field="starts_at")
    if not (place or "").strip():
        raise TransitionRefused("Say where the session is held.", field="place")
    if len(place.strip()) > MAX_PLACE:
        raise TransitionRefused("Keep the place under %(n)s characters.", field="place", n=MAX_PLACE)
    chosen = list(party_ids)
    if not chosen:
        raise TransitionRefused("Invite at least one party.", field="party_ids")
    if not set(chosen) <= set(case_party_ids):
        raise TransitionRefused("Invite only parties of this case.", field="party_ids")
    if len((other_invitees or "").strip()) > MAX_OTHER_INVITEES:
        raise TransitionRefused("Keep this under %(n)s characters.", field="other_invitees", n=MAX_OTHER_INVITEES)
    if len((note or "").strip()) > MAX_NOTE:
        raise TransitionRefused("Keep this under %(n)s characters.", field="note", n=MAX_NOTE)


def check_cancel(*, actor: Actor, cancelled: bool, reason: str) -> None:
    if not may_cancel(actor):
        raise TransitionRefused("You may not take this action on this case.")
    if cancelled:
        raise TransitionRefused("This session has already been cancelled.")
    if not (reason or "").strip():
        raise TransitionRefused("Give the reason for cancelling the session.", field="reason")
    if len(reason.strip()) > MAX_REASON:
        raise TransitionRefused("Keep this under %(n)s characters.", field="reason", n=MAX_REASON)


def mobile(phone: str | None) -> str | None:
    """The number if it is a mobile (takes an SMS), else None: landlines and unreadable numbers."""
    if not phone:
        return None
    try:
        parsed = parse_phone(phone)
    except ContactError:
        return None
    return parsed.normal if parsed.kind == PhoneKind.MOBILE else None


def when_text(at: datetime, tz: tzinfo) -> str:
    """12月3日（星期四）14:30, in the town's zone."""
    local = at.astimezone(tz)
    return f"{local.month}月{local.day}日（星期{WEEKDAYS[local.weekday()]}）{local:%H:%M}"


@dataclass(frozen=True)
class SessionText:
    """What every SMS of one session shares."""

    committee: str  # signs the message: 徐行镇人民调解委员会, or a village's committee
    reference: str
    starts_at: datetime
    tz: tzinfo
    place: str
    enquiry_phone: str = ""


def _fit(head: str, place: str, tail: str, limit: int = SMS_MAX) -> str:
    """head + place + tail, the place shortened (with …) if the whole would pass `limit`."""
    room = limit - len(head) - len(tail)
    if len(place) > room:
        place = place[:max(room - 1, 8)] + "…"
    return head + place + tail


def _greeting(name: str) -> str:
    name = (name or "").strip()[:16]
    return f"{name}您好，" if name else "您好，"


def _enquiry(phone: str) -> str:
    return f"咨询电话{phone}。" if phone else ""


def session_sms(text: SessionText, name: str) -> str:
    """The notice of the session to one party, addressed by their own name only."""
    head = (f"【{text.committee}】{_greeting(name)}您的纠纷（案件编号{text.reference}）定于"
            f"{when_text(text.starts_at, text.tz)}在")
    tail = f"进行调解，请准时参加，可携带身份证件和相关证据材料。{_enquiry(text.enquiry_phone)}"
    message = _fit(head, text.place.strip(), tail)
    if len(message) > SMS_MAX:  # a long name or committee: drop the optional sentence
        message = _fit(head, text.place.strip(), f"进行调解，请准时参加。{_enquiry(text.enquiry_phone)}")
    return message


def cancel_sms(text: SessionText, name: str) -> str:
    """The session is called off: the same party, the same reference and time, nothing else."""
    head = (f"【{text.committee}】{_greeting(name)}原定于{when_text(text.starts_at, text.tz)}在")
    tail = f"进行的调解（案件编号{text.reference}）已取消，另行通知。{_enquiry(text.enquiry_phone)}"
    return _fit(head, text.place.strip(), tail)


def event_id(appointment_id: int, party_id: int) -> str:
    """The outbox event of one party's notice: enqueued twice (a retried request), sent once."""
    return f"appointment:{appointment_id}:party:{party_id}"


def cancel_event_id(appointment_id: int, party_id: int) -> str:
    return f"appointment:{appointment_id}:party:{party_id}:cancel"


_EVENT_ID = re.compile(r"appointment:(\d+):party:\d+(:cancel)?")


def parse_event_id(event_id: str) -> tuple[int | None, bool]:
    """(the appointment id, whether it is the cancellation) of a session notice's event id;
    (None, False) for any other event id."""
    match = _EVENT_ID.fullmatch(event_id or "")
    return (int(match.group(1)), bool(match.group(2))) if match else (None, False)
