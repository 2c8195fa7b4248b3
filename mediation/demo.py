"""Demo data for 徐行镇 (Jiading, Shanghai): the town's villages, offices, one user per role,
cases in every state from every channel, last week's joint meeting (held: decisions, minutes)
and the coming one (its agenda), all driven through the real services."""
import random
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from .organisation.models import Office, Village
from .auth.models import User
from .cases import appointments, consultations
from .cases.models import Case
from .cases.routing import load_default_rules, propose_for
from .cases.services import perform
from .core.demo_people import fake_id_number, fake_mobile, fake_name
from .core.lifecycle import Action, Payload, Status
from .core.passwords import temporary_password
from .core.vocab import CATEGORIES, Channel, Outcome, OfficeKind, PartyRole, Role
from .extensions import db
from .intake.services import CaseData, PartyData, register_case
from .core.schedules import meeting_after
from .core.town import Town
from .meetings.models import Meeting
from .meetings.services import AgendaEntry, build_agenda, close_meeting, next_meeting, put_on_agenda, record_decision
from .core.screening import Figures
from .hotspots.services import hotspot_scan
from .review.services import review_closed_cases
from .screening.services import save_report

VILLAGES = [("xiaomiao", "小庙村"), ("qianqiao", "钱桥村"), ("xuxing", "徐行村"), ("dashipi", "大石皮村"),
            ("fuhu", "伏虎村"), ("heqiao", "和桥村"), ("hongxing", "红星村"), ("caowang", "曹王村"),
            ("laodong", "劳动村"), ("anxin", "安新村")]
COMMUNITIES = [("xuxing_sq", "徐行社区"), ("caowang_sq", "曹王社区")]
OFFICES = [
    ("judicial_office", "徐行镇司法所", OfficeKind.JUDICIAL_OFFICE),
    ("police_station", "徐行派出所", OfficeKind.POLICE_STATION),
    ("law_firm", "签约律师事务所", OfficeKind.LAW_FIRM),
    ("petition_office", "徐行镇信访办", OfficeKind.PETITION_OFFICE),
    ("safety_office", "徐行镇平安办", OfficeKind.SAFETY_OFFICE),
]
USERS = [  # username, display name, role, office code
    ("admin", "系统管理员", Role.ADMIN, "judicial_office"),
    ("supervisor", "司法所 王所长", Role.SUPERVISOR, "judicial_office"),
    ("mediator", "调解员 李明", Role.MEDIATOR, "judicial_office"),
    ("liaison", "派出所 张警官", Role.LIAISON, "police_station"),
    ("viewer", "镇领导 陈镇长", Role.VIEWER, "safety_office"),
    ("vmediator", "小庙村调委会 赵芳", Role.MEDIATOR, "vc_xiaomiao"),
    ("lawyer", "签约律师 周律师", Role.LIAISON, "law_firm"),
]
SUMMARIES = {
    "婚姻家庭": "夫妻因赡养老人费用分担发生争执", "邻里": "邻居因装修噪音及占用公共过道发生纠纷",
    "房屋宅基地": "宅基地界址不清，双方对围墙位置有争议", "合同": "购销合同货款未按期支付",
    "生产经营": "合伙经营分红发生争议", "损害赔偿": "饲养的狗咬伤路人，医药费赔偿未谈拢",
    "山林土地": "承包地流转租金纠纷", "征地拆迁": "动迁安置面积认定有异议",
    "环境污染": "厂房排放异味影响周边居民", "劳动争议": "工地拖欠农民工工资",
    "消费": "预付卡商家关门，消费者要求退款", "医疗": "诊所治疗后出现并发症，患者要求赔偿",
    "道路交通事故": "电动自行车与轿车碰擦，维修费争议", "物业": "物业费收取及停车位管理纠纷",
    "其他": "村民对集体收益分配有意见",
}
TARGETS = [Status.REGISTERED, Status.ACCEPTED, Status.REJECTED, Status.IN_MEDIATION, Status.CLOSED,
           Status.FOLLOWED_UP, Status.ARCHIVED, Status.MERGED]
WEIGHTS = [14, 8, 4, 40, 14, 10, 8, 2]


