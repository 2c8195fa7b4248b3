"""The one service through which every change of a case's state goes.

It asks the lifecycle (`core.lifecycle.decide`) whether the action is allowed, applies it,
recomputes deadlines and writes the timeline event, then flushes. The caller (a view, a
CLI command, a job) commits once.
"""
import logging
from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import bindparam, inspect as sa_inspect, select, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.orm import joinedload, selectinload

from ..organisation.models import Office
from ..auth.models import User
from ..core import deadlines
from ..core.errors import DomainError, StaleVersion, TransitionRefused
from ..core.lifecycle import Action, CaseFacts, PartyFacts, Payload, Status, decide, decide_answer
from ..core.town import Town
from ..core.vocab import Outcome, Role
from ..extensions import db
from ..notifications.services import notify_once, supervisor_ids
from ..outbox.services import ACTION_EVENTS, channel_event_for_action, channel_events
from .access import actor_for
from .models import (Case, CaseOutcome, CaseOutcomeHistory, MediationSession, Party, ReturnVisit, Supervision,
                     TimelineEvent)
from .risk import refresh_risk, refresh_risk_many
from .search import index_cases
from .similar import index_closed_case, index_closed_cases, unindex_case, unindex_cases
from .routing import propose_for

log = logging.getLogger(__name__)


def facts_for(case: Case) -> CaseFacts:
    return CaseFacts(status=case.status_enum, sessions_logged=len(case.sessions),
                     extended=case.extension_days > 0, lead_office_id=case.lead_office_id,
                     case_id=case.id, suspended=case.suspended_at is not None,
                     office_ids=frozenset(case.office_ids), has_summary=bool((case.summary or "").strip()),
                     parties=tuple(PartyFacts(name=p.name or "", has_id_number=bool((p.id_number or "").strip()),
                                              has_address=bool((p.address or "").strip())) for p in case.parties),
                     open_supervisions=sum(1 for s in case.supervisions if s.done_at is None))


def perform(case: Case, action: Action, user: User, payload: Payload, *, now: datetime, town: Town,
            expected_version: int | None = None, session_details: dict | None = None) -> TimelineEvent:
    """Carry out `action` on `case` for `user`, or raise a DomainError with nothing changed."""
    if expected_version is not None and expected_version != case.version:
        raise StaleVersion("Someone else changed this case after you opened it. "
                           "Reload the case and try again.")
    payload.now, payload.today = now, now.astimezone(town.tz).date()
    _complete_payload(payload)
    event = _decide_and_apply(case, action, user, payload, now, town, session_details or {})
    event.case = case
    db.session.add(event)
    refresh_risk(case, now)
    db.session.flush()
    if action == Action.MERGE:
        index_cases([case.merged_into_id])  # the survivor is found by the parties it absorbed too
    elif action == Action.CLOSE:
        index_closed_case(case)  # a similar past case for the open ones from now on
    elif action == Action.REOPEN:
        unindex_case(case.id)
    channel_event_for_action(case, action.value, now)  # the channel's callback, in this transaction
    return event


def perform_many(cases: list[Case], action: Action, user: User, payload: Payload, *, now: datetime,
                 town: Town) -> tuple[list[Case], list[tuple[Case, DomainError]]]:
    """The same action on many cases (the dashboard's bulk actions): each case is decided by the
    lifecycle on its own and refused with its reason, or changed with its timeline event; all in a
    fixed number of statements, whatever the number of cases."""
    if action == Action.MERGE:
        raise ValueError("cases are merged one at a time")
    payload.now, payload.today = now, now.astimezone(town.tz).date()
    _complete_payload(payload)
    load_for_lifecycle(cases)
    done, refused, events, extra = [], [], [], {"new_supervisions": []}
    with db.session.no_autoflush:
        for case in cases:
            try:
                events.append(_decide_and_apply(case, action, user, payload, now, town, extra))
                done.append(case)
            except DomainError as err:
                refused.append((case, err))
        refresh_risk_many(done, now)
        update_together(done)
    db.session.flush()  # what else the actions changed (a transfer's co-offices)
    if extra["new_supervisions"]:
        db.session.execute(Supervision.__table__.insert(), extra["new_supervisions"])
        for case in done:
            db.session.expire(case, ["supervisions"])
        notify_supervised(done, user, now, instruction=payload.reason.strip(), due_at=payload.due_at)
    if events:
        db.session.execute(TimelineEvent.__table__.insert(), [
            {"case_id": e.case_id, "at": e.at, "actor_id": e.actor_id, "action": e.action,
             "from_status": e.from_status, "to_status": e.to_status, "details": e.details} for e in events])
    if done and action == Action.CLOSE:
        index_closed_cases([c.id for c in done])
    elif done and action == Action.REOPEN:
        unindex_cases([c.id for c in done])
    if done and action.value in ACTION_EVENTS:
        channel_events(done, ACTION_EVENTS[action.value], now)
    return done, refused


