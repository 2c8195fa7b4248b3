"""The lookup itself: find a case by reference and phone digits, and what a party is told about it.

Enumeration: a wrong reference and wrong digits must look the same from outside. Both run the
same one query (the case's id and its parties' numbers, by reference: none for an unknown
reference), both compare the digits against every number found, and the view then counts and
audits either the same way and renders the same page. Only a match loads anything more.

What a party is told is deliberately little: the stage, the office handling the case, the next
step and its date, and for a concluded case its outcome in plain words. No party is named (not
the other side, not the enquirer), and neither is the mediator: the reference and four digits are
a low bar (a receipt seen over a shoulder), and a mediator's name on a public page invites calls
around the office, or worse in a dispute that is heating up; the office is who the party deals with.
A scheduled session still to come (not called off) is the next step: its time and place only.
"""
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..cases.appointments import next_session
from ..cases.models import Case, Party
from ..core.lifecycle import Status
from ..extensions import db
from .matching import any_tail_matches

MAX_MERGE_HOPS = 5  # a merged case's survivor may itself have been merged since


@dataclass(frozen=True)
class Match:
    case_id: int | None  # the case the enquirer may see, or None
    reference_known: bool  # for the audit trail only: never shown, never changes the answer


def find(reference: str, digits: str) -> Match:
    """The case whose reference is `reference` and one of whose parties' numbers ends in `digits`."""
    rows = db.session.execute(
        select(Case.id, Party.phone).select_from(Case).outerjoin(Party, Party.case_id == Case.id)
        .where(Case.reference == reference)).all()
    matched = any_tail_matches([phone for _case_id, phone in rows], digits)
    case_id = rows[0].id if rows else None
    return Match(case_id if matched else None, reference_known=bool(rows))


@dataclass(frozen=True)
class Progress:
    """A case as its party sees it."""

    reference: str
    status: str
    channel: str
    received_at: datetime
    office_name: str | None
    office_assigned: bool  # False: the lead office is not chosen yet; office_name is where it was received
    next_stage: str | None
    next_deadline: datetime | None
    suspended: bool
    outcome: str | None
    confirmation_by: datetime | None  # the judicial-confirmation window of a written agreement
    conclude_by: datetime | None  # shown beside a next step that is not the mediation's own (12345's reply)
    survivor: "Progress | None" = None  # a merged case: the case that absorbed it
    session_at: datetime | None = None  # the next scheduled mediation session, not cancelled
    session_place: str | None = None

    @property
    def concluded(self) -> bool:
        return self.status in (Status.CLOSED, Status.FOLLOWED_UP, Status.ARCHIVED)


def progress(case_id: int, now: datetime) -> Progress:
    """What the party of case `case_id` is told at `now`; for a merged case, with its survivor's progress."""
    case = _load(case_id)
    survivor = None
    seen = {case.id}
    current = case
    for _hop in range(MAX_MERGE_HOPS):
        if current.status != Status.MERGED or current.merged_into_id is None or current.merged_into_id in seen:
            break
        current = _load(current.merged_into_id)
        seen.add(current.id)
    if current is not case:
        survivor = _progress_of(current, None, now)
    return _progress_of(case, survivor, now)


def _load(case_id: int) -> Case:
    return db.session.scalars(
        select(Case).where(Case.id == case_id)
        .options(joinedload(Case.lead_office), joinedload(Case.intake_office), joinedload(Case.outcome))).one()


def _progress_of(case: Case, survivor: Progress | None, now: datetime) -> Progress:
    office = case.lead_office or case.intake_office
    session = next_session(case.id, now) if case.status in (Status.ACCEPTED, Status.IN_MEDIATION) else None
    return Progress(
        reference=case.reference, status=case.status, channel=case.channel, received_at=case.received_at,
        office_name=office.name if office else None, office_assigned=case.lead_office is not None,
        next_stage=case.next_stage, next_deadline=case.next_deadline, suspended=case.suspended_at is not None,
        outcome=case.outcome.outcome if case.outcome else None, confirmation_by=case.confirmation_by,
        conclude_by=case.conclude_by if case.status in (Status.ACCEPTED, Status.IN_MEDIATION) else None,
        survivor=survivor, session_at=session.starts_at if session else None,
        session_place=session.place if session else None)
