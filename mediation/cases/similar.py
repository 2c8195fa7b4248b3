"""类案参考: the closed cases most like an open one, how they ended and how long they took, masked.

The scoring rules are plain Python in core/similar.py (its docstring gives the design). Here:
- The index: `similar_terms` (term, case_id, category, weight), one row per term of a closed case, and
  `similar_term_counts` (term, cases), the document frequencies, with the number of indexed cases under
  the empty term. `index_closed_case` writes a case's rows when it closes and `unindex_case` removes
  them when it reopens, in the caller's transaction (cases/services.py `perform`), so the index never
  disagrees with the cases; `rebuild` (`flask similar rebuild`) rewrites it all. Counts are changed in
  term order, so two closings at once on PostgreSQL take their row locks in the same order (no deadlock).
- A query: the query case's K rarest indexed terms, each read newest case first and at most
  POSTINGS_PER_TERM rows deep, summed per case as BM25 (weight × IDF) plus the category bonus, in one
  set-based statement that SQLite and PostgreSQL run alike; then the five winners' outcomes, parties (to
  mask them), shared terms and visibility, one statement each. A fixed number of statements, and rows
  read bounded by K × POSTINGS_PER_TERM whatever the number of cases.
- What is shown of another case: reference (a link only for a user who may see that case, via
  access.in_scope), category, outcome code, agreed amount, a short excerpt of the agreement or where it
  was referred (its parties' names and addresses masked, then core.identity.scrub_identifiers), days from
  receipt to closing, the score and the shared phrases (from the query case's own text; names of either
  side never become terms).
"""
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from sqlalchemy import bindparam, delete, func, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..auth.models import User
from ..core.lifecycle import Status
from ..core.similar import (COUNT_TERM, MIN_SHARED, POSTINGS_PER_TERM, RELATED_BONUS, SAME_CATEGORY_BONUS,
                            case_text, days_taken, document_weights, masked_excerpt, query_terms,
                            related_categories, shared_phrases, terms_of)
from ..extensions import db
from ..organisation.town import current_town
from .access import in_scope
from .models import Case, CaseOutcome, MediationSession, Party
from .similar_models import SimilarTerm, SimilarTermCount

INDEXED_STATUSES = (Status.CLOSED.value, Status.FOLLOWED_UP.value, Status.ARCHIVED.value)
REBUILD_CHUNK = 2000


@dataclass(frozen=True)
class SimilarCase:
    reference: str
    category: str
    outcome: str  # an Outcome code: label('outcome', …) reads it
    amount: Decimal | None
    excerpt: str  # masked
    days_taken: int
    score: float
    why: tuple[str, ...]  # phrases of the query case's text the other case shares
    visible: bool  # the user may open it


# ---- the index ------------------------------------------------------------------------------------

def _documents(ids: list[int]) -> dict[int, tuple[str, dict[str, float]]]:
    """(category, term weights) of those of `ids` that are closed, read in three statements."""
    cases = db.session.execute(select(Case.id, Case.category, Case.summary, Case.address)
                               .where(Case.id.in_(ids), Case.status.in_(INDEXED_STATUSES))).all()
    if not cases:
        return {}
    found = [c.id for c in cases]
    records: dict[int, list[str]] = {}
    for case_id, record in db.session.execute(
            select(MediationSession.case_id, MediationSession.record).where(MediationSession.case_id.in_(found))
            .order_by(MediationSession.case_id, MediationSession.held_at, MediationSession.id)):
        records.setdefault(case_id, []).append(record)
    hide: dict[int, list[str]] = {}
    for case_id, name, address in db.session.execute(
            select(Party.case_id, Party.name, Party.address).where(Party.case_id.in_(found))):
        hide.setdefault(case_id, []).extend([name or "", address or ""])
    return {c.id: (c.category, document_weights(case_text(c.summary, records.get(c.id, []),
                                                          [c.address or "", *hide.get(c.id, [])])))
            for c in cases}


def _insert_postings(docs: dict[int, tuple[str, dict[str, float]]]) -> Counter:
    rows = [(term, case_id, category, weight)
            for case_id, (category, weights) in docs.items() for term, weight in weights.items()]
    if rows:
        # Straight to the driver's executemany: tens of rows a case, and building a parameter dict per row
        # through the expression language doubled a rebuild's time.
        connection = db.session.connection()
        mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"
        connection.exec_driver_sql(f"INSERT INTO similar_terms (term, case_id, category, weight) "
                                   f"VALUES ({mark}, {mark}, {mark}, {mark})", rows)
    counts = Counter(term for _category, weights in docs.values() for term in weights)
    counts[COUNT_TERM] += len(docs)
    return counts