def update_together(cases: list[Case]) -> None:
    """Write the cases' changed columns in one executemany UPDATE per set of changed columns, each
    row still checked against the version it was read at (the ORM would send one UPDATE per row)."""
    columns = [attr.key for attr in sa_inspect(Case).column_attrs if attr.key not in ("id", "version")]
    groups: dict[tuple[str, ...], list[Case]] = {}
    for case in cases:
        state = sa_inspect(case)
        changed = tuple(key for key in columns if state.attrs[key].history.has_changes())
        groups.setdefault(changed, []).append(case)
    table = Case.__table__
    for keys, group in groups.items():
        stmt = (update(table).where(table.c.id == bindparam("_id"), table.c.version == bindparam("_version"))
                .values({**{key: bindparam(key) for key in keys}, "version": bindparam("_next")}))
        rows = [{"_id": c.id, "_version": c.version, "_next": c.version + 1, **{k: getattr(c, k) for k in keys}}
                for c in group]
        if db.session.execute(stmt, rows).rowcount != len(rows):
            raise StaleDataError("a case changed while the bulk action ran")
        for case, row in zip(group, rows):
            for key in keys:
                set_committed_value(case, key, row[key])
            set_committed_value(case, "version", row["_next"])


def load_for_lifecycle(cases: list[Case]) -> None:
    """What the lifecycle, deadlines and risk look at, for many cases in one go."""
    if cases:
        db.session.scalars(select(Case).where(Case.id.in_([c.id for c in cases])).options(
            selectinload(Case.sessions), selectinload(Case.co_offices), selectinload(Case.outcome),
            selectinload(Case.parties), selectinload(Case.absorbed), selectinload(Case.supervisions),
            selectinload(Case.return_visits), joinedload(Case.mediator))).all()


def _decide_and_apply(case: Case, action: Action, user: User, payload: Payload, now: datetime, town: Town,
                      session_details: dict) -> TimelineEvent:
    """Ask the lifecycle, change the case, recompute its deadlines; the timeline event to write."""
    from_status = case.status_enum
    to_status = decide(action, facts_for(case), actor_for(user, case), payload)
    with db.session.no_autoflush:  # the row is consistent (checks hold) only once all of it is set
        details = _APPLY[action](case, user, payload, now, town, session_details)
        case.status = to_status.value
        case.updated_at = now  # always an UPDATE, so the version moves even when only children changed
        refresh_deadlines(case, town)
        for absorbed in case.absorbed:  # their channel reply deadlines run until this case concludes
            refresh_deadlines(absorbed, town)
    log.info("case %s: %s by %s (%s -> %s)", case.reference, action, user.username, from_status, to_status)
    return TimelineEvent(case_id=case.id, at=now, actor_id=user.id, action=action.value,
                         from_status=from_status.value, to_status=to_status.value, details=details)


