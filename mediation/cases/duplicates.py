"""Find likely duplicates of a case in the database; link two cases."""
from datetime import datetime

from sqlalchemy import and_, or_, select, union
from sqlalchemy.orm import selectinload

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
    """Open or recent cases within 30 days that share a phone, ID, name in the village, or address."""
    s = sketch(case)
    in_window = and_(Case.received_at >= case.received_at - WINDOW, Case.received_at <= case.received_at + WINDOW,
                     Case.status != Status.MERGED.value)
    # One indexed select per kind of evidence (phone, ID number, village), united: an OR across
    # them would join every party of every case in the window.
    selects = [select(Party.case_id.label("id")).join(Case, Case.id == Party.case_id).where(in_window, match)
               for match in ([Party.phone.in_(s.phones)] if s.phones else [])
               + ([Party.id_number.in_(s.id_numbers)] if s.id_numbers else [])]
    if s.village_id is not None:  # same names or a similar address there
        selects.append(select(Case.id.label("id")).where(in_window, Case.village_id == s.village_id))
    if not selects:
        return []
    related = related_case_ids(case) | {case.id}
    found = union(*selects).subquery()
    ids = db.session.scalars(select(found.c.id).where(found.c.id.not_in(related)).limit(CANDIDATES)).all()
    if not ids:
        return []
    candidates = db.session.scalars(select(Case).where(Case.id.in_(ids))
                                    .options(selectinload(Case.parties))).all()
    by_id = {c.id: c for c in candidates}
    return [(by_id[m.case_id], m) for m in suggest(s, [sketch(c) for c in candidates])[:limit]]


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