def _change_counts(deltas: dict[str, int]) -> None:
    """Add `deltas` to the document frequencies, in term order; rows that reach zero go."""
    table = SimilarTermCount.__table__
    up = [{"term": t, "cases": d} for t, d in sorted(deltas.items()) if d > 0]
    down = [{"t": t, "d": -d} for t, d in sorted(deltas.items()) if d < 0]
    if up:
        insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
        stmt = insert(table)
        db.session.execute(stmt.on_conflict_do_update(index_elements=[table.c.term],
                                                      set_={"cases": table.c.cases + stmt.excluded.cases}), up)
    if down:
        db.session.execute(update(table).where(table.c.term == bindparam("t"))
                           .values(cases=table.c.cases - bindparam("d")), down)
        db.session.execute(delete(table).where(table.c.term.in_([r["t"] for r in down]), table.c.cases <= 0))


def index_closed_cases(case_ids: Iterable[int]) -> int:
    """(Re)write the similar-cases terms of these cases if they are closed (closed, followed up, archived);
    returns the number of cases indexed. Call it in the transaction that closes them."""
    ids = sorted(set(case_ids))
    if not ids:
        return 0
    unindex_cases(ids)
    docs = _documents(ids)
    _change_counts(_insert_postings(docs))
    return len(docs)


def index_closed_case(case: Case) -> None:
    """After `perform(case, Action.CLOSE, …)`, in the same transaction."""
    db.session.flush()
    index_closed_cases([case.id])


def unindex_cases(case_ids: Iterable[int]) -> None:
    ids = sorted(set(case_ids))
    if not ids:
        return
    table = SimilarTerm.__table__
    counts = dict(db.session.execute(select(table.c.term, func.count()).where(table.c.case_id.in_(ids))
                                     .group_by(table.c.term)).all())
    if not counts:
        return
    indexed = db.session.scalar(select(func.count(table.c.case_id.distinct())).where(table.c.case_id.in_(ids)))
    db.session.execute(delete(table).where(table.c.case_id.in_(ids)))
    _change_counts({**{t: -c for t, c in counts.items()}, COUNT_TERM: -indexed})


def unindex_case(case_id: int) -> None:
    """After `perform(case, Action.REOPEN, …)` (or anything else that takes a case out of the closed
    states), in the same transaction."""
    unindex_cases([case_id])


def rebuild(chunk: int = REBUILD_CHUNK, progress: Callable[[int], None] | None = None,
            commit: bool = True) -> int:
    """Rewrite the whole index from the closed cases, chunk by chunk (committed each, when `commit`),
    the document frequencies last, in one set-based statement. Returns the number of cases indexed.
    Run it when nobody is closing cases: a closing meanwhile may be counted twice until the next run."""
    db.session.execute(delete(SimilarTermCount.__table__))
    db.session.execute(delete(SimilarTerm.__table__))
    done, last = 0, 0
    while True:
        ids = list(db.session.scalars(select(Case.id).where(Case.id > last, Case.status.in_(INDEXED_STATUSES))
                                      .order_by(Case.id).limit(chunk)))
        if not ids:
            break
        last = ids[-1]
        docs = _documents(ids)
        _insert_postings(docs)
        done += len(docs)
        if commit:
            db.session.commit()
        if progress:
            progress(done)
    terms = SimilarTerm.__table__
    db.session.execute(SimilarTermCount.__table__.insert().from_select(
        ["term", "cases"], select(terms.c.term, func.count()).group_by(terms.c.term)))
    db.session.execute(SimilarTermCount.__table__.insert().values(
        term=COUNT_TERM, cases=select(func.count(terms.c.case_id.distinct())).scalar_subquery()))
    if commit:
        db.session.commit()
    return done


# ---- the query ------------------------------------------------------------------------------------

def _query_text(case: Case) -> str:
    hide = [case.address or ""] + [x for p in case.parties for x in (p.name or "", p.address or "")]
    return case_text(case.summary, [s.record for s in case.sessions], hide)