def refresh_deadlines(case: Case, town: Town) -> None:
    """Recompute every deadline of the case from its facts and the town's policy and calendar."""
    details = case.details or {}
    clock = deadlines.Clock(
        status=case.status_enum, channel=case.channel, received_at=case.received_at,
        mediation_started_at=case.mediation_started_at, closed_at=case.closed_at,
        written_agreement=case.outcome is not None and case.outcome.outcome == Outcome.AGREEMENT_WRITTEN,
        agreement_effective_on=case.outcome.effective_on if case.outcome is not None else None,
        extension_days=case.extension_days, suspended_at=case.suspended_at,
        suspended_seconds=case.suspended_seconds or 0.0, channel_due_at=case.channel_due_at,
        channel_variant="complex" if details.get("complex") else details.get("work_order_type"),
        supervision_due_at=case.supervision_due_at,
        survivor_closed=case.merged_into is not None and case.merged_into.closed_at is not None)
    due = deadlines.compute(clock, town.policy, town.calendar, town.tz)
    case.accept_by, case.conclude_by, case.follow_up_by = due.accept_by, due.conclude_by, due.follow_up_by
    case.confirmation_by, case.reply_by = due.confirmation_by, due.reply_by
    case.next_deadline, case.next_stage, case.deadline_provisional = due.next_deadline, due.next_stage, due.provisional
    _scheduled_follow_up(case, town)


def _scheduled_follow_up(case: Case, town: Town) -> None:
    """The return visit scheduled at closing sets the return-visit deadline (the policy's period is only
    the form's default): `follow_up_by` is the end of its day, which the daily reminders read."""
    if case.closed_at is None:  # no visit scheduled; and no need to load the visits of open cases
        return
    planned = [v for v in case.return_visits if v.due_on is not None]
    if not planned:  # closed before visits were scheduled: the policy's date stands
        return
    case.follow_up_by = deadlines.end_of_day(planned[-1].due_on, town.tz)
    if case.status_enum == Status.CLOSED and case.suspended_at is None:
        # A closed case works towards its return visit and any supervision (core.deadlines.RUNNING_STAGES).
        candidates = [(case.follow_up_by, "follow_up")]
        if case.supervision_due_at is not None:
            candidates.append((case.supervision_due_at, "supervision"))
        case.next_deadline, case.next_stage = min(candidates)
        case.deadline_provisional = False


def default_return_visit_on(case: Case, now: datetime, town: Town) -> date | None:
    """The day the deadline policy (admin "deadlines", return visit from closing) gives for a return
    visit if the case closes at `now`: the close form's default."""
    period = town.policy.period(deadlines.Stage.FOLLOW_UP, case.channel)
    if period is None:
        return None
    return deadlines.due_after(now, period, town.calendar, town.tz).at.astimezone(town.tz).date()


def _complete_payload(p: Payload) -> None:
    """Fill in from the database what guards compare against (offices, merge target)."""
    if p.mediator_id is not None:
        row = db.session.execute(select(User.office_id, User.role, User.active).where(User.id == p.mediator_id)).first()
        if row is None or not row.active or row.role not in (Role.MEDIATOR.value, Role.LIAISON.value):
            raise TransitionRefused("Choose a mediator or liaison.", field="mediator_id")
        p.mediator_office_id = row.office_id
    if p.merge_target_id is not None:
        status = db.session.scalar(select(Case.status).where(Case.id == p.merge_target_id))
        p.merge_target_status = Status(status) if status else Status.MERGED
    for office_id in filter(None, [p.lead_office_id, *p.co_office_ids]):
        if db.session.get(Office, office_id) is None:
            raise TransitionRefused("Unknown office.", field="lead_office_id")


def _accept(case, user, p, now, town, extra):
    case.accepted_at = case.mediation_started_at = now
    return {}


def _reject(case, user, p, now, town, extra):
    _supervisions_done(case, now)
    case.reject_reason = p.reason.strip()
    return {"reason": case.reject_reason}


def _route(case, user, p, now, town, extra):
    proposal = propose_for(case)
    followed = (proposal is not None and proposal.lead_office_id == p.lead_office_id
                and set(proposal.co_office_ids) == set(p.co_office_ids))
    case.lead_office_id = p.lead_office_id
    case.co_offices = [db.session.get(Office, i) for i in dict.fromkeys(p.co_office_ids)]
    case.mediator_id = p.mediator_id
    case.routing_rule_id = proposal.rule_id if followed else None
    if followed and proposal.flag_for_meeting:
        case.escalated = True
    details = {"lead_office_id": p.lead_office_id, "co_office_ids": list(p.co_office_ids),
               "mediator_id": p.mediator_id}
    if proposal is not None:
        details.update(rule=proposal.rule_name, rule_id=proposal.rule_id, overridden=not followed)
    return details


