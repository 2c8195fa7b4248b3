"""Cases registered through the real intake service, received when a test says, for the rules to count."""
from datetime import timedelta

import pytest

from mediation.core.lifecycle import Action
from mediation.db import utcnow
from mediation.intake.services import CaseData, PartyData, register_case
from mediation.organisation.town import current_town


@pytest.fixture
def now():
    return utcnow()


@pytest.fixture
def register(db, town, users, make_case, now):
    """register(days_ago=1, category="邻里", village="xiaomiao", address=..., respondent=..., rejected=False)"""
    counter = iter(range(1, 100_000))

    def make(*, days_ago: float = 1, category: str = "邻里", village: str | None = "xiaomiao",
             address: str = "", respondent: str = "李四", applicant: str = "张三", rejected: bool = False):
        n = next(counter)
        data = CaseData(channel="walk_in", received_at=now - timedelta(days=days_ago), category=category,
                        summary=f"纠纷{n}", village_id=town["villages"][village].id if village else None,
                        address=address,
                        parties=[PartyData(applicant, "applicant", f"138{n:08d}", "", "徐行镇小庙村1号"),
                                 PartyData(respondent, "respondent", "", "", "")])
        case = register_case(data, users["supervisor"], now=now, town=current_town())
        if rejected:
            make_case.act(case, Action.REJECT)
        db.session.commit()
        return case

    return make