def load_demo(now: datetime, town: Town, case_count: int = 200, seed: int = 2026) -> dict[str, tuple[str, str]]:
    """Create the town and its cases; return {username: (role, password)} to print once."""
    rng = random.Random(seed)
    villages = [Village(code=c, name=n, is_community=False) for c, n in VILLAGES]
    villages += [Village(code=c, name=n, is_community=True) for c, n in COMMUNITIES]
    db.session.add_all(villages)
    offices = {code: Office(code=code, name=name, kind=kind.value) for code, name, kind in OFFICES}
    for v in villages:
        offices[f"vc_{v.code}"] = Office(code=f"vc_{v.code}", name=f"{v.name}人民调解委员会",
                                         kind=OfficeKind.VILLAGE_COMMITTEE.value, village=v)
    db.session.add_all(offices.values())
    db.session.flush()
    passwords, users = {}, {}
    for username, display, role, office_code in USERS:
        password = temporary_password(14)  # random, and meets the password rules
        user = User(username=username, display_name=display, role=role.value, office_id=offices[office_code].id)
        user.set_password(password)
        db.session.add(user)
        users[username] = user
        passwords[username] = (role.value, password)
    db.session.flush()
    load_default_rules()
    _load_cases(rng, case_count, villages, offices, users, now, town)
    _load_meetings(now, town, users)
    _load_office_routines(rng, now, town, offices, users)
    return passwords


def _load_office_routines(rng, now, town, offices, users, town_name: str = "徐行镇"):
    """What the offices do beside the cases' own steps: questions to the law firm and the police (难题会诊),
    sessions scheduled with their SMS notices, the village committee's screening reports, and the
    closed case files' review."""
    open_cases = db.session.scalars(select(Case).where(
        Case.status == Status.IN_MEDIATION.value, Case.mediator_id == users["mediator"].id).order_by(Case.id)).all()
    questions = [("law_firm", "被申请人称协议约定的违约金过高，能否请律师就违约金调整的法律依据出具意见？", 6, True),
                 ("law_firm", "双方对宅基地界址各执一词，调解协议能否约定由镇国土所测绘后再行履行？", 1, False),
                 ("police_station", "申请人称对方曾有威胁言语，请派出所协助核实出警记录。", 5, False)]
    for case, (office, question, days_ago, answered) in zip(open_cases, questions):
        asked_at = now - timedelta(days=days_ago)
        consultation = consultations.ask(case, users["mediator"], offices[office].id, question, None,
                                         asked_at, town)
        if answered:
            consultations.answer(consultation, users["lawyer"], "违约金约定过分高于实际损失的，当事人可请求适当减少"
                                 "（民法典第五百八十五条）；建议以实际损失为基础协商调整。", asked_at + timedelta(days=1))
    for case, days in zip(open_cases[3:5], (2, 4)):
        starts = (now + timedelta(days=days)).astimezone(town.tz).replace(hour=14, minute=30, second=0, microsecond=0)
        appointments.schedule(case, users["mediator"], starts_at=starts, place=f"{case.village.name}调解室",
                              party_ids=[p.id for p in case.parties], other_invitees="村调委会主任",
                              note="", send_sms=True, now=now, town=town, town_name=town_name)
    committee = offices["vc_xiaomiao"]
    this_month = now.astimezone(town.tz).date().replace(day=1)
    last_month = (this_month - timedelta(days=1)).replace(day=1)
    save_report(committee, last_month, Figures(nil=False, disputes_found=6, mediated=4, in_progress=2,
                                               risks="两户因宅基地围墙多次争吵，已列入重点关注。"),
                users["vmediator"], now=now, town=town)
    review_closed_cases(now, town)
    hotspot_scan(now, town)


DECISIONS = [  # joint-meeting decisions on last week's agenda (no new deadline: the cases' dates stay)
    "由司法所牵头，派出所配合，本周内再次组织双方调解",
    "请签约律师出具法律意见，下次联席会议通报结果",
    "村调委会加强走访，密切关注双方情绪，防止矛盾激化",
    "信访办同步掌握情况，调解员每三日向司法所报告进展",
]


