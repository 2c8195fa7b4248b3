"""Find likely duplicates of a case in the database; link two cases."""
from datetime import datetime

from sqlalchemy import and_, func, literal, or_, select, union_all
from sqlalchemy.orm import joinedload

from ..auth.models import User
from ..core.duplicates import WINDOW, CaseSketch, Match, suggest
from ..core.errors import DomainError
from ..core.lifecycle import Status
from ..extensions import db
from .models import Case, CaseLink, Party, TimelineEvent
from .risk import refresh_risk_many, related_case_ids


CANDIDATES = 200  # cases scored in Python per suggestion: a busy village has thousands a month


def sketch(case: Case) -> CaseSketch:
    return CaseSketch(id=case.id, received_at=case.received_at, village_id=case.village_id,
                      address=case.address or "",
                      phones=frozenset(p.phone for p in case.parties if p.phone),
                      id_numbers=frozenset(p.id_number for p in case.parties if p.id_number),
                      names=frozenset(p.name for p in case.parties), category=case.category)


def find_duplicates(case: Case, limit: int = 5) -> list[tuple[Case, Match]]:
    """Open or recent cases within 30 days that share a phone, ID, name in the village, or address.

    Four statements whatever the village's size: the candidates' ids (those sharing a phone or an ID
    number first, then the village's newest), their sketches as plain rows (two), and the few shown."""
    s = sketch(case)
    in_window = and_(Case.received_at >= case.received_at - WINDOW, Case.received_at <= case.received_at + WINDOW,
                     Case.status != Status.MERGED.value)
    # One indexed select per kind of evidence (phone, ID number, village), united: an OR across
    # them would join every party of every case in the window.
    selects = [select(Party.case_id.label("id"), literal(0).label("rank")).join(Case, Case.id == Party.case_id)
               .where(in_window, match)
               for match in ([Party.phone.in_(s.phones)] if s.phones else [])
               + ([Party.id_number.in_(s.id_numbers)] if s.id_numbers else [])]
    related = related_case_ids(case) | {case.id}
    if s.village_id is not None:  # same names or a similar address there: the village's newest
        # Newest by received time, so that the (village, received) index hands them over in order
        # and the scan stops at the limit; a busy village has thousands in the window.
        newest = (select(Case.id.label("id"), literal(1).label("rank"))
                  .where(in_window, Case.village_id == s.village_id)
                  .order_by(Case.received_at.desc()).limit(CANDIDATES + len(related)).subquery())
        selects.append(select(newest.c.id, newest.c.rank))
    if not selects:
        return []
    found = union_all(*selects).subquery()
    ids = db.session.scalars(select(found.c.id).where(found.c.id.not_in(related)).group_by(found.c.id)
                             .order_by(func.min(found.c.rank), found.c.id.desc()).limit(CANDIDATES)).all()
    if not ids:
        return []
    matches = suggest(s, _sketches(ids))[:limit]
    shown = {c.id: c for c in db.session.scalars(select(Case).where(Case.id.in_([m.case_id for m in matches]))
                                                 .options(joinedload(Case.parties))).unique()}
    return [(shown[m.case_id], m) for m in matches]


def _sketches(ids: list[int]) -> list[CaseSketch]:
    """The candidates as the scoring sees them, from plain rows: ORM objects for 200 cases and their
    parties cost more than the rest of the case page."""
    people: dict[int, list] = {i: [] for i in ids}
    for case_id, phone, id_number, name in db.session.execute(
            select(Party.case_id, Party.phone, Party.id_number, Party.name).where(Party.case_id.in_(ids))):
        people[case_id].append((phone, id_number, name))
    return [CaseSketch(id=row.id, received_at=row.received_at, village_id=row.village_id, address=row.address or "",
                       phones=frozenset(p for p, _, _ in people[row.id] if p),
                       id_numbers=frozenset(n for _, n, _ in people[row.id] if n),
                       names=frozenset(name for _, _, name in people[row.id]), category=row.category)
            for row in db.session.execute(select(Case.id, Case.received_at, Case.village_id, Case.address,
                                                 Case.category).where(Case.id.in_(ids)))]


def linked_cases(case: Case) -> list[Case]:
    pairs = db.session.execute(select(CaseLink.case_id, CaseLink.other_case_id).where(
        or_(CaseLink.case_id == case.id, CaseLink.other_case_id == case.id))).all()
    ids = {i for pair in pairs for i in pair} - {case.id}
    return db.session.scalars(select(Case).where(Case.id.in_(ids)).order_by(Case.id)).all() if ids else []


def link_cases(case: Case, other: Case, user: User, now: datetime) -> None:
    """Cross-reference two cases about the same dispute; both stay as they are."""
    if case.id == other.id:
        raise DomainError("A case cannot be linked to itself.")
    low, high = sorted((case.id, other.id))
    if db.session.get(CaseLink, (low, high)) is not None:
        raise DomainError("These cases are already linked.")
    db.session.add(CaseLink(case_id=low, other_case_id=high, linked_by_id=user.id, linked_at=now))
    for a, b in ((case, other), (other, case)):
        a.updated_at = now
        db.session.add(TimelineEvent(case=a, at=now, actor_id=user.id, action="link", from_status=a.status,
                                     to_status=a.status, details={"linked_case": b.reference}))
    db.session.flush()
    refresh_risk_many([case, other], now)  # one dispute now: neither is the other's repeat any more
