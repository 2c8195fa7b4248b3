"""The lifecycle state machine: every state x every action, capacities, and every guard.

The expected transition table is written out here literally (DESIGN.md's diagram as
implemented), not read from TRANSITIONS, so a change to the table makes a test fail.
"""
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from mediation.core.errors import DomainError, TransitionRefused
from mediation.core.lifecycle import (
    FINAL_STATUSES, MAX_EXTENSION_DAYS, OPEN_STATUSES, TRANSITIONS, Action, Actor, Capacity,
    CaseFacts, PartyFacts, Payload, Status, available_actions, decide,
)
from mediation.core.vocab import Outcome, Performance, Role

S = Status
A = Action

# action -> (legal source states, target state; None = the case keeps its status)
EXPECTED: dict[Action, tuple[frozenset[Status], Status | None]] = {
    A.ACCEPT: (frozenset({S.REGISTERED}), S.ACCEPTED),
    A.REJECT: (frozenset({S.REGISTERED}), S.REJECTED),
    A.MERGE: (frozenset({S.REGISTERED, S.ACCEPTED}), S.MERGED),
    A.ROUTE: (frozenset({S.ACCEPTED}), S.IN_MEDIATION),
    A.LOG_SESSION: (frozenset({S.IN_MEDIATION}), None),
    A.TRANSFER: (frozenset({S.IN_MEDIATION}), None),
    A.EXTEND: (frozenset({S.IN_MEDIATION}), None),
    A.ESCALATE: (frozenset({S.IN_MEDIATION}), None),
    A.PROPOSE_CLOSE: (frozenset({S.IN_MEDIATION}), None),
    A.ASSIGN: (frozenset({S.IN_MEDIATION}), None),
    A.SUPERVISE: (frozenset({S.REGISTERED, S.ACCEPTED, S.IN_MEDIATION}), None),
    A.SUSPEND: (frozenset({S.IN_MEDIATION}), None),
    A.RESUME: (frozenset({S.IN_MEDIATION}), None),
    A.CLOSE: (frozenset({S.IN_MEDIATION}), S.CLOSED),
    A.FOLLOW_UP: (frozenset({S.CLOSED}), S.FOLLOWED_UP),
    A.REOPEN: (frozenset({S.CLOSED, S.FOLLOWED_UP}), S.IN_MEDIATION),
    A.ARCHIVE: (frozenset({S.FOLLOWED_UP}), S.ARCHIVED),
}

# What each role may do on a case, when it stands in the right capacity (DESIGN.md's roles
# table as implemented): supervisors everything but proposing to close (re-assigning the mediator
# and 督办 supervision instructions are theirs alone); the assigned mediator sessions, escalation,
# suspending and resuming, closing, return visits, reopening; a participating liaison logs
# sessions and proposes closing (which only a liaison does: the mediator or supervisor decides).
SUPERVISOR_ACTIONS = frozenset({A.ACCEPT, A.REJECT, A.MERGE, A.ROUTE, A.LOG_SESSION, A.TRANSFER, A.EXTEND,
                                A.ESCALATE, A.ASSIGN, A.SUPERVISE, A.SUSPEND, A.RESUME, A.CLOSE, A.FOLLOW_UP,
                                A.REOPEN, A.ARCHIVE})
MEDIATOR_ACTIONS = frozenset({A.LOG_SESSION, A.ESCALATE, A.SUSPEND, A.RESUME, A.CLOSE, A.FOLLOW_UP,
                              A.REOPEN})
LIAISON_ACTIONS = frozenset({A.LOG_SESSION, A.PROPOSE_CLOSE})

SUPERVISOR = Actor(Role.SUPERVISOR)
MEDIATOR = Actor(Role.MEDIATOR, is_assigned_mediator=True, office_participates=True)
LIAISON = Actor(Role.LIAISON, office_participates=True)

CASE_ID = 10
LEAD_OFFICE = 1
CO_OFFICE = 3
OTHER_OFFICE = 4  # neither lead nor co-office of the case
NOW = datetime(2026, 6, 1, 2, 0, tzinfo=timezone.utc)


# Two parties as art. 29 names them in a written agreement: a name and an ID number or address.
TWO_PARTIES = (PartyFacts("张三", has_id_number=True), PartyFacts("李四", has_address=True))
SIGNED = date(2026, 5, 28)  # before NOW's local date (2026-06-01)


def capable(action: Action) -> Actor:
    """An actor with a capacity for `action`: the supervisor, except where only a liaison may act."""
    return SUPERVISOR if action in SUPERVISOR_ACTIONS else LIAISON


def facts(status: Status, **kw) -> CaseFacts:
    kw = {"sessions_logged": 1, "extended": False, "lead_office_id": LEAD_OFFICE, "case_id": CASE_ID,
          "suspended": False, "office_ids": frozenset({LEAD_OFFICE, CO_OFFICE}), "parties": TWO_PARTIES, **kw}
    return CaseFacts(status=status, **kw)


# Facts an action needs beyond its source state: only a suspended case can be resumed.
NEEDS = {A.RESUME: {"suspended": True}}


def facts_for(action: Action, status: Status, **kw) -> CaseFacts:
    """Facts in `status` that satisfy every guard of `action` on the case (with good_payload)."""
    return facts(status, **{**NEEDS.get(action, {}), **kw})


def good_payload(action: Action) -> Payload:
    """A payload that satisfies every guard of `action` on `facts(...)`."""
    return {
        A.ACCEPT: Payload(),
        A.REJECT: Payload(reason="不属于人民调解受理范围"),
        A.MERGE: Payload(merge_target_id=CASE_ID + 1, merge_target_status=S.REGISTERED),
        A.ROUTE: Payload(lead_office_id=2, co_office_ids=[3], mediator_id=7, mediator_office_id=2),
        A.LOG_SESSION: Payload(),
        A.TRANSFER: Payload(lead_office_id=2, reason="涉及治安案件"),
        A.EXTEND: Payload(extension_days=15, parties_consent=True, reason="双方同意延期"),
        A.ESCALATE: Payload(reason="矛盾激化"),
        A.PROPOSE_CLOSE: Payload(outcome=Outcome.AGREEMENT_ORAL, reason="双方已当面和解"),
        A.ASSIGN: Payload(mediator_id=8, mediator_office_id=LEAD_OFFICE),
        A.SUPERVISE: Payload(reason="请于一周内上报调解进展", due_at=NOW + timedelta(days=7), now=NOW),
        A.SUSPEND: Payload(reason="双方外出务工，暂时无法调解"),
        A.RESUME: Payload(),
        A.CLOSE: Payload(outcome=Outcome.AGREEMENT_WRITTEN, agreement_text="赔偿修理费",
                         amount=Decimal("0"), performance_terms="当场履行", signed_on=SIGNED,
                         performance_due_on=SIGNED),
        A.FOLLOW_UP: Payload(performance=Performance.PERFORMED),
        A.REOPEN: Payload(reason="协议未履行"),
        A.ARCHIVE: Payload(),
    }[action]