def _load_meetings(now, town, users):
    """Last week's joint meeting, held, with decisions and minutes; and the coming one, its agenda
    built as the pre-meeting job builds it. Drawn from the cases already loaded, without the random
    generator, so the cases stay as they were."""
    sup = users["supervisor"]
    upcoming = next_meeting(now, town)
    held_at = meeting_after(upcoming.scheduled_at - timedelta(days=7, minutes=1), town.meeting.weekday,
                            town.meeting.at, town.tz)
    if held_at >= now:  # the coming meeting is today's, not yet held: last week's is the one before
        held_at -= timedelta(days=7)
    held = Meeting(scheduled_at=held_at, agenda_built_at=held_at - timedelta(days=1))
    db.session.add(held)
    db.session.flush()
    cases = db.session.scalars(
        select(Case).where(Case.status == Status.IN_MEDIATION.value, Case.mediator_id.is_not(None),
                           Case.received_at < held_at - timedelta(days=2))
        .order_by(Case.escalated.desc(), Case.id).limit(len(DECISIONS) + 2)).all()
    put_on_agenda(held, [AgendaEntry(c.id, c.status, ("escalated",) if c.escalated else ("added",)) for c in cases],
                  actor_id=sup.id, now=held_at - timedelta(days=1))
    for item, decision in zip(sorted(held.items, key=lambda i: i.id), DECISIONS):
        record_decision(item, sup, held_at + timedelta(minutes=20), town, decision=decision, lead_office_id=None,
                        due_at=None)
    close_meeting(held, held_at + timedelta(hours=1, minutes=30),
                  "会议通报了上周新收、办结及超期案件情况。对列入议程的重点案件逐件研究，明确牵头单位和化解措施；"
                  "未作决定的案件由承办调解员继续跟进，下周会议再行通报。",
                  "司法所 王所长、调解员 李明；派出所 张警官；镇信访办、镇平安办负责同志")
    build_agenda(now, town)


def _load_cases(rng, count, villages, offices, users, now, town):
    channels = list(Channel)
    open_targets = []
    for i in range(count):
        channel = channels[i % len(channels)]
        target = TARGETS[i % len(TARGETS)] if i < len(TARGETS) * 2 else rng.choices(TARGETS, WEIGHTS)[0]
        if target == Status.MERGED and not open_targets:
            target = Status.IN_MEDIATION
        age_days = {Status.REGISTERED: rng.uniform(0, 2), Status.ACCEPTED: rng.uniform(1, 5),
                    Status.CLOSED: rng.uniform(3, 20), Status.ARCHIVED: rng.uniform(40, 80)}.get(
            target, rng.uniform(3, 40))
        t = now - timedelta(days=age_days)
        village = rng.choice(villages)
        category = rng.choice(CATEGORIES)
        parties = [PartyData(name=fake_name(rng), role=PartyRole.APPLICANT.value, phone=fake_mobile(rng),
                             id_number=fake_id_number(rng) if rng.random() < 0.6 else "",
                             address=f"徐行镇{village.name}{rng.randint(1, 300)}号"),
                   PartyData(name=fake_name(rng), role=PartyRole.RESPONDENT.value,
                             phone=fake_mobile(rng) if rng.random() < 0.8 else "",
                             # an address, as a written agreement names each party (art. 29); not from
                             # rng, so the rest of the demo stays as it was
                             address=f"徐行镇{village.name}{i % 300 + 1}号")]
        violent = channel == Channel.POLICE_110 and rng.random() < 0.4
        if rng.random() < 0.1:
            parties[0].vulnerable = True
        if rng.random() < 0.05:
            parties[1].has_petitioned = True
        data = CaseData(channel=channel.value, received_at=t - timedelta(hours=rng.uniform(0, 6)),
                        violence=violent, details=_details(channel, i, violent, rng),
                        amount=Decimal(rng.choice([0, 2000, 8000, 30000, 60000, 120000])) if rng.random() < 0.5 else None,
                        people_involved=rng.choice([5, 8, 12]) if rng.random() < 0.06 else None,
                        external_ref="" if channel == Channel.WALK_IN else f"{channel.value[:4].upper()}{i:06d}",
                        category=category, summary=SUMMARIES[category], village_id=village.id,
                        address=f"嘉定区徐行镇{village.name}{rng.randint(1, 300)}号", parties=parties)
        case = register_case(data, users["supervisor"], now=t, town=town)
        _drive(case, target, t, rng, offices, users, town, open_targets, village, now)
        if case.status in (Status.REGISTERED.value, Status.ACCEPTED.value, Status.IN_MEDIATION.value):
            open_targets.append(case)