def _log_session(case, user, p, now, town, extra):
    if not (extra.get("record") or "").strip():
        raise TransitionRefused("Write the session record.", field="record")
    session = MediationSession(case=case, logged_by_id=user.id, office_id=user.office_id,
                               held_at=extra.get("held_at") or now, method=extra.get("method", "in_person"),
                               place=extra.get("place", ""), participants=extra.get("participants", ""),
                               record=extra["record"].strip(), next_steps=extra.get("next_steps", ""))
    db.session.add(session)
    return {"method": session.method, "held_at": session.held_at.isoformat()}


def _transfer(case, user, p, now, town, extra):
    old = case.lead_office_id
    case.lead_office_id = p.lead_office_id
    case.co_offices = [o for o in case.co_offices if o.id != p.lead_office_id]
    if case.mediator is not None and case.mediator.office_id not in case.office_ids:
        case.mediator_id = None  # the new lead office assigns its own mediator
    return {"from_office_id": old, "to_office_id": p.lead_office_id, "reason": p.reason.strip()}


def _extend(case, user, p, now, town, extra):
    case.extension_days = p.extension_days
    return {"days": p.extension_days, "reason": p.reason.strip(), "parties_consent": True}


def _escalate(case, user, p, now, town, extra):
    case.escalated = True
    return {"reason": p.reason.strip()}


def _propose_close(case, user, p, now, town, extra):
    """Recorded on the timeline; the assigned mediator and the supervisors hear of it."""
    recipients = {case.mediator_id} | set(supervisor_ids())
    notify_once(({"user_id": uid, "case_id": case.id, "kind": "close_proposed",
                 "details": {"outcome": p.outcome.value, "by": user.display_name},
                 "dedupe_key": f"close_proposed:{case.id}:{uid}:{now.isoformat()}"} for uid in recipients if uid), now)
    return {"outcome": p.outcome.value, "reason": p.reason.strip()}


def _assign(case, user, p, now, town, extra):
    previous = case.mediator_id
    case.mediator_id = p.mediator_id
    return {"from_mediator_id": previous, "mediator_id": p.mediator_id}


def _supervise(case, user, p, now, town, extra):
    row = {"instruction": p.reason.strip(), "due_at": p.due_at, "created_at": now, "created_by_id": user.id,
           "meeting_id": extra.get("meeting_id")}
    if "new_supervisions" in extra:  # many cases at once: written (and notified) together by perform_many
        extra["new_supervisions"].append({"case_id": case.id, **row})
    else:
        case.supervisions.append(Supervision(**row))
        notify_supervised([case], user, now, instruction=row["instruction"], due_at=p.due_at)
    case.supervision_due_at = min([s.due_at for s in case.supervisions if s.done_at is None] + [p.due_at])
    return {"reason": p.reason.strip(), "due_at": p.due_at.isoformat(), "meeting_id": extra.get("meeting_id")}


def _suspend(case, user, p, now, town, extra):
    case.suspended_at = now
    return {"reason": p.reason.strip()}


def _resume(case, user, p, now, town, extra):
    # Suspension counts in whole days (DESIGN.md): the number of local dates from suspending to resuming,
    # so a deadline moved by it still ends at 23:59:59.
    days = (now.astimezone(town.tz).date() - case.suspended_at.astimezone(town.tz).date()).days
    case.suspended_seconds = (case.suspended_seconds or 0.0) + days * 86400.0
    case.suspended_at = None
    return {"suspended_days": days}