def refused(action, case, actor, payload) -> TransitionRefused:
    with pytest.raises(TransitionRefused) as info:
        decide(action, case, actor, payload)
    return info.value


# --- the table ------------------------------------------------------------------------

def test_vocabulary_of_states_and_actions():
    assert {s.value for s in Status} == {
        "registered", "accepted", "rejected", "in_mediation", "closed", "followed_up", "archived", "merged"}
    assert {a.value for a in Action} == {
        "accept", "reject", "route", "log_session", "transfer", "extend", "escalate", "propose_close", "assign",
        "supervise", "suspend", "resume", "close", "follow_up", "reopen", "archive", "merge"}
    assert OPEN_STATUSES == {S.REGISTERED, S.ACCEPTED, S.IN_MEDIATION}
    assert FINAL_STATUSES == {S.REJECTED, S.ARCHIVED, S.MERGED}
    assert MAX_EXTENSION_DAYS == 30


def test_transition_table_is_as_designed():
    assert set(TRANSITIONS) == set(EXPECTED)
    for action, (sources, target) in EXPECTED.items():
        assert TRANSITIONS[action].sources == sources, action
        assert TRANSITIONS[action].target == target, action


def test_final_states_have_no_way_out():
    for action, (sources, _) in EXPECTED.items():
        assert not sources & FINAL_STATUSES, action


@pytest.mark.parametrize("action", list(Action), ids=str)
@pytest.mark.parametrize("status", list(Status), ids=str)
def test_every_state_times_every_action(status, action):
    sources, target = EXPECTED[action]
    case, payload = facts_for(action, status), good_payload(action)
    actor = capable(action)
    if status in sources:
        assert decide(action, case, actor, payload) == (target or status)
    else:
        err = refused(action, case, actor, payload)
        # refused because of the state, not a guard or a capacity
        assert err.message == "This action is not possible while the case is %(status)s."
        assert err.params == {"status": status.value}
        assert err.field is None


@pytest.mark.parametrize("action", list(Action), ids=str)
@pytest.mark.parametrize("status", list(Status), ids=str)
def test_every_state_times_every_action_for_mediator_and_liaison(status, action):
    sources, target = EXPECTED[action]
    case, payload = facts_for(action, status), good_payload(action)
    for actor, allowed in ((MEDIATOR, MEDIATOR_ACTIONS), (LIAISON, LIAISON_ACTIONS)):
        if status in sources and action in allowed:
            assert decide(action, case, actor, payload) == (target or status)
        else:
            with pytest.raises(TransitionRefused):
                decide(action, case, actor, payload)


def test_state_is_checked_before_capacity():
    err = refused(A.ACCEPT, facts(S.CLOSED), Actor(Role.VIEWER), Payload())
    assert err.params == {"status": "closed"}


def test_transition_refused_is_a_domain_error():
    err = refused(A.ARCHIVE, facts(S.REGISTERED), SUPERVISOR, Payload())
    assert isinstance(err, DomainError)
    assert str(err) == err.message


# --- capacities -----------------------------------------------------------------------

@pytest.mark.parametrize("actor, expected", [
    (Actor(Role.SUPERVISOR), {Capacity.SUPERVISOR}),
    (Actor(Role.SUPERVISOR, is_assigned_mediator=True, office_participates=True), {Capacity.SUPERVISOR}),
    (Actor(Role.MEDIATOR, is_assigned_mediator=True), {Capacity.ASSIGNED_MEDIATOR}),
    (Actor(Role.MEDIATOR, is_assigned_mediator=True, office_participates=True), {Capacity.ASSIGNED_MEDIATOR}),
    (Actor(Role.MEDIATOR), set()),
    (Actor(Role.MEDIATOR, office_participates=True), set()),  # same office is not enough
    (Actor(Role.LIAISON, office_participates=True), {Capacity.PARTICIPANT_LIAISON}),
    (Actor(Role.LIAISON), set()),
    (Actor(Role.LIAISON, is_assigned_mediator=True), set()),
    (Actor(Role.VIEWER), set()),
    (Actor(Role.VIEWER, is_assigned_mediator=True, office_participates=True), set()),
    (Actor(Role.ADMIN), set()),
    (Actor(Role.ADMIN, is_assigned_mediator=True, office_participates=True), set()),
], ids=repr)
def test_capacities(actor, expected):
    assert actor.capacities == expected


def _legal_state(action: Action) -> Status:
    return sorted(EXPECTED[action][0])[0]


@pytest.mark.parametrize("actor", [
    Actor(Role.MEDIATOR),  # not assigned to this case
    Actor(Role.MEDIATOR, office_participates=True),
    Actor(Role.LIAISON),  # office is neither lead nor co-office
    Actor(Role.VIEWER, is_assigned_mediator=True, office_participates=True),
    Actor(Role.ADMIN, is_assigned_mediator=True, office_participates=True),
], ids=repr)
@pytest.mark.parametrize("action", list(Action), ids=str)
def test_actors_without_capacity_can_do_nothing(actor, action):
    err = refused(action, facts_for(action, _legal_state(action)), actor, good_payload(action))
    assert err.message == "You may not take this action on this case."
    assert err.field is None


@pytest.mark.parametrize("action", sorted(frozenset(Action) - MEDIATOR_ACTIONS), ids=str)
def test_assigned_mediator_may_not_take_supervisor_actions(action):
    err = refused(action, facts_for(action, _legal_state(action)), MEDIATOR, good_payload(action))
    assert err.message == "You may not take this action on this case."