@lru_cache(maxsize=None)
def _ranking_sql(branches: int):
    """The ranking statement for `branches` query terms, built once per count: written as SQL text
    because building and compiling a 24-branch UNION in the expression language costs more than
    running it. Each branch walks the primary key of one term, newest case first, LIMIT :p."""
    walks = " UNION ALL ".join(
        f"SELECT case_id, category, weight * :w{i} AS score FROM (SELECT case_id, category, weight "
        f"FROM similar_terms WHERE term = :t{i} ORDER BY case_id DESC LIMIT :p) AS b{i}" for i in range(branches))
    return text(
        f"SELECT case_id, SUM(score) + CASE WHEN category = :category THEN :same ELSE :related END AS total "
        f"FROM ({walks}) AS postings WHERE case_id <> :self AND category IN :categories "
        f"GROUP BY case_id, category HAVING COUNT(*) >= :shared ORDER BY total DESC, case_id DESC LIMIT :lim"
    ).bindparams(bindparam("categories", expanding=True))


def _ranked(case: Case, chosen: list[tuple[str, float]], limit: int) -> list[tuple[int, float]]:
    """(case id, score) of the best `limit` candidates: one statement, at most K × POSTINGS_PER_TERM rows."""
    params = {"category": case.category, "same": SAME_CATEGORY_BONUS, "related": RELATED_BONUS, "self": case.id,
              "categories": sorted(related_categories(case.category)), "shared": min(MIN_SHARED, len(chosen)),
              "lim": limit, "p": POSTINGS_PER_TERM}
    for i, (term, weight) in enumerate(chosen):
        params[f"t{i}"], params[f"w{i}"] = term, weight
    return [(row.case_id, float(row.total)) for row in db.session.execute(_ranking_sql(len(chosen)), params)]


def similar_cases(case: Case, limit: int = 5, user: User | None = None) -> list[SimilarCase]:
    """The `limit` closed cases most like `case`, best first; `visible` says whether `user` (if given)
    may open each. A fixed number of statements (the case's sessions and parties, if not loaded yet,
    then at most six)."""
    text = _query_text(case)
    terms = terms_of(text)
    if not terms:
        return []
    counts = SimilarTermCount.__table__
    df = dict(db.session.execute(select(counts.c.term, counts.c.cases)
                                 .where(counts.c.term.in_(sorted(terms) + [COUNT_TERM]))).all())
    n = df.pop(COUNT_TERM, 0)
    chosen = query_terms(terms, df, n)
    if not chosen:
        return []
    ranked = _ranked(case, chosen, limit)
    ids = [case_id for case_id, _score in ranked]
    if not ids:
        return []
    rows = {row.id: row for row in db.session.execute(
        select(Case.id, Case.reference, Case.category, Case.received_at, Case.address, CaseOutcome.outcome,
               CaseOutcome.amount, CaseOutcome.agreement_text, CaseOutcome.referred_to, CaseOutcome.closed_at)
        .join(CaseOutcome, CaseOutcome.case_id == Case.id).where(Case.id.in_(ids)))}
    names: dict[int, list[str]] = {}
    addresses: dict[int, list[str]] = {}
    for case_id, name, address in db.session.execute(
            select(Party.case_id, Party.name, Party.address).where(Party.case_id.in_(ids))):
        names.setdefault(case_id, []).append(name or "")
        addresses.setdefault(case_id, []).append(address or "")
    table = SimilarTerm.__table__
    shared: dict[int, set[str]] = {}
    for case_id, term in db.session.execute(select(table.c.case_id, table.c.term).where(
            table.c.case_id.in_(ids), table.c.term.in_([t for t, _w in chosen]))):
        shared.setdefault(case_id, set()).add(term)
    if user is None:
        visible: set[int] = set()
    else:
        visible = set(db.session.scalars(select(Case.id).where(Case.id.in_(ids), in_scope(user))))
    tz = current_town().tz
    found = []
    for case_id, score in ranked:
        row = rows.get(case_id)
        if row is None:  # reopened since it was indexed (the index is behind): not a closed case now
            continue
        found.append(SimilarCase(
            reference=row.reference, category=row.category, outcome=row.outcome, amount=row.amount,
            excerpt=masked_excerpt(row.agreement_text or row.referred_to, names.get(case_id, []),
                                   [row.address or "", *addresses.get(case_id, [])]),
            days_taken=days_taken(row.received_at, row.closed_at, tz), score=round(score, 2),
            why=tuple(shared_phrases(text, shared.get(case_id, set()))), visible=case_id in visible))
    return found
