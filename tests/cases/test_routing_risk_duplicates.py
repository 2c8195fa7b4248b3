"""Routing proposals at acceptance, escalation risk on the case, duplicates: link and merge."""
import html
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from mediation.cases.models import Case, CaseLink, Party, RoutingRule
from mediation.cases.routing import load_default_rules
from mediation.core.lifecycle import Status
from mediation.db import utcnow
from mediation.intake.services import CaseData, PartyData, register_case
from mediation.organisation.town import current_town

from ..core.test_risk import resident_id


@pytest.fixture
def rules(db, town):
    load_default_rules()
    db.session.commit()
    return db.session.scalars(select(RoutingRule).order_by(RoutingRule.position)).all()


def _register(db, town, users, *, channel="walk_in", category="邻里", village="xiaomiao", parties=None,
              received_at=None, **extra):
    data = CaseData(channel=channel, external_ref="" if channel == "walk_in" else f"R{utcnow().timestamp()}",
                    received_at=received_at or utcnow() - timedelta(hours=1), category=category, summary="纠纷",
                    village_id=town["villages"][village].id if village else None, address="徐行镇小庙村8号",
                    parties=parties or [PartyData("甲", "applicant", "13812345678"), PartyData("乙", "respondent")],
                    **extra)
    case = register_case(data, users["supervisor"], now=utcnow(), town=current_town())
    db.session.commit()
    return case


def _reload(db, reference):
    db.session.expire_all()
    return db.session.scalar(select(Case).where(Case.reference == reference))


@pytest.mark.parametrize("kwargs, lead, co, rule_position", [
    (dict(channel="police_110", violence=True), "police_station", {"judicial_office"}, 10),
    (dict(people_involved=6), "judicial_office", {"police_station"}, 20),
    (dict(category="合同"), "judicial_office", {"law_firm"}, 30),
    (dict(category="其他", amount=Decimal("50000")), "judicial_office", {"law_firm"}, 30),
    (dict(category="邻里"), "vc_xiaomiao", {"judicial_office"}, 40),
    (dict(category="邻里", village=None), "judicial_office", set(), 50),
    (dict(category="医疗"), "judicial_office", set(), 50),
])
def test_accepting_proposes_offices_by_rule_and_records_it(client, db, town, users, login, rules,
                                                          kwargs, lead, co, rule_position):
    case = _register(db, town, users, **kwargs)
    login(users["supervisor"])
    page = client.get(f"/cases/{case.reference}/accept").get_data(as_text=True)
    rule = next(r for r in rules if r.position == rule_position)
    assert html.escape(rule.name, quote=False) in page
    offices = town["offices"]
    form = {"version": case.version, "route_now": "y", "lead_office": offices[lead].id,
            "co_offices": [offices[c].id for c in co]}
    assert client.post(f"/cases/{case.reference}/accept", data=form).status_code == 303
    case = _reload(db, case.reference)
    assert case.status == "in_mediation"  # accepted and routed in one step
    assert case.lead_office.code == lead and {o.code for o in case.co_offices} == co
    assert case.routing_rule_id == rule.id
    assert [e.action for e in case.timeline][-2:] == ["accept", "route"]
    assert case.timeline[-1].details["overridden"] is False
    assert case.escalated is (rule_position == 20)  # the many-parties rule puts it on the meeting


def test_supervisor_override_is_recorded(client, db, town, users, login, rules):
    case = _register(db, town, users, category="合同")
    login(users["supervisor"])
    offices = town["offices"]
    r = client.post(f"/cases/{case.reference}/accept", data={
        "version": case.version, "route_now": "y", "lead_office": offices["police_station"].id})
    assert r.status_code == 303
    case = _reload(db, case.reference)
    assert case.lead_office.code == "police_station" and case.routing_rule_id is None
    assert case.timeline[-1].details["overridden"] is True


def test_accept_without_routing_leaves_case_accepted(client, db, town, users, login, rules):
    case = _register(db, town, users)
    login(users["supervisor"])
    assert client.post(f"/cases/{case.reference}/accept", data={"version": case.version}).status_code == 303
    assert _reload(db, case.reference).status == "accepted"


def test_co_office_liaison_sees_and_logs_sessions(client, db, town, users, login, rules):
    case = _register(db, town, users, category="合同")
    login(users["supervisor"])
    offices = town["offices"]
    client.post(f"/cases/{case.reference}/accept", data={
        "version": case.version, "route_now": "y", "lead_office": offices["judicial_office"].id,
        "co_offices": [offices["law_firm"].id], "mediator": users["mediator"].id})
    login(users["lawyer"])
    case = _reload(db, case.reference)
    assert client.get(f"/cases/{case.reference}").status_code == 200
    r = client.post(f"/cases/{case.reference}/log_session", data={
        "version": case.version, "held_at": "2026-11-20T10:00", "method": "in_person", "record": "律师释法"})
    assert r.status_code == 303
    assert _reload(db, case.reference).sessions[0].office_id == offices["law_firm"].id