@pytest.mark.parametrize("action", sorted(frozenset(Action) - LIAISON_ACTIONS), ids=str)
def test_liaison_may_only_log_sessions_and_propose_closing(action):
    err = refused(action, facts_for(action, _legal_state(action)), LIAISON, good_payload(action))
    assert err.message == "You may not take this action on this case."


# --- available_actions ----------------------------------------------------------------

ROLE_ACTORS = {
    "supervisor": (SUPERVISOR, SUPERVISOR_ACTIONS),
    "assigned_mediator": (MEDIATOR, MEDIATOR_ACTIONS),
    "unassigned_mediator": (Actor(Role.MEDIATOR, office_participates=True), frozenset()),
    "participating_liaison": (LIAISON, LIAISON_ACTIONS),
    "outside_liaison": (Actor(Role.LIAISON), frozenset()),
    "viewer": (Actor(Role.VIEWER, is_assigned_mediator=True, office_participates=True), frozenset()),
    "admin": (Actor(Role.ADMIN, is_assigned_mediator=True, office_participates=True), frozenset()),
}


@pytest.mark.parametrize("suspended", [False, True])
@pytest.mark.parametrize("extended", [False, True])
@pytest.mark.parametrize("status", list(Status), ids=str)
@pytest.mark.parametrize("who", list(ROLE_ACTORS))
def test_available_actions_matrix(who, status, extended, suspended):
    actor, allowed = ROLE_ACTORS[who]
    expected = {a for a, (sources, _) in EXPECTED.items()
                if status in sources and a in allowed and not (a == A.EXTEND and extended)
                and not (a == A.SUSPEND and suspended) and not (a == A.RESUME and not suspended)}
    got = available_actions(facts(status, extended=extended, suspended=suspended), actor)
    assert len(got) == len(set(got))
    assert set(got) == expected


@pytest.mark.parametrize("status, suspended, expected", [
    (S.REGISTERED, False, {A.ACCEPT, A.REJECT, A.MERGE, A.SUPERVISE}),
    (S.ACCEPTED, False, {A.ROUTE, A.MERGE, A.SUPERVISE}),
    (S.IN_MEDIATION, False, {A.LOG_SESSION, A.TRANSFER, A.EXTEND, A.ESCALATE, A.ASSIGN, A.SUPERVISE, A.SUSPEND,
                             A.CLOSE}),
    (S.IN_MEDIATION, True, {A.LOG_SESSION, A.TRANSFER, A.EXTEND, A.ESCALATE, A.ASSIGN, A.SUPERVISE, A.RESUME,
                            A.CLOSE}),
    (S.CLOSED, False, {A.FOLLOW_UP, A.REOPEN}),
    (S.FOLLOWED_UP, False, {A.REOPEN, A.ARCHIVE}),
    (S.REJECTED, False, set()),
    (S.ARCHIVED, False, set()),
    (S.MERGED, False, set()),
], ids=lambda v: "+".join(sorted(v)) or "none" if isinstance(v, set) else str(v))  # stable: xdist compares ids
def test_available_actions_for_supervisor_literal(status, suspended, expected):
    assert set(available_actions(facts(status, suspended=suspended), SUPERVISOR)) == expected


def test_available_actions_literal_examples():
    assert set(available_actions(facts(S.IN_MEDIATION), MEDIATOR)) == {A.LOG_SESSION, A.ESCALATE, A.SUSPEND,
                                                                        A.CLOSE}
    assert set(available_actions(facts(S.IN_MEDIATION, suspended=True), MEDIATOR)) == {
        A.LOG_SESSION, A.ESCALATE, A.RESUME, A.CLOSE}
    assert set(available_actions(facts(S.CLOSED), MEDIATOR)) == {A.FOLLOW_UP, A.REOPEN}
    assert set(available_actions(facts(S.REGISTERED), MEDIATOR)) == set()
    assert set(available_actions(facts(S.ACCEPTED), MEDIATOR)) == set()
    # re-assigning and supervising are the supervisor's alone
    for actor in (MEDIATOR, LIAISON):
        for status in Status:
            for suspended in (False, True):
                offered = available_actions(facts(status, suspended=suspended), actor)
                assert A.ASSIGN not in offered and A.SUPERVISE not in offered
    assert available_actions(facts(S.IN_MEDIATION), LIAISON) == [A.LOG_SESSION, A.PROPOSE_CLOSE]
    assert available_actions(facts(S.IN_MEDIATION, suspended=True), LIAISON) == [A.LOG_SESSION, A.PROPOSE_CLOSE]
    # proposing to close is the liaison's alone: the mediator and the supervisor close outright
    for actor in (SUPERVISOR, MEDIATOR):
        for status in Status:
            for suspended in (False, True):
                assert A.PROPOSE_CLOSE not in available_actions(facts(status, suspended=suspended), actor)
    assert available_actions(facts(S.CLOSED), LIAISON) == []
    assert A.EXTEND not in available_actions(facts(S.IN_MEDIATION, extended=True), SUPERVISOR)
    assert A.RESUME not in available_actions(facts(S.IN_MEDIATION), SUPERVISOR)
    assert A.SUSPEND not in available_actions(facts(S.IN_MEDIATION, suspended=True), SUPERVISOR)
    for role in (Role.VIEWER, Role.ADMIN):
        for status in Status:
            assert available_actions(facts(status), Actor(role, True, True)) == []


def test_available_actions_agree_with_decide():
    """Whatever is offered, decide accepts with a good payload; whatever is not, it refuses."""
    for who, (actor, _) in ROLE_ACTORS.items():
        for status in Status:
            for suspended in (False, True):
                case = facts(status, suspended=suspended)
                offered = set(available_actions(case, actor))
                for action in Action:
                    if action in offered:
                        decide(action, case, actor, good_payload(action))
                    else:
                        with pytest.raises(TransitionRefused):
                            decide(action, case, actor, good_payload(action))


# --- guards ---------------------------------------------------------------------------

def _field(action: Action, status: Status, payload: Payload, **facts_kw) -> str | None:
    return refused(action, facts(status, **facts_kw), SUPERVISOR, payload).field


