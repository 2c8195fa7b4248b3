"""The similar-cases index (类案参考, cases/similar.py): postings of closed cases' terms, and how many
closed cases hold each term. Written when a case closes, removed when it reopens, in the same transaction."""
from sqlalchemy import Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class SimilarTerm(db.Model):
    """One term of one closed case, with its BM25 document weight (core/similar.py) and the case's
    category, so a query ranks and filters from the postings alone. The primary key (term, case_id)
    is the walk, newest case first."""

    __tablename__ = "similar_terms"

    term: Mapped[str] = mapped_column(String(16), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True, index=True)
    category: Mapped[str] = mapped_column(String(16))
    weight: Mapped[float] = mapped_column(Float)


class SimilarTermCount(db.Model):
    """How many indexed closed cases hold `term` (document frequency); the row with the empty term
    holds the number of indexed cases."""

    __tablename__ = "similar_term_counts"

    term: Mapped[str] = mapped_column(String(16), primary_key=True)
    cases: Mapped[int] = mapped_column(Integer)
