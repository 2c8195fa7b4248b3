"""Known cases for the printouts: times, channels, outcomes and deadlines set exactly."""
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from mediation.core.lifecycle import Status
from mediation.db import utcnow
from mediation.meetings.models import AgendaItem, Meeting

from .helpers import SHANGHAI

WEEK = "2026-11-09"  # Monday of the week the figures are about


def local(*args) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture
def place(db):
    """Move a case in time and state, straight in the database (the services stamp 'now')."""

    def place(case, received=None, closed=None, outcome=None, amount="keep", next_deadline="keep",
              next_stage=None, risk=None, reasons=None, summary=None, escalated=None):
        if received is not None:
            case.received_at = received
        if closed is not None:
            case.closed_at = closed
            case.outcome.closed_at = closed
        if outcome is not None:
            case.outcome.outcome = outcome
            if outcome != "agreement_written":
                case.outcome.performance_terms = None
        if amount != "keep":
            case.outcome.amount = None if amount is None else Decimal(amount)
        if next_deadline != "keep":
            case.next_deadline = next_deadline
            case.next_stage = next_stage if next_deadline is not None else None
        if risk is not None:
            case.risk_level = risk
            case.risk_reasons = reasons or []
        if summary is not None:
            case.summary = summary
        if escalated is not None:
            case.escalated = escalated
        db.session.commit()
        return case

    return place


@dataclass
class WeeklyWorld:
    cases: dict
    meeting: Meeting
    now: datetime


@pytest.fixture
def weekly_world(db, make_case, place, users):
    """The week of 2026-11-09 (Shanghai), and open cases whose deadlines are set against the real clock.

    New in the week (5): n1 12345/邻里/司法所, n2 110/邻里/派出所, n3 grid/合同/not routed,
    n4 12345/邻里/司法所 (closed in the week, failed), c2 platform/婚姻家庭/司法所 (closed, oral).
    Closed in the week (3): n4 after 2 days, c1 after 10 days (written), c2 after 1 day (oral).
    Not counted: x1 received the next Monday 00:30, x2 the Sunday before 23:59, a merged case, c3
    closed the next Monday.
    Lists now: n1 overdue by 2 days, n2 due in an hour; high risk and open: n2 and x1 (c1 is
    high risk but closed). Agenda of a planned meeting: n1 with a recorded decision, n2 without.
    """
    now = utcnow()
    far = now + timedelta(days=60)
    c = {}
    c["n1"] = make_case(Status.IN_MEDIATION, channel="hotline_12345", category="邻里", lead="judicial_office")
    c["n2"] = make_case(Status.IN_MEDIATION, channel="police_110", category="邻里", lead="police_station",
                        co=("judicial_office",))
    c["n3"] = make_case(Status.REGISTERED, channel="grid_patrol", category="合同")
    c["n4"] = make_case(Status.CLOSED, channel="hotline_12345", category="邻里", lead="judicial_office")
    c["c1"] = make_case(Status.CLOSED, channel="walk_in", category="合同", lead="judicial_office")
    c["c2"] = make_case(Status.CLOSED, channel="dispute_platform", category="婚姻家庭", lead="judicial_office")
    c["c3"] = make_case(Status.CLOSED, channel="referral", category="物业", lead="judicial_office")
    c["x1"] = make_case(Status.REGISTERED, channel="walk_in", category="合同")
    c["x2"] = make_case(Status.REGISTERED, channel="referral", category="邻里")
    c["m"] = make_case(Status.MERGED, channel="hotline_12345", category="邻里")
    c["m_target"] = c["m"].merged_into

    for case in c.values():
        place(case, received=local(2026, 10, 1, 9, 0), next_deadline=None, risk="low")
    place(c["n1"], received=local(2026, 11, 10, 10, 0), next_deadline=now - timedelta(days=2), next_stage="conclude",
          summary="邻居噪音纠纷，当事人电话13812345678，身份证11010519491231002X")
    place(c["n2"], received=local(2026, 11, 11, 9, 0), next_deadline=now + timedelta(hours=1), next_stage="reply",
          risk="high", reasons=["violence", "prior_police_call"])
    place(c["n3"], received=local(2026, 11, 15, 23, 30), next_deadline=far, next_stage="accept")
    place(c["n4"], received=local(2026, 11, 11, 8, 0), closed=local(2026, 11, 13, 8, 0), outcome="failed_referred",
          amount=None)
    place(c["c1"], received=local(2026, 11, 2, 10, 0), closed=local(2026, 11, 12, 10, 0),
          next_deadline=now - timedelta(days=1), next_stage="follow_up", risk="high", reasons=["violence"])
    place(c["c2"], received=local(2026, 11, 13, 12, 0), closed=local(2026, 11, 14, 12, 0), outcome="agreement_oral",
          amount="300")
    place(c["c3"], received=local(2026, 11, 5, 9, 0), closed=local(2026, 11, 16, 1, 0))
    place(c["x1"], received=local(2026, 11, 16, 0, 30), risk="high", reasons=["many_people"])
    place(c["x2"], received=local(2026, 11, 8, 23, 59))
    place(c["m"], received=local(2026, 11, 12, 9, 0))

    meeting = Meeting(scheduled_at=now + timedelta(days=3))
    db.session.add(meeting)
    db.session.flush()
    db.session.add_all([
        AgendaItem(meeting_id=meeting.id, case_id=c["n1"].id, reasons=["overdue"], added_at=now,
                   decision="由司法所牵头，限期一周办结", decided_at=now, decided_by_id=users["supervisor"].id),
        AgendaItem(meeting_id=meeting.id, case_id=c["n2"].id, reasons=["due_soon", "high_risk"], added_at=now),
    ])
    db.session.commit()
    return WeeklyWorld(cases=c, meeting=meeting, now=now)