@pytest.mark.parametrize("reason", ["", "   ", "\n\t"])
def test_reject_needs_a_reason(reason):
    assert _field(A.REJECT, S.REGISTERED, Payload(reason=reason)) == "reason"


def test_accept_and_archive_and_log_session_have_no_guard():
    assert decide(A.ACCEPT, facts(S.REGISTERED), SUPERVISOR, Payload()) == S.ACCEPTED
    assert decide(A.ARCHIVE, facts(S.FOLLOWED_UP), SUPERVISOR, Payload()) == S.ARCHIVED
    assert decide(A.LOG_SESSION, facts(S.IN_MEDIATION), LIAISON, Payload()) == S.IN_MEDIATION


# route

def test_route_needs_a_lead_office():
    assert _field(A.ROUTE, S.ACCEPTED, Payload()) == "lead_office_id"
    assert _field(A.ROUTE, S.ACCEPTED, Payload(co_office_ids=[2])) == "lead_office_id"


def test_route_lead_office_cannot_also_be_a_co_office():
    assert _field(A.ROUTE, S.ACCEPTED, Payload(lead_office_id=2, co_office_ids=[3, 2])) == "co_office_ids"


@pytest.mark.parametrize("mediator_office", [4, None])
def test_route_mediator_must_belong_to_a_routed_office(mediator_office):
    p = Payload(lead_office_id=2, co_office_ids=[3], mediator_id=7, mediator_office_id=mediator_office)
    assert _field(A.ROUTE, S.ACCEPTED, p) == "mediator_id"


@pytest.mark.parametrize("payload", [
    Payload(lead_office_id=2),
    Payload(lead_office_id=2, co_office_ids=[3, 5]),
    Payload(lead_office_id=2, mediator_id=7, mediator_office_id=2),
    Payload(lead_office_id=2, co_office_ids=[3], mediator_id=7, mediator_office_id=3),
], ids=repr)
def test_route_allowed(payload):
    assert decide(A.ROUTE, facts(S.ACCEPTED), SUPERVISOR, payload) == S.IN_MEDIATION


# transfer

def test_transfer_needs_a_new_lead_office():
    assert _field(A.TRANSFER, S.IN_MEDIATION, Payload(reason="x")) == "lead_office_id"


def test_transfer_needs_a_different_office():
    assert _field(A.TRANSFER, S.IN_MEDIATION, Payload(lead_office_id=LEAD_OFFICE, reason="x")) == "lead_office_id"


@pytest.mark.parametrize("reason", ["", "  "])
def test_transfer_needs_a_reason(reason):
    assert _field(A.TRANSFER, S.IN_MEDIATION, Payload(lead_office_id=2, reason=reason)) == "reason"


def test_transfer_keeps_the_status():
    assert decide(A.TRANSFER, facts(S.IN_MEDIATION), SUPERVISOR,
                  Payload(lead_office_id=2, reason="x")) == S.IN_MEDIATION
    # a case with no lead office yet may be given one
    assert decide(A.TRANSFER, facts(S.IN_MEDIATION, lead_office_id=None), SUPERVISOR,
                  Payload(lead_office_id=2, reason="x")) == S.IN_MEDIATION


# extend

def _extend(days=15, consent=True, reason="双方同意", **kw) -> Payload:
    return Payload(extension_days=days, parties_consent=consent, reason=reason, **kw)


def test_extend_only_once():
    err = refused(A.EXTEND, facts(S.IN_MEDIATION, extended=True), SUPERVISOR, _extend())
    assert err.message == "The deadline has already been extended once."
    assert A.EXTEND not in available_actions(facts(S.IN_MEDIATION, extended=True), SUPERVISOR)


@pytest.mark.parametrize("days", [1, 2, 29, 30])
def test_extend_between_1_and_30_days(days):
    assert decide(A.EXTEND, facts(S.IN_MEDIATION), SUPERVISOR, _extend(days)) == S.IN_MEDIATION


@pytest.mark.parametrize("days", [None, 0, -1, 31, 60])
def test_extend_out_of_range(days):
    assert _field(A.EXTEND, S.IN_MEDIATION, _extend(days)) == "extension_days"


def test_extend_needs_consent_of_both_parties():
    assert _field(A.EXTEND, S.IN_MEDIATION, _extend(consent=False)) == "parties_consent"


@pytest.mark.parametrize("reason", ["", "   "])
def test_extend_needs_a_reason(reason):
    assert _field(A.EXTEND, S.IN_MEDIATION, _extend(reason=reason)) == "reason"


# escalate

def test_escalate_needs_a_reason():
    assert _field(A.ESCALATE, S.IN_MEDIATION, Payload()) == "reason"
    assert decide(A.ESCALATE, facts(S.IN_MEDIATION), MEDIATOR, Payload(reason="x")) == S.IN_MEDIATION


# propose close

def test_propose_close_needs_an_outcome():
    err = refused(A.PROPOSE_CLOSE, facts(S.IN_MEDIATION), LIAISON, Payload(reason="双方已和解"))
    assert err.field == "outcome"
    assert err.message == "Choose the outcome you propose."


def test_propose_close_checks_the_outcome_before_the_reason():
    assert refused(A.PROPOSE_CLOSE, facts(S.IN_MEDIATION), LIAISON, Payload()).field == "outcome"


@pytest.mark.parametrize("reason", ["", "   ", "\n\t"])
def test_propose_close_needs_a_reason(reason):
    err = refused(A.PROPOSE_CLOSE, facts(S.IN_MEDIATION), LIAISON,
                  Payload(outcome=Outcome.AGREEMENT_WRITTEN, reason=reason))
    assert err.field == "reason"
    assert err.message == "Say why the case can be closed."


@pytest.mark.parametrize("outcome", list(Outcome), ids=str)
def test_propose_close_any_outcome_keeps_the_status(outcome):
    """A proposal is not a closing: no agreement text, amount or referral, and no session needed."""
    p = Payload(outcome=outcome, reason="双方同意结案")
    assert decide(A.PROPOSE_CLOSE, facts(S.IN_MEDIATION), LIAISON, p) == S.IN_MEDIATION
    assert decide(A.PROPOSE_CLOSE, facts(S.IN_MEDIATION, sessions_logged=0), LIAISON, p) == S.IN_MEDIATION
    assert decide(A.PROPOSE_CLOSE, facts(S.IN_MEDIATION, suspended=True), LIAISON, p) == S.IN_MEDIATION


