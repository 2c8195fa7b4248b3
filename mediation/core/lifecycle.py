"""The case lifecycle: one table of legal transitions, who may take them, and their guards.

Every change of a case's state is decided here (`decide`) and carried out by
`mediation.cases.services.perform`, which writes the timeline event in the same
transaction. Messages are English msgids; the edge translates them.
"""
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from .errors import TransitionRefused
from .vocab import Outcome, ReturnVisitMethod, Role, Satisfaction


class Status(StrEnum):
    REGISTERED = "registered"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    IN_MEDIATION = "in_mediation"
    CLOSED = "closed"
    FOLLOWED_UP = "followed_up"
    ARCHIVED = "archived"
    MERGED = "merged"


OPEN_STATUSES = frozenset({Status.REGISTERED, Status.ACCEPTED, Status.IN_MEDIATION})
FINAL_STATUSES = frozenset({Status.REJECTED, Status.ARCHIVED, Status.MERGED})


class Action(StrEnum):
    ACCEPT = "accept"
    REJECT = "reject"
    ROUTE = "route"
    LOG_SESSION = "log_session"
    TRANSFER = "transfer"
    EXTEND = "extend"
    ESCALATE = "escalate"
    PROPOSE_CLOSE = "propose_close"  # a liaison suggests closing; the mediator or supervisor decides
    ASSIGN = "assign"  # (re)assign the mediator
    SUPERVISE = "supervise"  # 督办: an instruction with its own due date
    SUSPEND = "suspend"  # both parties unavailable, awaiting a court: the clock stops
    RESUME = "resume"
    CLOSE = "close"
    FOLLOW_UP = "follow_up"
    REOPEN = "reopen"
    ARCHIVE = "archive"
    MERGE = "merge"


class Capacity(StrEnum):
    """In what capacity a user stands towards one case."""

    SUPERVISOR = "supervisor"
    ASSIGNED_MEDIATOR = "assigned_mediator"
    PARTICIPANT_LIAISON = "participant_liaison"


@dataclass(frozen=True)
class Transition:
    sources: frozenset[Status]
    target: Status | None  # None: the case keeps its status (a logged step, not a move)
    capacities: frozenset[Capacity]


_S, _M, _L = Capacity.SUPERVISOR, Capacity.ASSIGNED_MEDIATOR, Capacity.PARTICIPANT_LIAISON

TRANSITIONS: dict[Action, Transition] = {
    Action.ACCEPT: Transition(frozenset({Status.REGISTERED}), Status.ACCEPTED, frozenset({_S})),
    Action.REJECT: Transition(frozenset({Status.REGISTERED}), Status.REJECTED, frozenset({_S})),
    Action.MERGE: Transition(frozenset({Status.REGISTERED, Status.ACCEPTED}), Status.MERGED, frozenset({_S})),
    Action.ROUTE: Transition(frozenset({Status.ACCEPTED}), Status.IN_MEDIATION, frozenset({_S})),
    Action.LOG_SESSION: Transition(frozenset({Status.IN_MEDIATION}), None, frozenset({_S, _M, _L})),
    Action.TRANSFER: Transition(frozenset({Status.IN_MEDIATION}), None, frozenset({_S})),
    Action.EXTEND: Transition(frozenset({Status.IN_MEDIATION}), None, frozenset({_S})),
    Action.ESCALATE: Transition(frozenset({Status.IN_MEDIATION}), None, frozenset({_S, _M})),
    Action.PROPOSE_CLOSE: Transition(frozenset({Status.IN_MEDIATION}), None, frozenset({_L})),
    Action.ASSIGN: Transition(frozenset({Status.IN_MEDIATION}), None, frozenset({_S})),
    Action.SUPERVISE: Transition(frozenset({Status.REGISTERED, Status.ACCEPTED, Status.IN_MEDIATION}), None,
                                 frozenset({_S})),
    Action.SUSPEND: Transition(frozenset({Status.IN_MEDIATION}), None, frozenset({_S, _M})),
    Action.RESUME: Transition(frozenset({Status.IN_MEDIATION}), None, frozenset({_S, _M})),
    Action.CLOSE: Transition(frozenset({Status.IN_MEDIATION}), Status.CLOSED, frozenset({_S, _M})),
    Action.FOLLOW_UP: Transition(frozenset({Status.CLOSED}), Status.FOLLOWED_UP, frozenset({_S, _M})),
    Action.REOPEN: Transition(frozenset({Status.CLOSED, Status.FOLLOWED_UP}), Status.IN_MEDIATION, frozenset({_S, _M})),
    Action.ARCHIVE: Transition(frozenset({Status.FOLLOWED_UP}), Status.ARCHIVED, frozenset({_S})),
}

