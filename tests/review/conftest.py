"""Cases built for the case-file review through the real services, with times set where a
deadline must be missed; the review rules (weights, thresholds, rates) as the migration seeds them."""
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from mediation.cases.services import perform
from mediation.core.lifecycle import Action, Payload, Status
from mediation.core.vocab import Outcome
from mediation.db import utcnow
from mediation.intake.services import CaseData, PartyData, register_case
from mediation.organisation.town import current_town
from mediation.review.services import load_defaults

from tests.factories import VALID_ID, VALID_PHONE


@pytest.fixture(autouse=True)
def review_rules(db):
    """The tests empty every table after each test: the migration's defaults loaded again (the same rows)."""
    load_defaults(utcnow())
    db.session.commit()


@pytest.fixture
def build(db, town, users):
    """build(outcome=..., follow_up=..., parties=..., late=..., lead=..., mediator=..., category=..., at=...):
    register, accept, route, log a session (unless sessions=0), close (at `at`, now by default), and
    make the return visit."""
    count = iter(range(1, 10_000))

    def make(*, outcome: Outcome = Outcome.AGREEMENT_WRITTEN, follow_up: bool = False, sessions: int = 1,
             parties: list[PartyData] | None = None, late: bool = False, lead: str = "judicial_office",
             mediator: str = "mediator", category: str = "邻里", at: datetime | None = None):
        now = at or utcnow()
        tz = current_town().tz
        received = now - timedelta(days=45 if late else 0, hours=2)
        data = CaseData(channel="hotline_12345", external_ref=f"RV{next(count):05d}", received_at=received,
                        category=category, summary="邻居噪音纠纷", village_id=town["villages"]["xiaomiao"].id,
                        address="徐行镇小庙村88号",
                        parties=parties or [PartyData("张三", "applicant", VALID_PHONE, VALID_ID, "徐行镇小庙村88号"),
                                            PartyData("李四", "respondent", "13900001111", "", "徐行镇小庙村90号")])
        sup, worker = users["supervisor"], users[mediator]
        case = register_case(data, sup, now=received, town=current_town())
        # Late: accepted five days after receipt (the deadline is one working day), so that the
        # month to conclude ended long before today's closing.
        accepted = received + timedelta(days=5) if late else now
        perform(case, Action.ACCEPT, sup, Payload(), now=accepted, town=current_town())
        perform(case, Action.ROUTE, sup, Payload(lead_office_id=town["offices"][lead].id,
                                                 co_office_ids=[town["offices"]["law_firm"].id],
                                                 mediator_id=worker.id), now=now, town=current_town())
        for _ in range(sessions):
            perform(case, Action.LOG_SESSION, worker, Payload(), now=now, town=current_town(),
                    session_details={"record": "双方陈述意见", "method": "in_person"})
        perform(case, Action.CLOSE, worker, close_payload(outcome, now.astimezone(tz).date()), now=now,
                town=current_town())
        if follow_up:
            perform(case, Action.FOLLOW_UP, worker, Payload(performance="performed"), now=now, town=current_town())
        db.session.commit()
        assert case.status == (Status.FOLLOWED_UP if follow_up else Status.CLOSED)
        return case

    return make


def close_payload(outcome: Outcome, signed: date) -> Payload:
    if outcome == Outcome.AGREEMENT_WRITTEN:
        return Payload(outcome=outcome, agreement_text="赔偿500元", amount=Decimal("500"), performance_terms="七日内付清",
                       signed_on=signed, performance_due_on=signed + timedelta(days=7))
    if outcome == Outcome.AGREEMENT_ORAL:
        return Payload(outcome=outcome, agreement_text="口头约定互不打扰")
    if outcome == Outcome.WITHDRAWN:
        return Payload(outcome=outcome)
    return Payload(outcome=outcome, referred_to="镇人民法院")


@pytest.fixture
def reopen(db, users):
    """reopen(case, at): the supervisor reopens the closed case at `at`, through the service."""
    def do(case, at: datetime):
        perform(case, Action.REOPEN, users["supervisor"], Payload(reason="当事人反映协议未履行"), now=at,
                town=current_town())
        db.session.commit()
        assert case.status == Status.IN_MEDIATION and case.outcome is None
        return case
    return do


@pytest.fixture
def reclose(db, users):
    """reclose(case, at, outcome=...): the mediator logs another session and closes the reopened case at `at`."""
    def do(case, at: datetime, outcome: Outcome = Outcome.AGREEMENT_WRITTEN, mediator: str = "mediator"):
        worker = users[mediator]
        perform(case, Action.LOG_SESSION, worker, Payload(), now=at - timedelta(hours=1), town=current_town(),
                session_details={"record": "再次调解", "method": "in_person"})
        perform(case, Action.CLOSE, worker, close_payload(outcome, at.astimezone(current_town().tz).date()), now=at,
                town=current_town())
        db.session.commit()
        assert case.status == Status.CLOSED and case.outcome.closed_at == at
        return case
    return do