def _close(case, user, p, now, town, extra):
    if case.suspended_at is not None:
        _resume(case, user, p, now, town, extra)
    case.outcome = CaseOutcome(outcome=p.outcome.value, closed_at=now, closed_by_id=user.id,
                               agreement_text=p.agreement_text.strip() or None,
                               amount=p.amount, performance_terms=p.performance_terms.strip() or None,
                               referred_to=p.referred_to.strip() or None, **_agreement_dates(p))
    case.closed_at = now
    if any(s.done_at is None for s in case.supervisions):  # the lifecycle made sure there is an answer
        case.timeline.append(_answer_open_supervisions(case, user, p.answer.strip(), now))
    _supervisions_done(case, now)
    due_on = p.return_visit_on or default_return_visit_on(case, now, town)
    case.return_visits.append(ReturnVisit(due_on=due_on, method=p.visit_method or None, scheduled_by_id=user.id))
    return {"outcome": p.outcome.value, "amount": str(p.amount) if p.amount is not None else None,
            "return_visit_on": due_on.isoformat() if due_on else None, "visit_method": p.visit_method or None}


def _agreement_dates(p: Payload) -> dict:
    """The dates an agreement carries: a written one is in effect once signed and sealed (art. 29) unless
    it says later; an oral one from the day it was reached (art. 30). Other outcomes have none."""
    if p.outcome == Outcome.AGREEMENT_WRITTEN:
        return {"signed_on": p.signed_on, "effective_on": p.effective_on or p.signed_on,
                "performance_due_on": p.performance_due_on}
    if p.outcome == Outcome.AGREEMENT_ORAL:
        return {"signed_on": None, "effective_on": p.effective_on, "performance_due_on": p.performance_due_on}
    return {"signed_on": None, "effective_on": None, "performance_due_on": None}


def _supervisions_done(case: Case, now: datetime) -> None:
    """Closing answers the open instructions: their due dates stop being deadlines."""
    for supervision in case.supervisions:
        if supervision.done_at is None:
            supervision.done_at = now
    case.supervision_due_at = None


def _follow_up(case, user, p, now, town, extra):
    """Record the return visit: the one scheduled at closing, or (a case closed before visits were
    scheduled) a new one."""
    visit = next((v for v in reversed(case.return_visits) if not v.done), None)
    if visit is None:
        visit = ReturnVisit()
        case.return_visits.append(visit)
    visit.visited_at, visit.visited_by_id, visit.performance = now, user.id, p.performance
    visit.method = p.visit_method or visit.method
    visit.satisfaction = p.satisfaction or None
    visit.notes = (extra.get("notes") or "").strip()
    return {"performance": p.performance, "visit_method": visit.method, "satisfaction": visit.satisfaction}


def _reopen(case, user, p, now, town, extra):
    previous = case.outcome
    details = {"reason": p.reason.strip()}
    if previous is not None:
        # The current outcome moves whole into the history (agreement, terms, who closed it), so
        # case.outcome stays "the outcome now" for statistics and the next close.
        case.outcome_history.append(CaseOutcomeHistory.superseding(
            previous, reopened_at=now, reopened_by_id=user.id, reason=details["reason"]))
        details["previous_outcome"] = previous.outcome
        case.outcome = None
    case.closed_at = None
    for visit in [v for v in case.return_visits if not v.done]:  # never made: the next closing schedules anew
        case.return_visits.remove(visit)
    case.mediation_started_at = now  # a fresh month to conclude
    case.extension_days = 0
    case.suspended_seconds = 0.0
    return details


def notify_supervised(cases: Sequence[Case], by: User, now: datetime, *, instruction: str,
                      due_at: datetime) -> int:
    """Tell those who must act on a new 督办 (kind "supervised"): the assigned mediator, the lead office's
    liaisons (the office's contact people), and, while no mediator is assigned, the lead office's
    mediators, so that someone takes it up. Not the supervisor who gave it. Two statements (the
    offices' people, one INSERT) for any number of cases. `perform` calls it for Action.SUPERVISE,
    so a joint meeting's decision that supervises through `perform` notifies too."""
    office_ids = {c.lead_office_id for c in cases if c.lead_office_id}
    people = db.session.execute(
        select(User.id, User.office_id, User.role).where(
            User.office_id.in_(office_ids), User.active.is_(True),
            User.role.in_([Role.MEDIATOR.value, Role.LIAISON.value]))).all() if office_ids else []
    notices = []
    for case in cases:
        recipients = {case.mediator_id} - {None}
        recipients.update(uid for uid, office_id, role in people if office_id == case.lead_office_id
                          and (role == Role.LIAISON.value or case.mediator_id is None))
        recipients.discard(by.id)
        notices.extend({"user_id": uid, "case_id": case.id, "kind": "supervised",
                        "details": {"reason": instruction, "due": due_at.isoformat(), "by": by.display_name},
                        "dedupe_key": f"supervised:{case.id}:{uid}:{now.isoformat()}"} for uid in sorted(recipients))
    return notify_once(notices, now)


