"""The search box: a case's terms written beside it, and a query answered from them.

Terms come from `core.search`; they live in `case_search_terms`, whose primary key
(term, case_id) is the index every lookup walks. A query is a few alternatives (phone, reference
fragment, name, summary words), each a set of terms that must all be present; the rarest term
drives the walk, newest case first, and stops at the page size, so a common word costs no
more than a rare one.
"""
from collections.abc import Iterable

from sqlalchemy import delete, exists, func, select
from sqlalchemy.orm import joinedload

from ..auth.models import User
from ..core.search import Alternative, case_terms, plan
from ..extensions import db
from .access import visibility_clause
from .models import Case, CaseSearchTerm, Party

RARITY_PROBE = 2000  # postings counted per term to find the rarest (a bounded count)


def index_cases(case_ids: Iterable[int]) -> int:
    """(Re)write the search terms of these cases from their current text; returns terms written."""
    ids = sorted(set(case_ids))
    if not ids:
        return 0
    rows = db.session.execute(select(Case.id, Case.reference, Case.external_ref, Case.summary)
                              .where(Case.id.in_(ids))).all()
    parties: dict[int, list[tuple[str, str | None]]] = {}
    for case_id, name, phone in db.session.execute(
            select(Party.case_id, Party.name, Party.phone).where(Party.case_id.in_(ids))):
        parties.setdefault(case_id, []).append((name, phone))
    terms = [{"case_id": row.id, "term": term} for row in rows
             for term in case_terms(row.reference, row.external_ref, [n for n, _p in parties.get(row.id, [])],
                                    [p for _n, p in parties.get(row.id, [])], row.summary)]
    db.session.execute(delete(CaseSearchTerm).where(CaseSearchTerm.case_id.in_(ids)))
    if terms:
        db.session.execute(CaseSearchTerm.__table__.insert(), terms)
    return len(terms)


def index_new_cases(cases: Iterable[Case]) -> int:
    """Write the search terms of cases just registered (flushed, so they have ids; no terms
    yet) from the objects in hand: one INSERT, no read back. Returns terms written."""
    terms = [{"case_id": case.id, "term": term} for case in cases
             for term in case_terms(case.reference, case.external_ref, [p.name for p in case.parties],
                                    [p.phone for p in case.parties], case.summary)]
    if terms:
        db.session.execute(CaseSearchTerm.__table__.insert(), terms)
    return len(terms)


def search_cases(user: User, query: str, limit: int, filters: Iterable = ()) -> list[Case]:
    """Up to `limit` cases the user may see that match `query` (and `filters`, clauses on Case), best
    alternative first, newest first within one; a fixed number of statements whatever the size."""
    filters = list(filters)
    found: list[int] = []
    for alternative in plan(query):
        if len(found) >= limit:
            break
        found += [i for i in _matching_ids(alternative, user, limit + len(found), filters) if i not in found]
    found = found[:limit]
    if not found:
        return []
    cases = {c.id: c for c in db.session.scalars(select(Case).where(Case.id.in_(found)).options(
        joinedload(Case.lead_office), joinedload(Case.village), joinedload(Case.mediator)))}
    return [cases[i] for i in found if i in cases]


def _rarest_first(terms: tuple[str, ...]) -> list[str]:
    if len(terms) == 1:
        return list(terms)
    probe = {term: db.session.scalar(select(func.count()).select_from(
        select(CaseSearchTerm.case_id).where(CaseSearchTerm.term == term).limit(RARITY_PROBE).subquery()))
        for term in terms}
    return sorted(terms, key=lambda t: probe[t])


def _matching_ids(alternative: Alternative, user: User, limit: int, filters: list) -> list[int]:
    rarest, *others = _rarest_first(alternative.terms)
    driver = CaseSearchTerm.__table__.alias("driver")
    stmt = (select(driver.c.case_id).join(Case, Case.id == driver.c.case_id)
            .where(driver.c.term == rarest).order_by(driver.c.case_id.desc()).limit(limit))
    for term in others:
        other = CaseSearchTerm.__table__.alias()
        stmt = stmt.where(exists().where(other.c.term == term, other.c.case_id == driver.c.case_id))
    clause = visibility_clause(user)
    if clause is not None:
        stmt = stmt.where(clause)
    if filters:
        stmt = stmt.where(*filters)
    return list(db.session.scalars(stmt))
