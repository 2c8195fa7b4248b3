"""The scheduled jobs: plain functions `job(now) -> rows touched`, safe to run twice.

They select what is due in set-based SQL, act, and leave committing to the runner.
"""
import logging
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, case as sql_case, func, or_, select, update

from ..admin.models import Office
from ..auth.models import User
from ..cases.models import Case
from ..cases.risk import refresh_risk
from ..core.deadlines import due_soon_cutoff
from ..core.risk import HIGH_AMOUNT
from ..core.vocab import Role
from ..extensions import db
from ..meetings.models import AgendaItem
from ..meetings.services import next_meeting
from ..notifications.services import notify_once
from ..town import current_town

log = logging.getLogger(__name__)

SWEPT_STATUSES = ("registered", "accepted", "in_mediation", "closed")
AGENDA_STATUSES = ("registered", "accepted", "in_mediation")
REMINDER_DAYS = 3


def _supervisor_ids() -> list[int]:
    return list(db.session.scalars(select(User.id).where(User.role == Role.SUPERVISOR.value,
                                                         User.active.is_(True))))


def _recipients(case_rows, supervisors: list[int]) -> list[tuple[int, int]]:
    """(case id, user id) for the assigned mediator and the supervisors of each case."""
    pairs = set()
    for case_id, mediator_id in case_rows:
        if mediator_id:
            pairs.add((case_id, mediator_id))
        pairs.update((case_id, s) for s in supervisors)
    return sorted(pairs)


def overdue_sweep(now: datetime) -> int:
    """Set due_soon / overdue flags; notify once per change of flag (DESIGN.md: every 10 minutes)."""
    town = current_town()
    cutoff = due_soon_cutoff(now, town.calendar, town.tz)
    new_state = sql_case((~Case.status.in_(SWEPT_STATUSES), None), (Case.next_deadline < now, "overdue"),
                         (Case.next_deadline <= cutoff, "due_soon"), else_=None)
    # Only rows that can be flagged (deadline within reach, indexed) or must be cleared.
    candidates = or_(Case.next_deadline <= cutoff, Case.due_state.is_not(None))
    changed = func.coalesce(Case.due_state, "") != func.coalesce(new_state, "")
    # The UPDATE takes the row locks: a sweep running beside this one sees these rows as settled
    # and writes no second notice.
    rows = db.session.execute(
        update(Case).where(candidates, changed).values(due_state=new_state, due_state_at=now)
        .returning(Case.id, Case.due_state, Case.mediator_id, Case.amount)
        .execution_options(synchronize_session=False)
    ).all()
    flagged = [(r.id, r.mediator_id, r.due_state) for r in rows if r.due_state]
    state_of = {case_id: state for case_id, _m, state in flagged}
    notices = [{"user_id": user_id, "case_id": case_id, "kind": state_of[case_id],
                "dedupe_key": f"{state_of[case_id]}:{case_id}:{user_id}:{now.isoformat()}"}
               for case_id, user_id in _recipients([(c, m) for c, m, _s in flagged], _supervisor_ids())]
    notify_once(notices)
    # Overdue with a large amount at stake raises the escalation risk: only those few rows.
    risky = [r.id for r in rows if r.due_state == "overdue" and r.amount is not None and r.amount >= HIGH_AMOUNT]
    for case in db.session.scalars(select(Case).where(Case.id.in_(risky))) if risky else []:
        refresh_risk(case, now)
    log.info("overdue sweep: %s cases changed flag, %s flagged", len(rows), len(flagged))
    return len(rows)


def pre_meeting_agenda(now: datetime) -> int:
    """Build the next joint meeting's agenda: overdue, due soon, high risk, escalated, supervised."""
    cfg = current_app.config
    meeting = next_meeting(now, current_town())
    scheduled = meeting.scheduled_at
    if meeting.held_at is not None:
        return 0
    already = select(AgendaItem.id).where(AgendaItem.meeting_id == meeting.id, AgendaItem.case_id == Case.id)
    candidates = db.session.execute(
        select(Case.id, Case.mediator_id, Case.due_state, Case.risk_level, Case.escalated, Case.supervision_due_at)
        .where(Case.status.in_(AGENDA_STATUSES), ~already.exists(),
               or_(Case.due_state.is_not(None), Case.risk_level == "high", Case.escalated.is_(True),
                   Case.supervision_due_at.is_not(None)))
        .order_by(Case.next_deadline)).all()
    items = []
    for row in candidates:
        reasons = [r for r, hit in (("overdue", row.due_state == "overdue"), ("due_soon", row.due_state == "due_soon"),
                                    ("high_risk", row.risk_level == "high"), ("escalated", row.escalated),
                                    ("supervised", row.supervision_due_at is not None)) if hit]
        items.append({"meeting_id": meeting.id, "case_id": row.id, "reasons": reasons, "added_at": now,
                      "added_by_job": True})
    if items:
        db.session.execute(AgendaItem.__table__.insert(), items)
    meeting.agenda_built_at = now
    notices = [{"user_id": user_id, "case_id": case_id, "kind": "on_agenda",
                "details": {"meeting": scheduled.isoformat()},
                "dedupe_key": f"on_agenda:{meeting.id}:{case_id}:{user_id}"}
               for case_id, user_id in _recipients([(r.id, r.mediator_id) for r in candidates], _supervisor_ids())]
    attendees = db.session.scalars(
        select(User.id).join(Office, Office.id == User.office_id)
        .where(Office.code.in_(cfg["MEETING_ATTENDEE_OFFICES"]), User.active.is_(True))).all()
    notices += [{"user_id": user_id, "case_id": None, "kind": "agenda_ready",
                 "details": {"meeting": scheduled.isoformat(), "items": len(meeting.items)},
                 "dedupe_key": f"agenda_ready:{meeting.id}:{user_id}"} for user_id in attendees]
    notify_once(notices)
    return len(items)


def daily_reminders(now: datetime) -> int:
    """Return visits and judicial-confirmation windows coming due in the next days: remind once."""
    soon = now + timedelta(days=REMINDER_DAYS)
    rows = db.session.execute(
        select(Case.id, Case.mediator_id, Case.follow_up_by, Case.confirmation_by)
        .where(or_(and_(Case.status == "closed", Case.follow_up_by.between(now, soon)),
                   and_(Case.status.in_(("closed", "followed_up")), Case.confirmation_by.between(now, soon))))
    ).all()
    supervisors = _supervisor_ids()
    notices = []
    for row in rows:
        recipients = [row.mediator_id] if row.mediator_id else supervisors
        for user_id in recipients:
            if row.follow_up_by is not None and now <= row.follow_up_by <= soon:
                notices.append({"user_id": user_id, "case_id": row.id, "kind": "return_visit_due",
                                "details": {"due": row.follow_up_by.isoformat()},
                                "dedupe_key": f"return_visit_due:{row.id}:{user_id}:{row.follow_up_by.date()}"})
            if row.confirmation_by is not None and now <= row.confirmation_by <= soon:
                notices.append({"user_id": user_id, "case_id": row.id, "kind": "confirmation_window",
                                "details": {"due": row.confirmation_by.isoformat()},
                                "dedupe_key": f"confirmation_window:{row.id}:{user_id}:{row.confirmation_by.date()}"})
    return notify_once(notices)