MAX_EXTENSION_DAYS = 30


@dataclass(frozen=True)
class Actor:
    """What the lifecycle needs to know of the user acting on one case."""

    role: Role
    is_assigned_mediator: bool = False
    office_participates: bool = False  # the user's office is the case's lead or a co-office

    @property
    def capacities(self) -> frozenset[Capacity]:
        caps = set()
        if self.role == Role.SUPERVISOR:
            caps.add(Capacity.SUPERVISOR)
        if self.role == Role.MEDIATOR and self.is_assigned_mediator:
            caps.add(Capacity.ASSIGNED_MEDIATOR)
        if self.role == Role.LIAISON and self.office_participates:
            caps.add(Capacity.PARTICIPANT_LIAISON)
        return frozenset(caps)


@dataclass(frozen=True)
class PartyFacts:
    """What art. 29 asks of a party named in a written agreement."""

    name: str
    has_id_number: bool = False
    has_address: bool = False

    @property
    def identified(self) -> bool:
        return bool(self.name.strip()) and (self.has_id_number or self.has_address)


@dataclass(frozen=True)
class CaseFacts:
    """The parts of a case that guards look at."""

    status: Status
    sessions_logged: int = 0
    extended: bool = False
    lead_office_id: int | None = None
    case_id: int | None = None
    suspended: bool = False
    office_ids: frozenset[int] = frozenset()  # lead and co-offices
    has_summary: bool = True  # the dispute's facts are written down (art. 29's 纠纷的主要事实)
    parties: tuple[PartyFacts, ...] = ()
    open_supervisions: int = 0  # 督办 instructions not yet answered (nor ended by closing)


@dataclass
class Payload:
    """What the user submitted with an action; only the fields that action uses are read."""

    reason: str = ""
    lead_office_id: int | None = None
    co_office_ids: list[int] = field(default_factory=list)
    mediator_office_id: int | None = None  # the chosen mediator's office, if any
    mediator_id: int | None = None
    outcome: Outcome | None = None
    agreement_text: str = ""
    amount: Decimal | None = None
    performance_terms: str = ""
    signed_on: date | None = None  # a written agreement's signing date
    effective_on: date | None = None  # when it took effect; the signing date if not given
    performance_due_on: date | None = None  # performed by
    referred_to: str = ""
    extension_days: int | None = None
    parties_consent: bool = False
    performance: str = ""
    merge_target_id: int | None = None
    merge_target_status: Status | None = None
    due_at: datetime | None = None  # a supervision instruction's due date
    answer: str = ""  # 反馈: the answer to the open supervision instructions (closing asks for it)
    return_visit_on: date | None = None  # closing: the day the return visit is scheduled for
    visit_method: str = ""  # closing: how the return visit is planned; follow-up: how it was made
    satisfaction: str = ""  # follow-up: the party's verdict
    now: datetime | None = None  # when the action is taken, for guards on dates
    today: date | None = None  # `now` as the town's local date, for guards on dates without a time


def available_actions(facts: CaseFacts, actor: Actor) -> list[Action]:
    """Actions this actor may start on this case now (guards on the payload come later)."""
    caps = actor.capacities
    return [
        action for action, rule in TRANSITIONS.items()
        if facts.status in rule.sources and caps & rule.capacities
        and not (action == Action.EXTEND and facts.extended)
        and not (action == Action.SUSPEND and facts.suspended)
        and not (action == Action.RESUME and not facts.suspended)
    ]


def decide(action: Action, facts: CaseFacts, actor: Actor, payload: Payload) -> Status:
    """Return the status after `action`, or raise TransitionRefused saying why not."""
    rule = TRANSITIONS[action]
    if facts.status not in rule.sources:
        raise TransitionRefused("This action is not possible while the case is %(status)s.",
                                status=facts.status.value)
    if not actor.capacities & rule.capacities:
        raise TransitionRefused("You may not take this action on this case.")
    _GUARDS.get(action, _no_guard)(facts, payload)
    return rule.target or facts.status


def _no_guard(facts: CaseFacts, payload: Payload) -> None:
    return None


def _need(value, field_name: str, message: str) -> None:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise TransitionRefused(message, field=field_name)


def _guard_reject(facts, p):
    _need(p.reason, "reason", "Give the reason for rejecting the case.")


def _guard_route(facts, p):
    _need(p.lead_office_id, "lead_office_id", "Choose the lead office.")
    if p.lead_office_id in p.co_office_ids:
        raise TransitionRefused("The lead office cannot also be a co-office.", field="co_office_ids")
    if p.mediator_id is not None and p.mediator_office_id not in {p.lead_office_id, *p.co_office_ids}:
        raise TransitionRefused("The mediator must belong to the lead office or a co-office.",
                                field="mediator_id")