def _details(channel, i, violent, rng) -> dict:
    """What each channel sends beyond the common fields."""
    if channel == Channel.HOTLINE_12345:
        return {"work_order_type": rng.choice(["咨询", "求助", "投诉", "建议"])}
    if channel == Channel.POLICE_110:
        return {"incident_number": f"JJ{310114}{i:06d}", "violence": violent, "injury": violent and rng.random() < 0.5}
    if channel == Channel.GRID_PATROL:
        return {"grid_id": f"XH-G{rng.randint(1, 40):02d}"}
    if channel == Channel.DISPUTE_PLATFORM:
        return {"application_number": f"JF2026{i:08d}"}
    return {}


def _drive(case, target, t, rng, offices, users, town, open_targets, village, now):
    sup, med = users["supervisor"], users["mediator"]
    clock = [t]

    def step():
        clock[0] = min(clock[0] + timedelta(hours=rng.uniform(2, 30)), now)
        return clock[0]

    def act(action, user, payload=None, extra=None, at=None):
        perform(case, action, user, payload or Payload(), now=at or step(), town=town, session_details=extra)

    if target == Status.REGISTERED:
        return
    if target == Status.REJECTED:
        return act(Action.REJECT, sup, Payload(reason="不属于人民调解受理范围，已告知当事人向法院起诉"))
    if target == Status.MERGED:
        return act(Action.MERGE, sup, Payload(merge_target_id=rng.choice(open_targets).id))
    act(Action.ACCEPT, sup)
    if target == Status.ACCEPTED:
        return
    proposal = propose_for(case)
    lead = proposal.lead_office_id if proposal else offices["judicial_office"].id
    co = list(proposal.co_office_ids) if proposal else []
    assignee = users["vmediator"] if lead == users["vmediator"].office_id else med
    if assignee.office_id not in {lead, *co}:
        co.append(assignee.office_id)
    route = Payload(lead_office_id=lead, co_office_ids=co, mediator_id=assignee.id)
    act(Action.ROUTE, sup, route)
    mediator = db.session.get(User, route.mediator_id)
    for _ in range(rng.randint(0 if target == Status.IN_MEDIATION else 1, 3)):
        act(Action.LOG_SESSION, mediator, extra={"method": rng.choice(["in_person", "phone"]),
                                                 "place": f"{village.name}调解室",
                                                 "record": "双方陈述事实，调解员释法析理，双方同意继续协商。",
                                                 "participants": "申请人、被申请人、调解员"})
    if target == Status.IN_MEDIATION:
        if rng.random() < 0.15:
            act(Action.ESCALATE, sup, Payload(reason="双方情绪激烈，有激化风险，提交联席会议"))
        return
    outcome = rng.choices(list(Outcome)[:3], [6, 2, 2])[0]
    amount = Decimal(rng.randrange(0, 80000, 500))
    closing_at = step()
    signed = closing_at.astimezone(town.tz).date() if outcome == Outcome.AGREEMENT_WRITTEN else None
    act(Action.CLOSE, mediator, Payload(
        outcome=outcome, agreement_text="被申请人向申请人支付补偿款，双方就此纠纷再无其他争议。",
        amount=amount if outcome != Outcome.FAILED_REFERRED else None,
        performance_terms="协议签订之日起十五日内一次性支付" if outcome == Outcome.AGREEMENT_WRITTEN else "",
        signed_on=signed, performance_due_on=signed + timedelta(days=15) if signed else None,
        referred_to="嘉定区人民法院" if outcome == Outcome.FAILED_REFERRED else ""), at=closing_at)
    if target == Status.CLOSED:
        return
    act(Action.FOLLOW_UP, mediator, Payload(performance="performed"), extra={"notes": "已履行，双方关系平稳"})
    if target == Status.ARCHIVED:
        act(Action.ARCHIVE, sup)