@pytest.mark.parametrize("actor", [
    SUPERVISOR, MEDIATOR, Actor(Role.MEDIATOR, office_participates=True), Actor(Role.LIAISON),
    Actor(Role.VIEWER, office_participates=True), Actor(Role.ADMIN, office_participates=True),
], ids=repr)
def test_only_a_participating_liaison_proposes_closing(actor):
    err = refused(A.PROPOSE_CLOSE, facts(S.IN_MEDIATION), actor, good_payload(A.PROPOSE_CLOSE))
    assert err.message == "You may not take this action on this case."
    assert err.field is None


@pytest.mark.parametrize("status", sorted(set(Status) - {S.IN_MEDIATION}), ids=str)
def test_propose_close_state_is_checked_before_the_guard(status):
    err = refused(A.PROPOSE_CLOSE, facts(status), LIAISON, Payload())
    assert err.params == {"status": status.value}
    assert err.field is None


# assign

def test_assign_needs_a_mediator():
    err = refused(A.ASSIGN, facts(S.IN_MEDIATION), SUPERVISOR, Payload())
    assert err.field == "mediator_id"
    assert err.message == "Choose the mediator."
    # an office alone is not a mediator
    assert _field(A.ASSIGN, S.IN_MEDIATION, Payload(mediator_office_id=LEAD_OFFICE)) == "mediator_id"


@pytest.mark.parametrize("mediator_office", [OTHER_OFFICE, None], ids=["other_office", "no_office"])
def test_assign_mediator_must_belong_to_the_lead_or_a_co_office(mediator_office):
    err = refused(A.ASSIGN, facts(S.IN_MEDIATION), SUPERVISOR,
                  Payload(mediator_id=8, mediator_office_id=mediator_office))
    assert err.field == "mediator_id"
    assert err.message == "The mediator must belong to the lead office or a co-office."


@pytest.mark.parametrize("mediator_office", [LEAD_OFFICE, CO_OFFICE], ids=["lead", "co_office"])
def test_assign_keeps_the_status(mediator_office):
    p = Payload(mediator_id=8, mediator_office_id=mediator_office)
    assert decide(A.ASSIGN, facts(S.IN_MEDIATION), SUPERVISOR, p) == S.IN_MEDIATION
    # a suspended case may be given another mediator too
    assert decide(A.ASSIGN, facts(S.IN_MEDIATION, suspended=True), SUPERVISOR, p) == S.IN_MEDIATION


def test_assign_checks_the_case_offices_not_the_payload_routing():
    """The offices are the case's own (facts), not lead/co-offices someone puts in the payload."""
    p = Payload(mediator_id=8, mediator_office_id=OTHER_OFFICE, lead_office_id=OTHER_OFFICE,
                co_office_ids=[OTHER_OFFICE])
    assert _field(A.ASSIGN, S.IN_MEDIATION, p) == "mediator_id"
    # the lead office counts only as far as the facts list it among the case's offices
    assert _field(A.ASSIGN, S.IN_MEDIATION, Payload(mediator_id=8, mediator_office_id=LEAD_OFFICE),
                  office_ids=frozenset({CO_OFFICE})) == "mediator_id"
    assert _field(A.ASSIGN, S.IN_MEDIATION, Payload(mediator_id=8, mediator_office_id=LEAD_OFFICE),
                  office_ids=frozenset()) == "mediator_id"


@pytest.mark.parametrize("actor", [MEDIATOR, LIAISON], ids=["mediator", "liaison"])
def test_only_the_supervisor_assigns(actor):
    err = refused(A.ASSIGN, facts(S.IN_MEDIATION), actor, good_payload(A.ASSIGN))
    assert err.message == "You may not take this action on this case."
    assert err.field is None


# supervise

@pytest.mark.parametrize("reason", ["", "   ", "\n\t"])
def test_supervise_needs_an_instruction(reason):
    err = refused(A.SUPERVISE, facts(S.IN_MEDIATION), SUPERVISOR,
                  Payload(reason=reason, due_at=NOW + timedelta(days=1), now=NOW))
    assert err.field == "reason"
    assert err.message == "Write the instruction."


def test_supervise_checks_the_instruction_before_the_due_date():
    assert _field(A.SUPERVISE, S.IN_MEDIATION, Payload()) == "reason"


@pytest.mark.parametrize("now", [NOW, None], ids=["now", "no_now"])
def test_supervise_needs_a_due_date(now):
    err = refused(A.SUPERVISE, facts(S.IN_MEDIATION), SUPERVISOR, Payload(reason="督办", now=now))
    assert err.field == "due_at"
    assert err.message == "Give the instruction's due date."


@pytest.mark.parametrize("due_at", [NOW, NOW - timedelta(seconds=1), NOW - timedelta(days=30)],
                         ids=["now", "a_second_ago", "a_month_ago"])
def test_supervise_due_date_must_be_in_the_future(due_at):
    err = refused(A.SUPERVISE, facts(S.IN_MEDIATION), SUPERVISOR, Payload(reason="督办", due_at=due_at, now=NOW))
    assert err.field == "due_at"
    assert err.message == "The due date must be in the future."


def test_supervise_due_date_compares_instants_across_zones():
    shanghai = timezone(timedelta(hours=8))
    # 10:00 in Shanghai is 02:00 UTC: the same instant as NOW, so not in the future
    same_instant = datetime(2026, 6, 1, 10, 0, tzinfo=shanghai)
    assert _field(A.SUPERVISE, S.IN_MEDIATION, Payload(reason="督办", due_at=same_instant, now=NOW)) == "due_at"
    later = datetime(2026, 6, 1, 10, 1, tzinfo=shanghai)
    assert decide(A.SUPERVISE, facts(S.IN_MEDIATION), SUPERVISOR,
                  Payload(reason="督办", due_at=later, now=NOW)) == S.IN_MEDIATION


@pytest.mark.parametrize("status", [S.REGISTERED, S.ACCEPTED, S.IN_MEDIATION], ids=str)
def test_supervise_keeps_the_status(status):
    p = Payload(reason="请尽快联系双方", due_at=NOW + timedelta(minutes=1), now=NOW)
    assert decide(A.SUPERVISE, facts(status), SUPERVISOR, p) == status
    assert decide(A.SUPERVISE, facts(status), SUPERVISOR,
                  Payload(reason="督办", due_at=NOW - timedelta(days=1))) == status  # no `now`: no date check