# -- An agreement of realistic length: three parties (a respondent and a third party), 1–5 clauses --

AGREEMENT_CLAUSES = [
    "被申请人李四于2026年12月10日前一次性赔偿申请人张三房屋渗漏造成的维修费、财产损失费共计人民币伍仟元整"
    "（¥5,000.00），以银行转账方式支付至申请人指定的账户。",
    "被申请人李四于2026年12月20日前负责修复其卫生间防水层，修复期间申请人张三应提供必要的进出便利；修复完成后"
    "由双方共同到场确认，确认后签字存档。",
    "第三人王五（小区物业服务中心）协助做好修复期间公共区域的保护及建筑垃圾清运工作，所需费用由被申请人李四承担，"
    "于清运完成之日结清。",
    "双方今后应相互尊重、和睦相处，遇有分歧通过协商或者向人民调解委员会申请调解解决，不得因本纠纷再生事端，"
    "不得有辱骂、威胁等过激行为。",
    "本协议履行完毕后，双方就本次房屋渗漏纠纷再无其他争议，申请人不再就此事向任何部门或者人民法院主张权利。",
]
AGREEMENT_FACTS = ("申请人张三与被申请人李四系上下楼邻居。2026年10月起，李四家卫生间漏水渗至张三家天花板，造成墙面"
                   "霉变、吊顶损坏及部分家具受损。张三多次与李四协商维修及赔偿事宜未果，双方发生争执，张三遂向人民"
                   "调解委员会申请调解。")
ID_15 = "310114850312003"  # an older card: born 1985-03-12, sequence 003 (odd: male)


def agreement_parties():
    from mediation.intake.services import PartyData

    from ..factories import VALID_ID
    return [PartyData("张三", "applicant", "13812345678", VALID_ID, "上海市嘉定区徐行镇小庙村88号3室"),
            PartyData("李四", "respondent", "13900001111", ID_15, "上海市嘉定区徐行镇小庙村90号"),
            PartyData("王五", "third_party", "021-59591234", "", "上海市嘉定区徐行镇徐行社区物业服务中心")]


def clauses(n: int) -> str:
    """n numbered clauses; past the five realistic ones, more of the same length."""
    texts = [AGREEMENT_CLAUSES[i % len(AGREEMENT_CLAUSES)] for i in range(n)]
    return "\n".join(f"{i}. {text}" for i, text in enumerate(texts, 1))


@pytest.fixture
def agreement_case(db, make_case):
    """A closed case with a written agreement of `n` clauses, three parties, the applicant 汉族."""

    def build(n: int = 3):
        case = make_case(Status.CLOSED, parties=agreement_parties(), summary=AGREEMENT_FACTS)
        case.outcome.agreement_text = clauses(n)
        case.outcome.amount = Decimal("5000")
        case.outcome.performance_terms = ("赔偿款以银行转账方式一次性支付；维修由被申请人自行委托有资质的施工单位进行，"
                                          "费用自理。")
        case.parties[0].ethnicity = "汉族"
        case.parties[1].ethnicity = "回族"
        db.session.commit()
        return case

    return build