def _guard_transfer(facts, p):
    _need(p.lead_office_id, "lead_office_id", "Choose the new lead office.")
    if p.lead_office_id == facts.lead_office_id:
        raise TransitionRefused("The case is already led by that office.", field="lead_office_id")
    _need(p.reason, "reason", "Give the reason for the transfer.")


def _guard_extend(facts, p):
    if facts.extended:
        raise TransitionRefused("The deadline has already been extended once.")
    if p.extension_days is None or not 1 <= p.extension_days <= MAX_EXTENSION_DAYS:
        raise TransitionRefused("An extension is between 1 and 30 days.", field="extension_days")
    if not p.parties_consent:
        raise TransitionRefused("An extension needs the consent of both parties.", field="parties_consent")
    _need(p.reason, "reason", "Give the reason for the extension.")


def _guard_propose_close(facts, p):
    _need(p.outcome, "outcome", "Choose the outcome you propose.")
    _need(p.reason, "reason", "Say why the case can be closed.")


def _guard_assign(facts, p):
    _need(p.mediator_id, "mediator_id", "Choose the mediator.")
    if p.mediator_office_id not in facts.office_ids:
        raise TransitionRefused("The mediator must belong to the lead office or a co-office.", field="mediator_id")


def _guard_supervise(facts, p):
    _need(p.reason, "reason", "Write the instruction.")
    if p.due_at is None:
        raise TransitionRefused("Give the instruction's due date.", field="due_at")
    if p.now is not None and p.due_at <= p.now:
        raise TransitionRefused("The due date must be in the future.", field="due_at")


def _guard_suspend(facts, p):
    if facts.suspended:
        raise TransitionRefused("The case is already suspended.")
    _need(p.reason, "reason", "Say why the case is suspended.")


def _guard_resume(facts, p):
    if not facts.suspended:
        raise TransitionRefused("The case is not suspended.")


def _guard_escalate(facts, p):
    _need(p.reason, "reason", "Say why the case goes to the joint meeting.")


def _guard_close(facts, p):
    _need(p.outcome, "outcome", "Choose the outcome.")
    if facts.open_supervisions:
        # The judicial office asked for a 反馈: closing gives it, or the case stays open.
        _need(p.answer, "answer", "This case has an open supervision (督办): write your answer to it before closing.")
    if p.outcome != Outcome.WITHDRAWN and facts.sessions_logged == 0:
        raise TransitionRefused("Log at least one mediation session before closing, "
                                "unless the application was withdrawn.", field="outcome")
    if p.outcome == Outcome.AGREEMENT_WRITTEN:
        _guard_written_agreement(facts, p)
    elif p.outcome == Outcome.AGREEMENT_ORAL:
        # Art. 28: the mediator records what the parties agreed orally.
        _need(p.agreement_text, "agreement_text", "Record what was agreed orally.")
        _not_after_today(p.effective_on, p, "effective_on", "The agreement cannot take effect after today.")
    elif p.outcome in (Outcome.FAILED_REFERRED, Outcome.TRANSFERRED_OUT):
        _need(p.referred_to, "referred_to", "Say where the parties were referred.")
    if p.amount is not None and p.amount < 0:
        raise TransitionRefused("The amount cannot be negative.", field="amount")
    if p.return_visit_on is not None and p.today is not None and p.return_visit_on < p.today:
        raise TransitionRefused("The return visit cannot be scheduled before today.", field="return_visit_on")
    _known(p.visit_method, ReturnVisitMethod, "visit_method", "Choose how the return visit is made.")


def _known(value: str, vocabulary, field_name: str, message: str) -> None:
    """An optional code: empty, or one of the vocabulary's."""
    if value and value not in {v.value for v in vocabulary}:
        raise TransitionRefused(message, field=field_name)


