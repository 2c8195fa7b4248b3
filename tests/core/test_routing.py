"""Routing through the three-office linkage (DESIGN.md "Routing (三所联动)").

DESIGN's five default rules are written here as core Rule objects (the shape of
mediation.cases.routing.DEFAULT_RULES), with offices as plain ints. Inactive rules are not
the core's concern: the caller (mediation.cases.routing.active_rules) passes only the active
ones, so "deactivating" a rule here means leaving it out of the list.
"""
from decimal import Decimal

import pytest

from mediation.core.routing import Proposal, Rule, RoutingFacts, matches, propose

JUDICIAL, POLICE, LAW_FIRM = 1, 2, 3
VC_XIAOMIAO = 10  # the village committee, known only through the facts

RULE_110_VIOLENCE = Rule(
    id=1, name="110警情涉及暴力、伤害或威胁", channels=("police_110",), requires_violence=True,
    lead_office_id=POLICE, co_office_ids=(JUDICIAL,))
RULE_MANY_OR_HIGH = Rule(
    id=2, name="当事人五人以上或高激化风险", combine="any", min_parties=5, min_risk_level="high",
    lead_office_id=JUDICIAL, co_office_ids=(POLICE,), flag_for_meeting=True)
RULE_CONTRACT_OR_AMOUNT = Rule(
    id=3, name="合同、劳动争议、损害赔偿、生产经营或标的额五万元以上", combine="any",
    categories=("合同", "劳动争议", "损害赔偿", "生产经营"), min_amount=Decimal("50000"),
    lead_office_id=JUDICIAL, co_office_ids=(LAW_FIRM,))
RULE_VILLAGE = Rule(
    id=4, name="婚姻家庭、邻里、房屋宅基地、物业：由所在村（居）调委会调解",
    categories=("婚姻家庭", "邻里", "房屋宅基地", "物业"), lead_is_village_committee=True,
    co_office_ids=(JUDICIAL,))
RULE_OTHER = Rule(id=5, name="其他纠纷：司法所", lead_office_id=JUDICIAL)

DEFAULTS = [RULE_110_VIOLENCE, RULE_MANY_OR_HIGH, RULE_CONTRACT_OR_AMOUNT, RULE_VILLAGE, RULE_OTHER]


def facts(**kw) -> RoutingFacts:
    base = dict(channel="walk_in", category="其他", parties=2, village_committee_id=VC_XIAOMIAO)
    base.update(kw)
    return RoutingFacts(**base)


# --- DESIGN's defaults -----------------------------------------------------------------------

def test_110_with_violence_police_lead_judicial_co():
    assert propose(DEFAULTS, facts(channel="police_110", category="邻里", violence=True)) == Proposal(
        1, RULE_110_VIOLENCE.name, POLICE, (JUDICIAL,), False)


def test_110_without_violence_in_a_neighbour_dispute_goes_to_the_village_committee():
    assert propose(DEFAULTS, facts(channel="police_110", category="邻里", violence=False)) == Proposal(
        4, RULE_VILLAGE.name, VC_XIAOMIAO, (JUDICIAL,), False)


def test_violence_reported_through_another_channel_is_not_rule_1():
    p = propose(DEFAULTS, facts(channel="hotline_12345", category="其他", violence=True))
    assert (p.rule_id, p.lead_office_id) == (5, JUDICIAL)


def test_six_parties_judicial_lead_police_co_flagged():
    assert propose(DEFAULTS, facts(category="邻里", parties=6)) == Proposal(
        2, RULE_MANY_OR_HIGH.name, JUDICIAL, (POLICE,), True)


@pytest.mark.parametrize("parties, rule_id", [(4, 5), (5, 2)])
def test_five_parties_is_the_boundary(parties, rule_id):
    assert propose(DEFAULTS, facts(parties=parties)).rule_id == rule_id


def test_high_risk_judicial_lead_police_co_flagged():
    assert propose(DEFAULTS, facts(category="合同", parties=2, risk_level="high")) == Proposal(
        2, RULE_MANY_OR_HIGH.name, JUDICIAL, (POLICE,), True)


@pytest.mark.parametrize("level", ["low", "medium"])
def test_lower_risk_does_not_trigger_rule_2(level):
    assert propose(DEFAULTS, facts(risk_level=level)).rule_id == 5


@pytest.mark.parametrize("category", ["合同", "劳动争议", "损害赔偿", "生产经营"])
def test_contract_like_categories_judicial_lead_law_firm_co(category):
    assert propose(DEFAULTS, facts(category=category)) == Proposal(
        3, RULE_CONTRACT_OR_AMOUNT.name, JUDICIAL, (LAW_FIRM,), False)


def test_amount_exactly_50000_in_other_is_rule_3():
    p = propose(DEFAULTS, facts(category="其他", amount=Decimal("50000")))
    assert (p.rule_id, p.lead_office_id, p.co_office_ids) == (3, JUDICIAL, (LAW_FIRM,))


def test_amount_just_under_50000_in_other_is_rule_5():
    assert propose(DEFAULTS, facts(category="其他", amount=Decimal("49999.99"))) == Proposal(
        5, RULE_OTHER.name, JUDICIAL, (), False)


def test_large_amount_in_a_village_category_beats_the_village_rule():
    assert propose(DEFAULTS, facts(category="邻里", amount=Decimal("80000"))).rule_id == 3