def test_risk_reasons_shown_and_high_level_visible_in_lists(client, db, town, users, login):
    case = _register(db, town, users, channel="police_110", violence=True)
    assert case.risk_level == "high" and case.risk_reasons == ["violence"]
    calm = _register(db, town, users, parties=[PartyData("丙", "applicant", "13700000000")])
    assert calm.risk_level == "low"
    login(users["viewer"])
    page = client.get(f"/cases/{case.reference}?lang=en").get_data(as_text=True)
    assert "Threats of violence or injury" in page
    queue = client.get("/cases/?lang=en").get_data(as_text=True)
    row = queue[queue.index(case.reference):queue.index(case.reference) + 400]
    assert "Risk: High" in row
    row = queue[queue.index(calm.reference):queue.index(calm.reference) + 400]
    assert "Risk:" not in row


BOTH_SIDES = [PartyData("甲", "applicant", "13812345678"), PartyData("乙", "respondent", "13987654321")]


def test_risk_from_history_vulnerable_party_and_petitions(db, town, users):
    first = _register(db, town, users, channel="police_110", received_at=utcnow() - timedelta(days=60),
                      parties=BOTH_SIDES)
    assert first.risk_level == "low"
    # the same two sides again, either way round: a repeat, after a 110 call between them
    swapped = [PartyData("乙", "applicant", "13987654321"), PartyData("甲", "respondent", "13812345678")]
    again = _register(db, town, users, channel="walk_in", parties=swapped)
    assert set(again.risk_reasons) == {"prior_police_call", "repeat_dispute"} and again.risk_level == "high"
    old = _register(db, town, users, parties=[PartyData("老人", "applicant", "13600000000", "11010519491231002X")])
    assert old.risk_reasons == ["vulnerable_party"] and old.risk_level == "medium"
    petition = _register(db, town, users, parties=[PartyData("丁", "applicant", "13500000000",
                                                             has_petitioned=True)])
    assert petition.risk_reasons == ["petitioned_before"]


def test_one_caller_reporting_again_is_not_the_same_parties(db, town, users):
    """110 then 12345 half an hour later, the same caller against a different respondent: not a repeat
    between the same parties, so not high risk (issue #11: one shared phone inflated 防止民转刑)."""
    _register(db, town, users, channel="police_110", received_at=utcnow() - timedelta(minutes=90),
              parties=BOTH_SIDES)
    hotline = _register(db, town, users, channel="hotline_12345",
                        parties=[PartyData("甲", "applicant", "13812345678"), PartyData("丙", "respondent")])
    assert hotline.risk_reasons == [] and hotline.risk_level == "low"
    other_respondent = _register(db, town, users, parties=[
        PartyData("甲", "applicant", "13812345678"), PartyData("丁", "respondent", "13700001111")])
    assert other_respondent.risk_reasons == []


def test_a_linked_duplicate_is_not_its_own_repeat(client, db, town, users, login):
    """The same two sides reported by 110 and then by 12345: a repeat until a supervisor links the
    two as one dispute; after that the risk no longer counts it."""
    police = _register(db, town, users, channel="police_110", received_at=utcnow() - timedelta(minutes=90),
                       parties=BOTH_SIDES)
    hotline = _register(db, town, users, channel="hotline_12345", parties=BOTH_SIDES)
    assert set(hotline.risk_reasons) == {"prior_police_call", "repeat_dispute"}
    login(users["supervisor"])
    assert client.post(f"/cases/{hotline.reference}/link", data={"other": police.reference}).status_code == 303
    assert _reload(db, hotline.reference).risk_reasons == []


def test_elderly_is_judged_on_the_shanghai_date(db, town, users):
    """Born 2 December 1966: 60 from Shanghai's midnight, while UTC is still on 1 December."""
    now = datetime(2026, 12, 1, 17, 0, tzinfo=timezone.utc)  # 2 December, 01:00 in Shanghai
    data = CaseData(channel="walk_in", external_ref="", received_at=now - timedelta(minutes=5), category="邻里",
                    summary="纠纷", village_id=town["villages"]["xiaomiao"].id, address="徐行镇小庙村8号",
                    parties=[PartyData("老人", "applicant", "13600000000", resident_id("19661202")),
                             PartyData("乙", "respondent")])
    case = register_case(data, users["supervisor"], now=now, town=current_town())
    db.session.commit()
    assert case.risk_reasons == ["vulnerable_party"]


