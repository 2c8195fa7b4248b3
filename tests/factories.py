"""Build cases in any state by driving them through the real services."""
from datetime import timedelta
from decimal import Decimal

from mediation.cases.services import perform
from mediation.core.lifecycle import Action, Payload, Status
from mediation.core.vocab import Outcome
from mediation.db import utcnow
from mediation.intake.services import CaseData, PartyData, register_case
from mediation.organisation.town import current_town

# The path from registration to each state: (action, who acts, payload builder).
PATHS = {
    Status.REGISTERED: [],
    Status.ACCEPTED: [Action.ACCEPT],
    Status.REJECTED: [Action.REJECT],
    Status.IN_MEDIATION: [Action.ACCEPT, Action.ROUTE],
    Status.CLOSED: [Action.ACCEPT, Action.ROUTE, Action.LOG_SESSION, Action.CLOSE],
    Status.FOLLOWED_UP: [Action.ACCEPT, Action.ROUTE, Action.LOG_SESSION, Action.CLOSE, Action.FOLLOW_UP],
    Status.ARCHIVED: [Action.ACCEPT, Action.ROUTE, Action.LOG_SESSION, Action.CLOSE, Action.FOLLOW_UP,
                      Action.ARCHIVE],
    Status.MERGED: [Action.MERGE],
}

VALID_PHONE = "13812345678"
VALID_ID = "11010519491231002X"


class CaseFactory:
    def __init__(self, db, town, users):
        self.db, self.town, self.users = db, town, users
        self.count = 0

    def __call__(self, status: Status = Status.REGISTERED, *, lead: str = "judicial_office",
                 co: tuple[str, ...] = ("law_firm",), mediator: str | None = "mediator",
                 channel: str = "hotline_12345", village: str = "xiaomiao", category: str = "邻里",
                 parties: list[PartyData] | None = None, summary: str = "邻居噪音纠纷", commit: bool = True):
        self.count += 1
        now = utcnow()
        data = CaseData(
            channel=channel, external_ref=f"EXT{self.count:05d}" if channel != "walk_in" else "",
            received_at=now - timedelta(hours=2), category=category, summary=summary,
            village_id=self.town["villages"][village].id, address="徐行镇小庙村88号",
            parties=parties or [PartyData("张三", "applicant", VALID_PHONE, VALID_ID, "徐行镇小庙村88号"),
                                PartyData("李四", "respondent", "13900001111", "", "徐行镇小庙村90号")])
        case = register_case(data, self.users["supervisor"], now=now, town=current_town())
        for action in PATHS[status]:
            self.act(case, action, lead=lead, co=co, mediator=mediator)
        if commit:
            self.db.session.commit()
        return case

    def act(self, case, action: Action, *, lead="judicial_office", co=("law_firm",), mediator="mediator"):
        offices, sup = self.town["offices"], self.users["supervisor"]
        assigned = case.mediator or sup
        payload, extra, actor = Payload(), None, sup
        if action == Action.REJECT:
            payload = Payload(reason="不属于受理范围")
        elif action == Action.MERGE:
            target = self(Status.ACCEPTED, commit=False)
            payload = Payload(merge_target_id=target.id)
        elif action == Action.ROUTE:
            payload = Payload(lead_office_id=offices[lead].id, co_office_ids=[offices[c].id for c in co],
                              mediator_id=self.users[mediator].id if mediator else None)
        elif action == Action.LOG_SESSION:
            actor, extra = assigned, {"record": "双方陈述意见", "method": "in_person"}
        elif action == Action.CLOSE:
            actor = assigned
            signed = utcnow().astimezone(current_town().tz).date()
            payload = Payload(outcome=Outcome.AGREEMENT_WRITTEN, agreement_text="赔偿500元",
                              amount=Decimal("500"), performance_terms="七日内付清", signed_on=signed,
                              performance_due_on=signed + timedelta(days=7))
        elif action == Action.FOLLOW_UP:
            actor, payload = assigned, Payload(performance="performed")
        perform(case, action, actor, payload, now=utcnow(), town=current_town(), session_details=extra)