def answer_supervision(case: Case, user: User, answer: str, *, now: datetime, town: Town,
                       expected_version: int | None = None) -> TimelineEvent:
    """督办反馈: the mediator answers the case's open supervision instructions, recorded on the timeline;
    whoever gave each instruction hears of it. Raises a DomainError with nothing changed."""
    if expected_version is not None and expected_version != case.version:
        raise StaleVersion("Someone else changed this case after you opened it. "
                           "Reload the case and try again.")
    decide_answer(facts_for(case), actor_for(user, case), (answer or "").strip())
    event = _answer_open_supervisions(case, user, answer.strip(), now)
    case.timeline.append(event)
    case.updated_at = now  # the version moves: a form opened before the answer is stale
    refresh_deadlines(case, town)
    db.session.flush()
    log.info("case %s: supervision answered by %s", case.reference, user.username)
    return event


def _answer_open_supervisions(case: Case, user: User, answer: str, now: datetime) -> TimelineEvent:
    """Answer every open instruction of the case with `answer` (done: answered), notify their givers,
    and return the timeline event (the caller adds it)."""
    answered = [s for s in case.supervisions if s.done_at is None]
    for supervision in answered:
        supervision.answer, supervision.answered_at, supervision.answered_by_id = answer, now, user.id
        supervision.done_at = now
    case.supervision_due_at = None
    givers = {s.created_by_id for s in answered} - {user.id}
    notify_once(({"user_id": uid, "case_id": case.id, "kind": "supervision_answered",
                  "details": {"reason": answer, "by": user.display_name},
                  "dedupe_key": f"supervision_answered:{case.id}:{uid}:{now.isoformat()}"} for uid in givers), now)
    return TimelineEvent(at=now, actor_id=user.id, action="answer_supervision", from_status=case.status,
                         to_status=case.status, details={"answer": answer})


def _archive(case, user, p, now, town, extra):
    return {}


def _merge(case, user, p, now, town, extra):
    _supervisions_done(case, now)
    target = db.session.get(Case, p.merge_target_id)
    case.merged_into_id = target.id
    known = {(party.name, party.phone) for party in target.parties}
    for party in case.parties:  # the survivor absorbs the parties it does not have yet
        if (party.name, party.phone) not in known:
            target.parties.append(Party(name=party.name, role=party.role, phone=party.phone,
                                        phone_typed=party.phone_typed, id_number=party.id_number,
                                        id_number_typed=party.id_number_typed, address=party.address,
                                        vulnerable=party.vulnerable, has_petitioned=party.has_petitioned,
                                        name_key=party.name_key))
    target.updated_at = now
    db.session.add(TimelineEvent(case=target, at=now, actor_id=user.id, action="absorbed",
                                 from_status=target.status, to_status=target.status,
                                 details={"merged_case": case.reference}))
    return {"merged_into": target.reference}


_APPLY = {
    Action.ACCEPT: _accept, Action.REJECT: _reject, Action.ROUTE: _route,
    Action.LOG_SESSION: _log_session, Action.TRANSFER: _transfer, Action.EXTEND: _extend,
    Action.ESCALATE: _escalate, Action.PROPOSE_CLOSE: _propose_close, Action.ASSIGN: _assign, Action.SUPERVISE: _supervise, Action.SUSPEND: _suspend, Action.RESUME: _resume, Action.CLOSE: _close, Action.FOLLOW_UP: _follow_up,
    Action.REOPEN: _reopen, Action.ARCHIVE: _archive, Action.MERGE: _merge,
}

