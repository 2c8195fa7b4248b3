"""Routing rules from the database, evaluated by `core.routing`; DESIGN.md's defaults."""

from sqlalchemy import select

from ..core import routing
from ..core.risk import HIGH_AMOUNT, RiskLevel
from ..core.vocab import OfficeKind
from ..extensions import db
from ..organisation.models import Office
from .models import Case, RoutingRule

# DESIGN.md's defaults, by office code; loaded by `flask routing-rules load-defaults` and the demo.
DEFAULT_RULES = [
    dict(name="110警情涉及暴力、伤害或威胁", channels=["police_110"], requires_violence=True,
         lead="police_station", co=["judicial_office"]),
    dict(name="当事人五人以上或高激化风险", combine="any", min_parties=5,
         min_risk_level=RiskLevel.HIGH.value, lead="judicial_office", co=["police_station"], flag_for_meeting=True),
    dict(name="合同、劳动争议、损害赔偿、生产经营或标的额五万元以上", combine="any",
         categories=["合同", "劳动争议", "损害赔偿", "生产经营"], min_amount=HIGH_AMOUNT,
         lead="judicial_office", co=["law_firm"]),
    dict(name="婚姻家庭、邻里、房屋宅基地、物业：由所在村（居）调委会调解",
         categories=["婚姻家庭", "邻里", "房屋宅基地", "物业"], lead_is_village_committee=True,
         co=["judicial_office"]),  # the judicial office supervises
    dict(name="其他纠纷：司法所", lead="judicial_office"),
]


def load_default_rules() -> int:
    """Create the default rules for the offices that exist; returns how many were created."""
    offices = {o.code: o.id for o in db.session.scalars(select(Office))}
    created = 0
    for position, spec in enumerate(DEFAULT_RULES, start=1):
        spec = dict(spec)
        lead, co = spec.pop("lead", None), spec.pop("co", [])
        if lead and lead not in offices:
            continue
        db.session.add(RoutingRule(position=position * 10, lead_office_id=offices.get(lead),
                                   co_office_ids=[offices[c] for c in co if c in offices], **spec))
        created += 1
    db.session.flush()
    return created


def active_rules() -> list[routing.Rule]:
    rows = db.session.scalars(select(RoutingRule).where(RoutingRule.active.is_(True))
                              .order_by(RoutingRule.position, RoutingRule.id))
    return [routing.Rule(id=r.id, name=r.name, combine=r.combine, channels=tuple(r.channels or ()),
                         categories=tuple(r.categories or ()), min_amount=r.min_amount,
                         min_parties=r.min_parties, requires_violence=r.requires_violence,
                         min_risk_level=r.min_risk_level, lead_office_id=r.lead_office_id,
                         lead_is_village_committee=r.lead_is_village_committee,
                         co_office_ids=tuple(r.co_office_ids or ()), flag_for_meeting=r.flag_for_meeting)
            for r in rows]


def village_committee_id(village_id: int | None) -> int | None:
    if village_id is None:
        return None
    return db.session.scalar(select(Office.id).where(
        Office.village_id == village_id, Office.kind == OfficeKind.VILLAGE_COMMITTEE.value,
        Office.active.is_(True)).order_by(Office.id).limit(1))


def propose_for(case: Case) -> routing.Proposal | None:
    facts = routing.RoutingFacts(
        channel=case.channel, category=case.category, amount=case.amount,
        parties=max(len(case.parties), case.people_involved or 0), violence=case.violence,
        risk_level=case.risk_level, village_committee_id=village_committee_id(case.village_id))
    return routing.propose(active_rules(), facts)
