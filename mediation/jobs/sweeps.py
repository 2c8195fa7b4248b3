"""The scheduled jobs: plain functions `job(now, town) -> rows touched`, safe to run twice.

They select what is due in set-based SQL, act, and leave committing to the runner.
"""
import logging
from datetime import datetime, timedelta

from sqlalchemy import and_, exists, func, or_, select, update
from sqlalchemy.orm import selectinload

from ..auth import audit
from ..cases.consultation_models import Consultation
from ..cases.consultations import answerer_ids
from ..cases.models import Case
from ..cases.queries import due_state_sql, is_due_or_flagged, is_open
from ..cases.risk import refresh_risk_many
from ..core.deadlines import DueState, DueWindow
from ..core.lifecycle import Status
from ..core.risk import HIGH_AMOUNT
from ..core.town import Town
from ..extensions import db
from ..meetings.services import build_agenda
from ..notifications.services import case_recipients, digests, notify_once, supervisor_ids
from ..organisation.models import Office

log = logging.getLogger(__name__)

REMINDER_DAYS = 3
DEADLINE_DIGEST = "deadline_digest"  # notice kinds (labels.py "notice")
DEADLINE_STATES = (DueState.DUE_SOON.value, DueState.OVERDUE.value)
REMINDER_DIGEST = "reminder_digest"
REMINDER_STATES = ("return_visit_due", "confirmation_window")


def overdue_sweep(now: datetime, town: Town) -> int:
    """Set due_soon / overdue flags; notify once per change of flag (DESIGN.md: every 10 minutes).

    Each recipient (the assigned mediator, else nobody, and the supervisors) gets one digest per
    run, "3 due soon, 2 overdue", listing the cases whose flag this run raised. Questions to a
    linked office (难题会诊) past their due date are flagged in the same run (overdue_consultations)."""
    window = DueWindow.at(now, town.calendar, town.tz)
    new_state = due_state_sql(window)
    candidates = is_due_or_flagged(window)
    changed = func.coalesce(Case.due_state, "") != func.coalesce(new_state, "")
    # The UPDATE takes the row locks: a sweep running beside this one sees these rows as settled
    # and writes no second digest.
    rows = db.session.execute(
        update(Case).where(candidates, changed).values(due_state=new_state, due_state_at=now)
        .returning(Case.id, Case.reference, Case.due_state, Case.mediator_id, Case.amount, Case.next_deadline)
        .execution_options(synchronize_session=False)
    ).all()
    flagged = {r.id: r for r in rows if r.due_state}
    entries = [(user_id, flagged[case_id].due_state, flagged[case_id].reference,
                _iso(flagged[case_id].next_deadline))
               for case_id, user_id in case_recipients([(r.id, r.mediator_id) for r in flagged.values()],
                                                       supervisor_ids())]
    notify_once(digests(entries, DEADLINE_DIGEST, now.isoformat(), DEADLINE_STATES), now)
    # Overdue with a large amount at stake raises the escalation risk: only those few rows.
    risky = [r.id for r in rows if r.due_state == DueState.OVERDUE and r.amount is not None and r.amount >= HIGH_AMOUNT]
    if risky:
        cases = db.session.scalars(select(Case).where(Case.id.in_(risky))
                                   .options(selectinload(Case.parties), selectinload(Case.absorbed))).all()
        refresh_risk_many(list(cases), now)
    log.info("overdue sweep: %s cases changed flag, %s flagged", len(rows), len(flagged))
    return len(rows) + overdue_consultations(now)


def overdue_consultations(now: datetime) -> int:
    """Flag each question (难题会诊) of an open case past its due date and still unanswered, once
    (overdue_notified_at), and tell the asked office's answerers and the asker (kind
    "consultation_overdue"). Five statements at most whatever the number: the UPDATE that claims
    the rows (a sweep beside this one finds them flagged), their offices, the offices' liaisons and
    the supervisors (answerer_ids), one INSERT."""
    case_open = exists().where(Case.id == Consultation.case_id, is_open())
    rows = db.session.execute(
        update(Consultation).where(Consultation.answered_at.is_(None), Consultation.overdue_notified_at.is_(None),
                                   Consultation.due_at < now, case_open)
        .values(overdue_notified_at=now)
        .returning(Consultation.id, Consultation.case_id, Consultation.office_id, Consultation.asked_by_id,
                   Consultation.due_at)
        .execution_options(synchronize_session=False)
    ).all()
    if not rows:
        return 0
    offices = db.session.scalars(select(Office).where(Office.id.in_({r.office_id for r in rows}))).all()
    answerers = answerer_ids(offices)
    notify_once(({"user_id": uid, "case_id": r.case_id, "kind": "consultation_overdue",
                  "details": {"due": r.due_at.isoformat()}, "dedupe_key": f"consultation_overdue:{r.id}:{uid}"}
                 for r in rows for uid in sorted({r.asked_by_id, *answerers.get(r.office_id, ())})), now)
    log.info("overdue sweep: %s consultations overdue", len(rows))
    return len(rows)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def pre_meeting_agenda(now: datetime, town: Town) -> int:
    """Build the next joint meeting's agenda (the same service as the supervisor's button)."""
    return build_agenda(now, town)


def daily_reminders(now: datetime, town: Town) -> int:
    """Return visits and judicial-confirmation windows coming due in the next days: one digest per
    user and day (the job runs daily; a second run the same local day writes nothing new)."""
    soon = now + timedelta(days=REMINDER_DAYS)
    rows = db.session.execute(
        select(Case.id, Case.reference, Case.mediator_id, Case.follow_up_by, Case.confirmation_by)
        .where(or_(and_(Case.status == Status.CLOSED.value, Case.follow_up_by.between(now, soon)),
                   and_(Case.status.in_((Status.CLOSED.value, Status.FOLLOWED_UP.value)),
                        Case.confirmation_by.between(now, soon))))
    ).all()
    supervisors = supervisor_ids()
    entries = []
    for row in rows:
        recipients = [row.mediator_id] if row.mediator_id else supervisors
        for user_id in recipients:
            if row.follow_up_by is not None and now <= row.follow_up_by <= soon:
                entries.append((user_id, "return_visit_due", row.reference, row.follow_up_by.isoformat()))
            if row.confirmation_by is not None and now <= row.confirmation_by <= soon:
                entries.append((user_id, "confirmation_window", row.reference, row.confirmation_by.isoformat()))
    day = now.astimezone(town.tz).date().isoformat()
    return notify_once(digests(entries, REMINDER_DIGEST, day, REMINDER_STATES), now)


def audit_purge(now: datetime, town: Town, *, retention_days: int) -> int:
    """Remove audit rows older than the retention from the start of the chain, recording how many
    and up to when in an audit row of its own (which `flask audit verify` takes as the new anchor)."""
    removed = audit.purge(now, retention_days)
    log.info("audit purge: %s rows older than %s days removed", removed, retention_days)
    return removed
