"""Gather the facts the escalation-risk rules need from the database, and store the verdict."""
from datetime import date, datetime, timedelta
from typing import NamedTuple

from sqlalchemy import or_, select

from ..core.lifecycle import OPEN_STATUSES
from ..core.risk import HIGH_AMOUNT, REPEAT_WINDOW_DAYS, RiskFacts, assess, is_vulnerable_by_age
from ..core.vocab import Channel, PartyRole
from ..extensions import db
from ..organisation.town import current_town
from .models import Case, CaseLink, Party


def related_case_ids(case: Case) -> set[int]:
    """Cases that are this same dispute (merged or linked): not evidence of a repeat."""
    return _related_ids([case])[case.id] if case.id is not None else {c.id for c in case.absorbed}


def _related_ids(cases: list[Case]) -> dict[int | None, set[int]]:
    related = {c.id: {a.id for a in c.absorbed} | ({c.merged_into_id} if c.merged_into_id else set())
               for c in cases}
    ids = [c.id for c in cases if c.id is not None]
    if ids:
        for one, other in db.session.execute(select(CaseLink.case_id, CaseLink.other_case_id).where(
                or_(CaseLink.case_id.in_(ids), CaseLink.other_case_id.in_(ids)))):
            for side in (one, other):
                if side in related:
                    related[side].update((one, other))
    return related


class _PartyRow(NamedTuple):
    """A party of a case, as the earlier-cases query returns it."""

    party_id: int | None
    phone: str | None
    id_number: str | None
    id: int
    channel: str
    received_at: datetime
    reference: str


def refresh_risk(case: Case, now: datetime) -> None:
    refresh_risk_many([case], now)


def refresh_risk_many(cases: list[Case], now: datetime) -> None:
    """Assess each case's escalation risk and store the verdict: two statements for any number
    of cases (parties of earlier cases with the same phones or ID numbers; links between cases)."""
    if not cases:
        return
    phones = {p.phone for c in cases for p in c.parties if p.phone}
    id_numbers = {p.id_number for c in cases for p in c.parties if p.id_number}
    by_key: dict[tuple[str, str], list] = {}
    if phones or id_numbers:
        conditions = ([Party.phone.in_(phones)] if phones else []) + \
                     ([Party.id_number.in_(id_numbers)] if id_numbers else [])
        rows = db.session.execute(
            select(Party.id.label("party_id"), Party.phone, Party.id_number, Case.id, Case.channel,
                   Case.received_at, Case.reference)
            .join(Case, Case.id == Party.case_id).where(or_(*conditions))).all()
        # The cases given are evidence for each other too: a batch being registered is not in the
        # database yet (its rows and the database's are the same facts when it is).
        known = {(row.id, row.party_id) for row in rows}
        rows += [_PartyRow(p.id, p.phone, p.id_number, c.id, c.channel, c.received_at, c.reference)
                 for c in cases if c.id is not None for p in c.parties if (c.id, p.id) not in known]
        for row in rows:
            for key in (("phone", row.phone), ("id", row.id_number)):
                if key[1]:
                    by_key.setdefault(key, []).append(row)
    related = _related_ids(cases)
    today = now.astimezone(current_town().tz).date()
    for case in cases:
        _store(case, _same_parties_before(case, by_key, related.get(case.id, set())), now, today)


def _same_parties_before(case: Case, by_key: dict, related: set[int]) -> list:
    """Earlier cases between the same two sides: a party of this case's applicant side and one of
    its respondent side are both parties of the earlier case (two different ones, either way
    round). A shared phone alone (the same caller reporting one dispute twice) is not enough."""
    sides = {PartyRole.APPLICANT.value: set(), PartyRole.RESPONDENT.value: set()}
    earlier_rows = {}
    for party in case.parties:
        if party.role not in sides:
            continue
        for key in (("phone", party.phone), ("id", party.id_number)):
            if key[1]:
                for row in by_key.get(key, []):
                    if row.id != case.id and _before(row, case) and row.id not in related:
                        sides[party.role].add((row.id, row.party_id))
                        earlier_rows[row.id] = row
    applicants, respondents = sides[PartyRole.APPLICANT.value], sides[PartyRole.RESPONDENT.value]
    earlier: dict[int, object] = {}
    for case_id, party_id in applicants:
        if any(other_case == case_id and other_party != party_id for other_case, other_party in respondents):
            earlier[case_id] = earlier_rows[case_id]
    return list(earlier.values())


def _before(row, case: Case) -> bool:
    """Received before the case; at the same moment, registered before it (two work orders of one
    minute, registered together, are not each other's repeat both ways)."""
    if row.received_at != case.received_at or case.id is None:
        return row.received_at <= case.received_at
    return row.id < case.id


def _store(case: Case, earlier: list, now: datetime, today: date) -> None:
    open_case = case.status in {s.value for s in OPEN_STATUSES}
    police_calls = [row for row in earlier if row.channel == Channel.POLICE_110.value]
    repeats = [row for row in earlier if case.received_at - row.received_at <= timedelta(days=REPEAT_WINDOW_DAYS)]
    facts = RiskFacts(
        violence=case.violence,
        prior_police_call=bool(police_calls),
        repeat_dispute=bool(repeats),
        # The latest earlier case, shown as a link beside the reason.
        earlier_cases=tuple((code, max(rows, key=lambda r: (r.received_at, r.id)).reference)
                            for code, rows in (("repeat_dispute", repeats), ("prior_police_call", police_calls))
                            if rows),
        people_involved=max(case.people_involved or 0, len(case.parties)),
        vulnerable_party=any(p.vulnerable or is_vulnerable_by_age(p.id_number, today) for p in case.parties),
        petitioned_before=any(p.has_petitioned for p in case.parties),
        overdue_high_amount=bool(open_case and case.amount is not None and case.amount >= HIGH_AMOUNT
                                 and case.next_deadline is not None and case.next_deadline < now),
    )
    verdict = assess(facts)
    case.risk_level = verdict.level
    case.risk_reasons = list(verdict.reasons)
    evidence = dict(verdict.evidence) or None
    if (case.risk_evidence or None) != evidence:  # unchanged: no UPDATE for it
        case.risk_evidence = evidence
