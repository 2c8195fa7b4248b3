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
    if abs(new.received_at - other.received_at) > WINDOW:
        return Match(other.id, 0.0, ())
    points, reasons = 0.0, []
    if new.phones & other.phones:
        points += 0.6
        reasons.append("same_phone")
    if new.id_numbers & other.id_numbers:
        points += 0.6
        reasons.append("same_id_number")
    if new.names & other.names and new.village_id is not None and new.village_id == other.village_id:
        points += 0.4
        reasons.append("same_name_same_village")
    if address_similarity(new.address, other.address) >= 0.6:
        points += 0.3
        reasons.append("similar_address")
    return Match(other.id, min(points, 1.0), tuple(reasons))


def suggest(new: CaseSketch, candidates: list[CaseSketch]) -> list[Match]:
    """Candidates worth a supervisor's look, best first."""
    matches = [score(new, c) for c in candidates if c.id != new.id]
    return sorted((m for m in matches if m.score >= SUGGEST_AT), key=lambda m: (-m.score, m.case_id))