def test_risk_reevaluated_on_every_change(client, db, town, users, login, make_case):
    case = make_case(Status.IN_MEDIATION)
    case = db.session.get(Case, case.id)
    case.amount = Decimal("80000")
    case.mediation_started_at = utcnow() - timedelta(days=40)  # its 30 days are up
    db.session.commit()
    assert "overdue_high_amount" not in case.risk_reasons
    login(users["mediator"])
    client.post(f"/cases/{case.reference}/log_session", data={
        "version": case.version, "held_at": "2026-11-20T10:00", "method": "phone", "record": "电话沟通"})
    assert "overdue_high_amount" in _reload(db, case.reference).risk_reasons


def test_duplicates_suggested_then_linked(client, db, town, users, login):
    hotline = _register(db, town, users, channel="hotline_12345")
    police = _register(db, town, users, channel="police_110")  # same applicant phone
    unrelated = _register(db, town, users, village="qianqiao",
                          parties=[PartyData("戊", "applicant", "13300000000")])
    login(users["supervisor"])
    page = client.get(f"/cases/{police.reference}?lang=en").get_data(as_text=True)
    assert "Possible duplicates" in page and hotline.reference in page and "same phone" in page
    assert unrelated.reference not in page
    r = client.post(f"/cases/{police.reference}/link", data={"other": hotline.reference})
    assert r.status_code == 303
    assert db.session.scalar(select(func.count()).select_from(CaseLink)) == 1
    page = client.get(f"/cases/{police.reference}?lang=en").get_data(as_text=True)
    assert "Possible duplicates" not in page  # linked: no longer suggested
    assert "Linked cases" in page and hotline.reference in page
    hotline = _reload(db, hotline.reference)
    assert hotline.status == "registered" and hotline.timeline[-1].action == "link"
    r = client.post(f"/cases/{police.reference}/link", data={"other": hotline.reference})
    assert r.status_code == 303  # linking twice is a message, not an error page
    assert db.session.scalar(select(func.count()).select_from(CaseLink)) == 1


def test_a_shared_phone_is_found_however_busy_the_village(client, db, town, users, login, monkeypatch):
    """Candidates are capped: those sharing a phone or an ID number come before the village's others."""
    import mediation.cases.duplicates as duplicates
    monkeypatch.setattr(duplicates, "CANDIDATES", 3)
    case = _register(db, town, users)
    for n in range(5):  # the busy village's other cases
        _register(db, town, users, parties=[PartyData(f"丙{n}", "applicant", f"1330000000{n}"),
                                            PartyData(f"丁{n}", "respondent")])
    same_phone = _register(db, town, users, village="qianqiao", received_at=utcnow() - timedelta(days=3))
    login(users["supervisor"])
    page = client.get(f"/cases/{case.reference}?lang=en").get_data(as_text=True)
    assert same_phone.reference in page and "same phone" in page


def test_merge_absorbs_parties_references_and_timeline(client, db, town, users, login):
    survivor = _register(db, town, users, channel="hotline_12345")
    dup = _register(db, town, users, channel="grid_patrol", parties=[
        PartyData("甲", "applicant", "13812345678"), PartyData("新当事人", "respondent", "13911112222")])
    login(users["supervisor"])
    r = client.post(f"/cases/{dup.reference}/merge", data={"version": dup.version, "target": survivor.reference})
    assert r.status_code == 303
    survivor, dup = _reload(db, survivor.reference), _reload(db, dup.reference)
    assert dup.status == "merged" and dup.merged_into_id == survivor.id
    assert [p.name for p in survivor.parties] == ["甲", "乙", "新当事人"]
    page = client.get(f"/cases/{survivor.reference}").get_data(as_text=True)
    assert dup.reference in page and dup.external_ref in page  # its channel reference stays visible
    assert page.count(dup.reference) >= 2  # and its timeline is shown with the survivor's
    dup_page = client.get(f"/cases/{dup.reference}").get_data(as_text=True)
    assert f'href="/cases/{dup.reference}/' not in dup_page  # read-only: no actions
    assert db.session.scalar(select(func.count()).select_from(Party).where(Party.case_id == dup.id)) == 2


def test_only_supervisors_link(client, db, town, users, login):
    a = _register(db, town, users, channel="hotline_12345")
    b = _register(db, town, users, channel="police_110")
    login(users["mediator"])
    assert client.post(f"/cases/{a.reference}/link", data={"other": b.reference}).status_code == 403
