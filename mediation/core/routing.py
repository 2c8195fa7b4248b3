"""Routing through the three-office linkage (三所联动): rules tried in order, first match proposes.

Rules are data (edited by an admin); this module only evaluates them.
"""
from dataclasses import dataclass, field
from decimal import Decimal

from .risk import LEVEL_ORDER


@dataclass(frozen=True)
class RoutingFacts:
    channel: str
    category: str
    amount: Decimal | None = None
    parties: int = 0
    violence: bool = False
    risk_level: str = "low"
    village_committee_id: int | None = None  # the committee of the village where it happened


@dataclass(frozen=True)
class Rule:
    id: int
    name: str
    combine: str = "all"  # all: every set condition holds; any: one is enough
    channels: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    min_amount: Decimal | None = None
    min_parties: int | None = None
    requires_violence: bool = False
    min_risk_level: str | None = None
    lead_office_id: int | None = None
    lead_is_village_committee: bool = False
    co_office_ids: tuple[int, ...] = ()
    flag_for_meeting: bool = False


@dataclass(frozen=True)
class Proposal:
    rule_id: int
    rule_name: str
    lead_office_id: int
    co_office_ids: tuple[int, ...] = field(default_factory=tuple)
    flag_for_meeting: bool = False


def _conditions(rule: Rule, facts: RoutingFacts) -> list[bool]:
    """The outcome of each condition the rule sets; unset conditions are left out."""
    checks = []
    if rule.channels:
        checks.append(facts.channel in rule.channels)
    if rule.categories:
        checks.append(facts.category in rule.categories)
    if rule.min_amount is not None:
        checks.append(facts.amount is not None and facts.amount >= rule.min_amount)
    if rule.min_parties is not None:
        checks.append(facts.parties >= rule.min_parties)
    if rule.requires_violence:
        checks.append(facts.violence)
    if rule.min_risk_level:
        checks.append(LEVEL_ORDER.get(facts.risk_level, 0) >= LEVEL_ORDER.get(rule.min_risk_level, 0))
    return checks


def matches(rule: Rule, facts: RoutingFacts) -> bool:
    checks = _conditions(rule, facts)
    if not checks:
        return True  # a rule without conditions is the catch-all
    return all(checks) if rule.combine == "all" else any(checks)


def propose(rules: list[Rule], facts: RoutingFacts) -> Proposal | None:
    """The first rule that matches and can name a lead office."""
    for rule in rules:
        if not matches(rule, facts):
            continue
        lead = facts.village_committee_id if rule.lead_is_village_committee else rule.lead_office_id
        if lead is None:
            continue  # e.g. a village-committee rule for a case whose village is not known
        co = tuple(o for o in rule.co_office_ids if o != lead)
        return Proposal(rule.id, rule.name, lead, co, rule.flag_for_meeting)
    return None