@pytest.mark.parametrize("category", ["婚姻家庭", "邻里", "房屋宅基地", "物业"])
def test_village_categories_go_to_the_village_committee(category):
    p = propose(DEFAULTS, facts(category=category))
    assert (p.rule_id, p.lead_office_id, p.co_office_ids) == (4, VC_XIAOMIAO, (JUDICIAL,))


def test_village_category_without_a_known_committee_skips_rule_4_to_rule_5():
    assert propose(DEFAULTS, facts(category="邻里", village_committee_id=None)) == Proposal(
        5, RULE_OTHER.name, JUDICIAL, (), False)


@pytest.mark.parametrize("category", ["山林土地", "消费", "医疗", "道路交通事故", "其他"])
def test_anything_else_goes_to_the_judicial_office(category):
    assert propose(DEFAULTS, facts(category=category)) == Proposal(
        5, RULE_OTHER.name, JUDICIAL, (), False)


def test_first_matching_rule_wins():
    # Matches rules 1, 2, 3 and 4; rule 1 comes first.
    f = facts(channel="police_110", category="合同", violence=True, parties=8, risk_level="high",
              amount=Decimal("100000"))
    assert propose(DEFAULTS, f).rule_id == 1
    assert propose(list(reversed(DEFAULTS)), f).rule_id == 5


def test_inactive_rules_are_simply_not_passed():
    # With rule 1 switched off (left out by the caller), a violent 110 call falls through.
    rules = [r for r in DEFAULTS if r.id != 1]
    p = propose(rules, facts(channel="police_110", category="其他", violence=True))
    assert (p.rule_id, p.lead_office_id) == (5, JUDICIAL)


def test_no_rules_no_proposal():
    assert propose([], facts()) is None


def test_no_matching_rule_no_proposal():
    assert propose([RULE_110_VIOLENCE, RULE_VILLAGE], facts(category="其他")) is None


def test_only_a_village_rule_and_no_committee_is_no_proposal():
    assert propose([RULE_VILLAGE], facts(category="邻里", village_committee_id=None)) is None


# --- combine semantics -----------------------------------------------------------------------

ANY = Rule(id=7, name="any", combine="any", categories=("合同",), min_amount=Decimal("1000"),
           lead_office_id=JUDICIAL)
ALL = Rule(id=8, name="all", combine="all", categories=("合同",), min_amount=Decimal("1000"),
           lead_office_id=JUDICIAL)


@pytest.mark.parametrize("category, amount, any_, all_", [
    ("合同", Decimal("1000"), True, True),
    ("合同", Decimal("999"), True, False),
    ("合同", None, True, False),
    ("其他", Decimal("5000"), True, False),
    ("其他", None, False, False),
])
def test_any_needs_one_condition_all_needs_every_one(category, amount, any_, all_):
    f = facts(category=category, amount=amount)
    assert matches(ANY, f) is any_
    assert matches(ALL, f) is all_


def test_all_is_the_default_combine():
    rule = Rule(id=9, name="default", channels=("police_110",), requires_violence=True,
                lead_office_id=POLICE)
    assert rule.combine == "all"
    assert matches(rule, facts(channel="police_110", violence=False)) is False
    assert matches(rule, facts(channel="walk_in", violence=True)) is False
    assert matches(rule, facts(channel="police_110", violence=True)) is True


def test_unset_conditions_do_not_count_against_all():
    # Only channels is set; category, amount, parties etc. are ignored.
    rule = Rule(id=9, name="x", channels=("grid_patrol",), lead_office_id=JUDICIAL)
    assert matches(rule, facts(channel="grid_patrol", category="医疗", parties=0)) is True


def test_min_risk_level_is_at_least():
    rule = Rule(id=9, name="x", min_risk_level="medium", lead_office_id=JUDICIAL)
    assert [matches(rule, facts(risk_level=lv)) for lv in ("low", "medium", "high")] == [False, True, True]


@pytest.mark.parametrize("combine", ["all", "any"])
def test_a_rule_with_no_conditions_matches_everything(combine):
    rule = Rule(id=9, name="catch-all", combine=combine, lead_office_id=LAW_FIRM)
    for f in (facts(), facts(channel="police_110", violence=True, parties=20, risk_level="high",
                             category="合同", amount=Decimal("1e9"), village_committee_id=None)):
        assert matches(rule, f) is True
        assert propose([rule], f) == Proposal(9, "catch-all", LAW_FIRM, (), False)


# --- co-offices ------------------------------------------------------------------------------

def test_co_offices_never_include_the_lead():
    rule = Rule(id=9, name="x", lead_office_id=JUDICIAL, co_office_ids=(POLICE, JUDICIAL, LAW_FIRM))
    assert propose([rule], facts()).co_office_ids == (POLICE, LAW_FIRM)


def test_co_offices_never_include_a_village_committee_lead():
    rule = Rule(id=9, name="x", lead_is_village_committee=True,
                co_office_ids=(VC_XIAOMIAO, JUDICIAL))
    p = propose([rule], facts())
    assert (p.lead_office_id, p.co_office_ids) == (VC_XIAOMIAO, (JUDICIAL,))


@pytest.mark.parametrize("f", [
    facts(channel="police_110", violence=True),
    facts(parties=7),
    facts(category="合同"),
    facts(category="物业"),
    facts(),
], ids=["rule1", "rule2", "rule3", "rule4", "rule5"])
def test_default_proposals_never_list_the_lead_as_co(f):
    p = propose(DEFAULTS, f)
    assert p.lead_office_id not in p.co_office_ids