def test_supervise_a_suspended_case():
    assert decide(A.SUPERVISE, facts(S.IN_MEDIATION, suspended=True), SUPERVISOR,
                  good_payload(A.SUPERVISE)) == S.IN_MEDIATION


@pytest.mark.parametrize("actor", [MEDIATOR, LIAISON], ids=["mediator", "liaison"])
@pytest.mark.parametrize("status", [S.REGISTERED, S.ACCEPTED, S.IN_MEDIATION], ids=str)
def test_only_the_supervisor_supervises(actor, status):
    err = refused(A.SUPERVISE, facts(status), actor, good_payload(A.SUPERVISE))
    assert err.message == "You may not take this action on this case."
    assert err.field is None


@pytest.mark.parametrize("status", [S.REJECTED, S.CLOSED, S.FOLLOWED_UP, S.ARCHIVED, S.MERGED], ids=str)
def test_supervise_state_is_checked_before_the_guard(status):
    err = refused(A.SUPERVISE, facts(status), SUPERVISOR, Payload())
    assert err.params == {"status": status.value}
    assert err.field is None


# suspend, resume

@pytest.mark.parametrize("reason", ["", "   ", "\n"])
def test_suspend_needs_a_reason(reason):
    err = refused(A.SUSPEND, facts(S.IN_MEDIATION), SUPERVISOR, Payload(reason=reason))
    assert err.field == "reason"
    assert err.message == "Say why the case is suspended."


@pytest.mark.parametrize("actor", [SUPERVISOR, MEDIATOR], ids=["supervisor", "mediator"])
def test_suspend_keeps_the_status(actor):
    assert decide(A.SUSPEND, facts(S.IN_MEDIATION), actor, Payload(reason="等待法院判决")) == S.IN_MEDIATION


def test_suspend_not_twice():
    err = refused(A.SUSPEND, facts(S.IN_MEDIATION, suspended=True), SUPERVISOR, Payload(reason="x"))
    assert err.message == "The case is already suspended."
    assert err.field is None


@pytest.mark.parametrize("actor", [SUPERVISOR, MEDIATOR], ids=["supervisor", "mediator"])
def test_resume_a_suspended_case_keeps_the_status_and_needs_nothing(actor):
    assert decide(A.RESUME, facts(S.IN_MEDIATION, suspended=True), actor, Payload()) == S.IN_MEDIATION


def test_resume_only_a_suspended_case():
    err = refused(A.RESUME, facts(S.IN_MEDIATION), SUPERVISOR, Payload(reason="x"))
    assert err.message == "The case is not suspended."
    assert err.field is None


@pytest.mark.parametrize("action", [A.SUSPEND, A.RESUME], ids=str)
@pytest.mark.parametrize("status", sorted(set(Status) - {S.IN_MEDIATION}), ids=str)
def test_suspend_and_resume_only_in_mediation(action, status):
    """Even with the suspension flag as the guard wants it, the state decides first."""
    for suspended in (False, True):
        err = refused(action, facts(status, suspended=suspended), SUPERVISOR, Payload(reason="x"))
        assert err.params == {"status": status.value}


@pytest.mark.parametrize("action", [A.SUSPEND, A.RESUME], ids=str)
def test_liaison_may_not_suspend_or_resume(action):
    for suspended in (False, True):
        err = refused(action, facts(S.IN_MEDIATION, suspended=suspended), LIAISON, Payload(reason="x"))
        assert err.message == "You may not take this action on this case."


def test_a_suspended_case_can_still_be_closed_and_worked_on():
    case = facts(S.IN_MEDIATION, suspended=True)
    assert decide(A.CLOSE, case, MEDIATOR, _close(Outcome.WITHDRAWN)) == S.CLOSED
    assert decide(A.LOG_SESSION, case, LIAISON, Payload()) == S.IN_MEDIATION
    assert decide(A.EXTEND, case, SUPERVISOR, _extend()) == S.IN_MEDIATION


# close

def _close(outcome, **kw) -> Payload:
    return Payload(outcome=outcome, **kw)


WRITTEN = dict(agreement_text="赔偿2000元", amount=Decimal("2000.00"), performance_terms="一周内付清",
               signed_on=SIGNED, performance_due_on=SIGNED + timedelta(days=7), today=SIGNED + timedelta(days=4))


def test_close_needs_an_outcome():
    assert _field(A.CLOSE, S.IN_MEDIATION, Payload()) == "outcome"


@pytest.mark.parametrize("payload", [
    _close(Outcome.AGREEMENT_WRITTEN, **WRITTEN),
    _close(Outcome.AGREEMENT_ORAL, agreement_text="互相道歉"),
    _close(Outcome.FAILED_REFERRED, referred_to="人民法院"),
    _close(Outcome.TRANSFERRED_OUT, referred_to="劳动仲裁委"),
], ids=lambda p: str(p.outcome))
def test_no_closing_without_a_logged_session(payload):
    err = refused(A.CLOSE, facts(S.IN_MEDIATION, sessions_logged=0), SUPERVISOR, payload)
    assert err.field == "outcome"
    # ...and with one session logged, the same payload closes the case
    assert decide(A.CLOSE, facts(S.IN_MEDIATION, sessions_logged=1), MEDIATOR, payload) == S.CLOSED


def test_withdrawn_closes_without_a_session():
    assert decide(A.CLOSE, facts(S.IN_MEDIATION, sessions_logged=0), SUPERVISOR,
                  _close(Outcome.WITHDRAWN)) == S.CLOSED


@pytest.mark.parametrize("missing, field", [
    ("agreement_text", "agreement_text"),
    ("amount", "amount"),
    ("performance_terms", "performance_terms"),
])
def test_written_agreement_needs_text_amount_and_terms(missing, field):
    kw = dict(WRITTEN)
    kw[missing] = None if missing == "amount" else "  "
    assert _field(A.CLOSE, S.IN_MEDIATION, _close(Outcome.AGREEMENT_WRITTEN, **kw)) == field


