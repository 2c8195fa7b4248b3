"""Likely duplicates across channels: the same dispute reported twice (a 12345 call and a 110
call, a grid report and a platform submission). Scores are simple and explainable."""
from dataclasses import dataclass, field
from datetime import datetime, timedelta

WINDOW = timedelta(days=30)
SUGGEST_AT = 0.5


@dataclass(frozen=True)
class CaseSketch:
    id: int
    received_at: datetime
    village_id: int | None = None
    address: str = ""
    phones: frozenset[str] = field(default_factory=frozenset)
    id_numbers: frozenset[str] = field(default_factory=frozenset)
    names: frozenset[str] = field(default_factory=frozenset)
    category: str = ""


@dataclass(frozen=True)
class Match:
    case_id: int
    score: float
    reasons: tuple[str, ...]


def _bigrams(text: str) -> set[str]:
    text = "".join(ch for ch in text if not ch.isspace())
    for prefix in ("上海市", "嘉定区"):  # shared by every address in town: no evidence
        text = text.replace(prefix, "")
    return {text[i:i + 2] for i in range(len(text) - 1)}


def address_similarity(a: str, b: str) -> float:
    x, y = _bigrams(a or ""), _bigrams(b or "")
    if not x or not y:
        return 0.0
    return len(x & y) / len(x | y)


def score(new: CaseSketch, other: CaseSketch) -> Match:
    """Evidence that `other` is the same dispute as `new`, between 0 and 1.

    A shared person (phone, ID number, or name in the same village) counts once, however it
    shows: the same caller's phone and name are one piece of evidence, not two. What tells
    a duplicate from the same person's next dispute is a second shared person, the place,
    and the kind of dispute.
    """
    if abs(new.received_at - other.received_at) > WINDOW:
        return Match(other.id, 0.0, ())
    reasons = []
    if new.phones & other.phones:
        reasons.append("same_phone")
    if new.id_numbers & other.id_numbers:
        reasons.append("same_id_number")
    shared_names = new.names & other.names if new.village_id is not None and new.village_id == other.village_id \
        else frozenset()
    if shared_names:
        reasons.append("same_name_same_village")
    points = 0.5 if {"same_phone", "same_id_number"} & set(reasons) else 0.4 if shared_names else 0.0
    if len(shared_names) >= 2:
        points += 0.3
        reasons.append("two_shared_parties")
    if address_similarity(new.address, other.address) >= 0.6:
        points += 0.3
        reasons.append("similar_address")
    if new.category and new.category == other.category:
        points += 0.1
        reasons.append("same_category")
    elif new.category and other.category and len(shared_names) < 2:
        points -= 0.2  # one shared person, another kind of dispute: likely their next dispute
    if len(new.names) >= 2 and len(other.names) >= 2 and len(new.names & other.names) == 1:
        points -= 0.2  # both name a counterpart, and it is someone else: another dispute
    return Match(other.id, round(max(0.0, min(points, 1.0)), 2), tuple(reasons))


def suggest(new: CaseSketch, candidates: list[CaseSketch]) -> list[Match]:
    """Candidates worth a supervisor's look, best first."""
    matches = [score(new, c) for c in candidates if c.id != new.id]
    return sorted((m for m in matches if m.score >= SUGGEST_AT), key=lambda m: (-m.score, m.case_id))
