"""Gather the facts the escalation-risk rules need from the database, and store the verdict."""
from datetime import datetime, timedelta

from sqlalchemy import or_, select

from ..core.lifecycle import OPEN_STATUSES
from ..core.risk import HIGH_AMOUNT, REPEAT_WINDOW_DAYS, RiskFacts, assess, is_vulnerable_by_age
from ..core.vocab import Channel
from ..extensions import db
from .models import Case, CaseLink, Party


def related_case_ids(case: Case) -> set[int]:
    """Cases that are this same dispute (merged or linked): not evidence of a repeat."""
    ids = {c.id for c in case.absorbed}
    if case.merged_into_id:
        ids.add(case.merged_into_id)
    if case.id is not None:
        links = db.session.execute(select(CaseLink.case_id, CaseLink.other_case_id).where(
            or_(CaseLink.case_id == case.id, CaseLink.other_case_id == case.id))).all()
        ids.update(i for pair in links for i in pair)
    return ids


def refresh_risk(case: Case, now: datetime) -> None:
    phones = {p.phone for p in case.parties if p.phone}
    id_numbers = {p.id_number for p in case.parties if p.id_number}
    earlier = []
    if phones or id_numbers:
        conditions = []
        if phones:
            conditions.append(Party.phone.in_(phones))
        if id_numbers:
            conditions.append(Party.id_number.in_(id_numbers))
        stmt = (select(Case.id, Case.channel, Case.received_at).join(Party, Party.case_id == Case.id)
                .where(or_(*conditions), Case.received_at <= case.received_at).distinct())
        if case.id is not None:
            stmt = stmt.where(Case.id != case.id)
        related = related_case_ids(case)
        earlier = [row for row in db.session.execute(stmt) if row.id not in related]
    today = now.date()
    open_case = case.status in {s.value for s in OPEN_STATUSES}
    facts = RiskFacts(
        violence=case.violence,
        prior_police_call=any(row.channel == Channel.POLICE_110.value for row in earlier),
        repeat_dispute=any(case.received_at - row.received_at <= timedelta(days=REPEAT_WINDOW_DAYS)
                           for row in earlier),
        people_involved=max(case.people_involved or 0, len(case.parties)),
        vulnerable_party=any(p.vulnerable or is_vulnerable_by_age(p.id_number, today) for p in case.parties),
        petitioned_before=any(p.has_petitioned for p in case.parties),
        overdue_high_amount=bool(open_case and case.amount is not None and case.amount >= HIGH_AMOUNT
                                 and case.next_deadline is not None and case.next_deadline < now),
    )
    verdict = assess(facts)
    case.risk_level = verdict.level
    case.risk_reasons = list(verdict.reasons)