@pytest.mark.parametrize("amount", [Decimal("0"), Decimal("0.00"), Decimal("50000")])
def test_written_agreement_amount_zero_or_more(amount):
    p = _close(Outcome.AGREEMENT_WRITTEN, **{**WRITTEN, "amount": amount})
    assert decide(A.CLOSE, facts(S.IN_MEDIATION), SUPERVISOR, p) == S.CLOSED


@pytest.mark.parametrize("amount", [Decimal("-1"), Decimal("-0.01")])
def test_written_agreement_amount_not_negative(amount):
    p = _close(Outcome.AGREEMENT_WRITTEN, **{**WRITTEN, "amount": amount})
    assert _field(A.CLOSE, S.IN_MEDIATION, p) == "amount"


# 人民调解法 art. 29: what a written agreement states

@pytest.mark.parametrize("parties", [
    (),
    (PartyFacts("张三", has_id_number=True),),  # one party
    (PartyFacts("张三", has_id_number=True), PartyFacts("李四")),  # the other has neither ID nor address
    (PartyFacts("张三", has_id_number=True), PartyFacts("  ", has_address=True)),  # no name
], ids=["none", "one", "unidentified", "unnamed"])
def test_written_agreement_needs_two_identified_parties(parties):
    err = refused(A.CLOSE, facts(S.IN_MEDIATION, parties=parties), SUPERVISOR,
                  _close(Outcome.AGREEMENT_WRITTEN, **WRITTEN))
    assert err.field == "parties"


def test_the_refusal_names_the_party_without_id_or_address():
    parties = (PartyFacts("张三", has_id_number=True), PartyFacts("李四"), PartyFacts("王五"))
    err = refused(A.CLOSE, facts(S.IN_MEDIATION, parties=parties), SUPERVISOR,
                  _close(Outcome.AGREEMENT_WRITTEN, **WRITTEN))
    assert err.params == {"names": "李四、王五"}


@pytest.mark.parametrize("parties", [
    TWO_PARTIES,
    (PartyFacts("张三", has_id_number=True, has_address=True), PartyFacts("李四", has_id_number=True),
     PartyFacts("证人", has_id_number=False)),  # a third without ID or address: two are enough
], ids=["two", "two_of_three"])
def test_two_parties_with_id_or_address_are_enough(parties):
    assert decide(A.CLOSE, facts(S.IN_MEDIATION, parties=parties), SUPERVISOR,
                  _close(Outcome.AGREEMENT_WRITTEN, **WRITTEN)) == S.CLOSED


def test_written_agreement_needs_the_dispute_facts():
    err = refused(A.CLOSE, facts(S.IN_MEDIATION, has_summary=False), SUPERVISOR,
                  _close(Outcome.AGREEMENT_WRITTEN, **WRITTEN))
    assert err.field == "summary"
    # the other outcomes do not write an agreement
    assert decide(A.CLOSE, facts(S.IN_MEDIATION, has_summary=False, parties=()), SUPERVISOR,
                  _close(Outcome.FAILED_REFERRED, referred_to="人民法院")) == S.CLOSED


@pytest.mark.parametrize("missing", ["signed_on", "performance_due_on"])
def test_written_agreement_needs_its_signing_date_and_performance_deadline(missing):
    assert _field(A.CLOSE, S.IN_MEDIATION, _close(Outcome.AGREEMENT_WRITTEN, **{**WRITTEN, missing: None})) == missing


@pytest.mark.parametrize("change, field", [
    ({"signed_on": SIGNED + timedelta(days=5)}, "signed_on"),  # after today
    ({"effective_on": SIGNED - timedelta(days=1)}, "effective_on"),  # before it was signed
    ({"effective_on": SIGNED + timedelta(days=5)}, "effective_on"),  # after today
    ({"performance_due_on": SIGNED - timedelta(days=1)}, "performance_due_on"),  # before it was signed
])
def test_agreement_dates_in_order(change, field):
    assert _field(A.CLOSE, S.IN_MEDIATION, _close(Outcome.AGREEMENT_WRITTEN, **{**WRITTEN, **change})) == field


def test_agreement_in_effect_later_than_signed_is_fine():
    p = _close(Outcome.AGREEMENT_WRITTEN, **{**WRITTEN, "effective_on": SIGNED + timedelta(days=2)})
    assert decide(A.CLOSE, facts(S.IN_MEDIATION), SUPERVISOR, p) == S.CLOSED


def test_oral_agreement_records_its_contents_but_needs_no_signature():
    """Art. 28: the mediator records the oral agreement's content; nobody signs it."""
    assert _field(A.CLOSE, S.IN_MEDIATION, _close(Outcome.AGREEMENT_ORAL, agreement_text="  ")) == "agreement_text"
    assert decide(A.CLOSE, facts(S.IN_MEDIATION, parties=()), SUPERVISOR,
                  _close(Outcome.AGREEMENT_ORAL, agreement_text="互相道歉")) == S.CLOSED


def test_negative_amount_refused_for_any_outcome():
    p = _close(Outcome.AGREEMENT_ORAL, agreement_text="x", amount=Decimal("-5"))
    assert _field(A.CLOSE, S.IN_MEDIATION, p) == "amount"


def test_oral_agreement_needs_text():
    assert _field(A.CLOSE, S.IN_MEDIATION, _close(Outcome.AGREEMENT_ORAL)) == "agreement_text"
    # no amount or performance terms needed
    assert decide(A.CLOSE, facts(S.IN_MEDIATION), SUPERVISOR,
                  _close(Outcome.AGREEMENT_ORAL, agreement_text="互相道歉")) == S.CLOSED


@pytest.mark.parametrize("outcome", [Outcome.FAILED_REFERRED, Outcome.TRANSFERRED_OUT], ids=str)
def test_referral_needs_where_to(outcome):
    assert _field(A.CLOSE, S.IN_MEDIATION, _close(outcome, referred_to=" ")) == "referred_to"
    assert decide(A.CLOSE, facts(S.IN_MEDIATION), SUPERVISOR,
                  _close(outcome, referred_to="人民法院")) == S.CLOSED


# follow-up, reopen