def _guard_written_agreement(facts, p):
    """人民调解法 art. 29: the parties (name, and ID number or address), the dispute's main facts, what
    was agreed, how and by when it is performed, and the date it was signed."""
    identified = [party for party in facts.parties if party.identified]
    if len(identified) < 2:
        lacking = [party.name for party in facts.parties if not party.identified and party.name.strip()]
        if lacking:
            raise TransitionRefused("A written agreement needs at least two parties with a name and an ID "
                                    "number or address; add an ID number or address for: %(names)s.",
                                    field="parties", names="、".join(lacking))
        raise TransitionRefused("A written agreement needs at least two parties with a name and an ID "
                                "number or address.", field="parties")
    if not facts.has_summary:
        raise TransitionRefused("A written agreement needs the dispute's facts: write the case summary first.",
                                field="summary")
    _need(p.agreement_text, "agreement_text", "A written agreement needs what was agreed.")
    if p.amount is None:
        raise TransitionRefused("A written agreement needs the amount (0 if none).", field="amount")
    _need(p.performance_terms, "performance_terms", "A written agreement needs how and when it is performed.")
    if p.signed_on is None:
        raise TransitionRefused("A written agreement needs the date it was signed.", field="signed_on")
    _not_after_today(p.signed_on, p, "signed_on", "The signing date cannot be after today.")
    if p.effective_on is not None and p.effective_on < p.signed_on:
        raise TransitionRefused("The agreement cannot take effect before it was signed.", field="effective_on")
    _not_after_today(p.effective_on, p, "effective_on", "The agreement cannot take effect after today.")
    if p.performance_due_on is None:
        raise TransitionRefused("A written agreement needs the date by which it is performed.",
                                field="performance_due_on")
    if p.performance_due_on < p.signed_on:
        raise TransitionRefused("The performance deadline cannot be before the signing date.",
                                field="performance_due_on")


def _not_after_today(day: date | None, p, field_name: str, message: str) -> None:
    if day is not None and p.today is not None and day > p.today:
        raise TransitionRefused(message, field=field_name)


def _guard_follow_up(facts, p):
    _need(p.performance, "performance", "Say whether the agreement was performed.")
    _known(p.visit_method, ReturnVisitMethod, "visit_method", "Choose how the return visit is made.")
    _known(p.satisfaction, Satisfaction, "satisfaction", "Choose how satisfied the party is.")


# 督办反馈: answering the judicial office's open instructions is not a move of the case, so it is not
# in TRANSITIONS (whose actions each have their own form); it is decided here all the same.
ANSWER_STATUSES = frozenset({Status.REGISTERED, Status.ACCEPTED, Status.IN_MEDIATION})
ANSWER_CAPACITIES = frozenset({Capacity.ASSIGNED_MEDIATOR, Capacity.PARTICIPANT_LIAISON})
MAX_ANSWER = 4000


def may_answer_supervision(facts: CaseFacts, actor: Actor) -> bool:
    """Whether this actor may answer the case's open 督办 now: the assigned mediator, or a liaison of a
    participating office (the supervisor who asked does not answer their own instruction)."""
    return (facts.open_supervisions > 0 and facts.status in ANSWER_STATUSES
            and bool(actor.capacities & ANSWER_CAPACITIES))


def decide_answer(facts: CaseFacts, actor: Actor, answer: str) -> None:
    """Raise TransitionRefused unless this actor may answer the open supervision with this text."""
    if not actor.capacities & ANSWER_CAPACITIES:
        raise TransitionRefused("You may not take this action on this case.")
    if facts.status not in ANSWER_STATUSES:
        raise TransitionRefused("This action is not possible while the case is %(status)s.",
                                status=facts.status.value)
    if not facts.open_supervisions:
        raise TransitionRefused("This case has no open supervision to answer.")
    _need(answer, "answer", "Write your answer to the supervision.")
    if len(answer) > MAX_ANSWER:
        raise TransitionRefused("Keep the answer under %(n)s characters.", field="answer", n=MAX_ANSWER)


def _guard_reopen(facts, p):
    _need(p.reason, "reason", "Give the reason for reopening the case.")


def _guard_merge(facts, p):
    _need(p.merge_target_id, "merge_target", "Choose the case to merge into.")
    if p.merge_target_id == facts.case_id:
        raise TransitionRefused("A case cannot be merged into itself.", field="merge_target")
    if p.merge_target_status in FINAL_STATUSES:
        raise TransitionRefused("The target case is %(status)s and cannot absorb another.",
                                field="merge_target", status=p.merge_target_status.value)


_GUARDS = {
    Action.REJECT: _guard_reject,
    Action.ROUTE: _guard_route,
    Action.TRANSFER: _guard_transfer,
    Action.EXTEND: _guard_extend,
    Action.ESCALATE: _guard_escalate,
    Action.PROPOSE_CLOSE: _guard_propose_close,
    Action.ASSIGN: _guard_assign,
    Action.SUPERVISE: _guard_supervise,
    Action.SUSPEND: _guard_suspend,
    Action.RESUME: _guard_resume,
    Action.CLOSE: _guard_close,
    Action.FOLLOW_UP: _guard_follow_up,
    Action.REOPEN: _guard_reopen,
    Action.MERGE: _guard_merge,
}