def test_follow_up_needs_performance():
    assert _field(A.FOLLOW_UP, S.CLOSED, Payload()) == "performance"
    assert decide(A.FOLLOW_UP, facts(S.CLOSED), MEDIATOR,
                  Payload(performance=Performance.NOT_PERFORMED)) == S.FOLLOWED_UP


@pytest.mark.parametrize("status", [S.CLOSED, S.FOLLOWED_UP], ids=str)
def test_reopen_needs_a_reason(status):
    assert _field(A.REOPEN, status, Payload(reason="")) == "reason"
    assert decide(A.REOPEN, facts(status), MEDIATOR, Payload(reason="协议未履行")) == S.IN_MEDIATION


# merge

@pytest.mark.parametrize("status", [S.REGISTERED, S.ACCEPTED], ids=str)
def test_merge_needs_a_target(status):
    assert _field(A.MERGE, status, Payload()) == "merge_target"


def test_merge_not_into_itself():
    assert _field(A.MERGE, S.REGISTERED, Payload(merge_target_id=CASE_ID, merge_target_status=S.REGISTERED)) \
        == "merge_target"


@pytest.mark.parametrize("target_status", [S.REJECTED, S.ARCHIVED, S.MERGED], ids=str)
def test_merge_not_into_a_final_case(target_status):
    err = refused(A.MERGE, facts(S.REGISTERED), SUPERVISOR,
                  Payload(merge_target_id=CASE_ID + 1, merge_target_status=target_status))
    assert err.field == "merge_target"
    assert err.params == {"status": target_status.value}


@pytest.mark.parametrize("target_status", [S.REGISTERED, S.ACCEPTED, S.IN_MEDIATION, S.CLOSED, S.FOLLOWED_UP],
                         ids=str)
def test_merge_into_a_live_case(target_status):
    assert decide(A.MERGE, facts(S.ACCEPTED), SUPERVISOR,
                  Payload(merge_target_id=CASE_ID + 1, merge_target_status=target_status)) == S.MERGED


def test_good_payloads_really_are_good():
    """The matrix above relies on these; a guard tightening must show up here first."""
    for action, (sources, target) in EXPECTED.items():
        for status in sources:
            assert decide(action, facts_for(action, status), capable(action), good_payload(action)) \
                == (target or status)


# --- 督办反馈 and return visits (issue #12) -------------------------------------------------------

from mediation.core.lifecycle import ANSWER_CAPACITIES, decide_answer, may_answer_supervision  # noqa: E402

_MEDIATOR = Actor(Role.MEDIATOR, is_assigned_mediator=True)
_TODAY = date(2026, 12, 1)


def _closing(**payload):
    return Payload(outcome=Outcome.WITHDRAWN, today=_TODAY, **payload)


def test_closing_with_an_open_supervision_needs_the_answer():
    facts = CaseFacts(S.IN_MEDIATION, sessions_logged=1, open_supervisions=1)
    with pytest.raises(TransitionRefused) as refused:
        decide(A.CLOSE, facts, _MEDIATOR, _closing())
    assert refused.value.field == "answer"
    with pytest.raises(TransitionRefused):
        decide(A.CLOSE, facts, _MEDIATOR, _closing(answer="   "))
    assert decide(A.CLOSE, facts, _MEDIATOR, _closing(answer="已落实")) == S.CLOSED
    assert decide(A.CLOSE, CaseFacts(S.IN_MEDIATION), _MEDIATOR, _closing()) == S.CLOSED  # none open


def test_the_return_visit_is_scheduled_today_or_later_by_a_known_method():
    facts = CaseFacts(S.IN_MEDIATION)
    assert decide(A.CLOSE, facts, _MEDIATOR, _closing(return_visit_on=_TODAY, visit_method="visit")) == S.CLOSED
    for bad, field_name in ((_closing(return_visit_on=_TODAY - timedelta(days=1)), "return_visit_on"),
                            (_closing(visit_method="fax"), "visit_method")):
        with pytest.raises(TransitionRefused) as refused:
            decide(A.CLOSE, facts, _MEDIATOR, bad)
        assert refused.value.field == field_name


def test_recording_a_visit_checks_method_and_satisfaction():
    facts = CaseFacts(S.CLOSED)
    ok = Payload(performance="performed", visit_method="phone", satisfaction="fairly_satisfied")
    assert decide(A.FOLLOW_UP, facts, _MEDIATOR, ok) == S.FOLLOWED_UP
    assert decide(A.FOLLOW_UP, facts, _MEDIATOR, Payload(performance="performed")) == S.FOLLOWED_UP
    with pytest.raises(TransitionRefused) as refused:
        decide(A.FOLLOW_UP, facts, _MEDIATOR, Payload(performance="performed", satisfaction="thrilled"))
    assert refused.value.field == "satisfaction"


@pytest.mark.parametrize("actor,may", [
    (_MEDIATOR, True),
    (Actor(Role.LIAISON, office_participates=True), True),
    (Actor(Role.SUPERVISOR), False),  # who gave it does not answer it
    (Actor(Role.MEDIATOR), False),  # not the assigned mediator
    (Actor(Role.LIAISON), False),
    (Actor(Role.ADMIN), False), (Actor(Role.VIEWER), False),
])
def test_who_answers_a_supervision(actor, may):
    facts = CaseFacts(S.IN_MEDIATION, open_supervisions=1)
    assert may_answer_supervision(facts, actor) is may
    if may:
        decide_answer(facts, actor, "已约谈")
    else:
        with pytest.raises(TransitionRefused):
            decide_answer(facts, actor, "已约谈")
    assert bool(actor.capacities & ANSWER_CAPACITIES) is may


def test_an_answer_needs_an_open_supervision_an_open_case_and_text():
    assert not may_answer_supervision(CaseFacts(S.IN_MEDIATION), _MEDIATOR)
    assert not may_answer_supervision(CaseFacts(S.CLOSED, open_supervisions=1), _MEDIATOR)
    for facts, text in ((CaseFacts(S.IN_MEDIATION), "x"), (CaseFacts(S.CLOSED, open_supervisions=1), "x"),
                        (CaseFacts(S.IN_MEDIATION, open_supervisions=1), " "),
                        (CaseFacts(S.IN_MEDIATION, open_supervisions=1), "长" * 4001)):
        with pytest.raises(TransitionRefused):
            decide_answer(facts, _MEDIATOR, text)
