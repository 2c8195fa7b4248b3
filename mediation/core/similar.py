"""类案参考: which closed cases read like this one, in plain Python (the database side is cases/similar.py).

Design, briefly:
- Text: a case's summary and its session records (调解记录), with its parties' names and addresses cut out
  first, so a name is never a reason for a match and never appears among the shared terms shown.
- Terms: Chinese has no spaces, so words are character bigrams of each run of Han characters (漏水, 宅基,
  基地 …), as the search box does (core/search.py); Latin words of two letters or more count whole;
  digits never do (amounts, phones and dates say nothing about what the dispute is).
- Weights: each term of an indexed case carries a BM25 document weight (term frequency saturated, a mild
  length normalisation against a fixed average length, so writing one case never touches the others);
  a query multiplies it by the term's IDF from the document-frequency table and sums (BM25).
- Bounded work: a query uses only the K_RAREST rarest of its terms that occur in closed cases (the
  distinctive ones carry nearly all the score), skips terms in more than MAX_DF_SHARE of them, and
  reads at most POSTINGS_PER_TERM postings per term, newest first: a fixed number of rows whatever the
  number of cases.
- Category: candidates must be of the same category or a related one (RELATED, a small map); the same
  category adds SAME_CATEGORY_BONUS, a related one RELATED_BONUS (in IDF units: a shared rare term is
  worth ~7-13, so the bonus orders near-ties and never outweighs the text).
"""
import math
import re
from collections import Counter
from collections.abc import Iterable
from datetime import datetime, tzinfo

from .identity import mask_address, mask_name, scrub_identifiers

MAX_TERM = 16  # characters of a Latin word kept as a term (the column's width)
MAX_TEXT = 6000  # characters of a case's text looked at: the summary and the first records
MAX_TERMS_PER_CASE = 600  # distinct terms indexed per case, at most
K_RAREST = 24  # query terms used
POSTINGS_PER_TERM = 400  # postings read per query term, newest case first
MAX_DF_SHARE = 0.05  # a term in more than this share of the closed cases (and in more than
# POSTINGS_PER_TERM of them: a small town's every term counts) is no evidence
MIN_SHARED = 2  # a candidate shares at least this many of the query terms
BM25_K1, BM25_B, AVERAGE_TERMS = 1.2, 0.5, 80
SAME_CATEGORY_BONUS, RELATED_BONUS = 2.0, 1.0
EXCERPT_CHARS = 80
COUNT_TERM = ""  # the document-frequency table's row holding the number of indexed cases

_HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_HAN_RUN = re.compile(rf"[{_HAN}]+")
_RUNS = re.compile(rf"[{_HAN}]+|[A-Za-z][0-9A-Za-z]+")

# Disputes that are often the same dispute under another heading (the Ministry of Justice categories,
# core/vocab.py). Symmetric; 其他 is related to nothing but itself.
_RELATED_PAIRS = (
    ("邻里", "房屋宅基地"), ("邻里", "物业"), ("邻里", "环境污染"), ("邻里", "损害赔偿"),
    ("房屋宅基地", "山林土地"), ("房屋宅基地", "征地拆迁"), ("房屋宅基地", "婚姻家庭"), ("房屋宅基地", "合同"),
    ("山林土地", "征地拆迁"), ("山林土地", "合同"), ("征地拆迁", "婚姻家庭"),
    ("合同", "生产经营"), ("合同", "消费"), ("合同", "劳动争议"), ("生产经营", "劳动争议"),
    ("生产经营", "环境污染"), ("损害赔偿", "道路交通事故"), ("损害赔偿", "医疗"), ("损害赔偿", "劳动争议"),
    ("损害赔偿", "物业"), ("消费", "医疗"), ("物业", "房屋宅基地"),
)
RELATED: dict[str, frozenset[str]] = {}
for _a, _b in _RELATED_PAIRS:
    RELATED[_a] = RELATED.get(_a, frozenset()) | {_b}
    RELATED[_b] = RELATED.get(_b, frozenset()) | {_a}


def related_categories(category: str) -> frozenset[str]:
    """The category itself and those related to it: the categories a similar case may have."""
    return frozenset({category}) | RELATED.get(category, frozenset())


def category_bonus(query_category: str, other_category: str) -> float:
    if other_category == query_category:
        return SAME_CATEGORY_BONUS
    return RELATED_BONUS if other_category in RELATED.get(query_category, ()) else 0.0


def _cut(text: str, hide: Iterable[str]) -> str:
    """`text` with each of `hide` (names, addresses) replaced by a break, longest first."""
    for item in sorted({h.strip() for h in hide if h and len(h.strip()) >= 2}, key=len, reverse=True):
        text = text.replace(item, " | ")
    return text


def case_text(summary: str | None, records: Iterable[str | None], hide: Iterable[str] = ()) -> str:
    """What a case is compared by: summary and session records, without its parties' names and addresses."""
    text = "\n".join([summary or "", *(r or "" for r in records)])[:MAX_TEXT]
    return _cut(text, hide)


def _bigrams(run: str) -> list[str]:
    return [run[i:i + 2] for i in range(len(run) - 1)]


def terms_of(text: str) -> Counter:
    """Term frequencies of `text`: Han bigrams and Latin words (lower case)."""
    counts: Counter = Counter()
    for run in _RUNS.findall((text or "").lower()):
        if _HAN_RUN.match(run):
            counts.update(_bigrams(run))
        else:
            counts[run[:MAX_TERM]] += 1
    return counts


def document_weights(text: str) -> dict[str, float]:
    """Each term's BM25 document weight, tf·(k1+1) / (tf + k1·(1-b+b·len/avg)), for the index; at most
    MAX_TERMS_PER_CASE terms (the most frequent, then the first seen)."""
    counts = terms_of(text)
    length = sum(counts.values())
    norm = BM25_K1 * (1 - BM25_B + BM25_B * length / AVERAGE_TERMS)
    kept = counts.most_common(MAX_TERMS_PER_CASE)
    return {term: round(tf * (BM25_K1 + 1) / (tf + norm), 4) for term, tf in kept}


def idf(df: int, n: int) -> float:
    """BM25's IDF, never negative."""
    return math.log(1 + (n - df + 0.5) / (df + 0.5))


def query_terms(terms: Iterable[str], df: dict[str, int], n: int, k: int = K_RAREST) -> list[tuple[str, float]]:
    """The k rarest of `terms` that occur in some closed case and are not too common (MAX_DF_SHARE),
    with their IDF; rarest first (ties by the term, so the choice is the same on every run)."""
    most = max(POSTINGS_PER_TERM, int(n * MAX_DF_SHARE))
    usable = sorted((df[t], t) for t in set(terms) if 0 < df.get(t, 0) <= most)
    return [(t, idf(d, n)) for d, t in usable[:k]]


def shared_phrases(text: str, shared: set[str], limit: int = 3) -> list[str]:
    """The longest stretches of `text` whose every bigram is in `shared` (卫生间漏水 rather than 卫生,
    生间, 间漏, 漏水), longest first, at most `limit`; Latin terms as they are."""
    phrases: list[str] = []
    for run in _RUNS.findall((text or "").lower()):
        if not _HAN_RUN.match(run):
            if run[:MAX_TERM] in shared:
                phrases.append(run[:MAX_TERM])
            continue
        start = None
        for i in range(len(run) - 1):
            if run[i:i + 2] in shared:
                start = i if start is None else start
                continue
            if start is not None:
                phrases.append(run[start:i + 1])
                start = None
        if start is not None:
            phrases.append(run[start:])
    unique = list(dict.fromkeys(phrases))
    unique = [p for p in unique if not any(p != q and p in q for q in unique)]
    return sorted(unique, key=len, reverse=True)[:limit]


def masked_excerpt(text: str | None, names: Iterable[str] = (), addresses: Iterable[str] = (),
                   limit: int = EXCERPT_CHARS) -> str:
    """A short excerpt of another case's outcome safe to show anyone: its parties' names as 张*,
    addresses cut to the village, then phone and ID numbers masked by the one scrubber; cut to
    `limit` characters only after masking, so no half number escapes it."""
    text = (text or "").strip()
    for name in sorted({n.strip() for n in names if n and n.strip()}, key=len, reverse=True):
        text = text.replace(name, mask_name(name))
    for address in sorted({a.strip() for a in addresses if a and len(a.strip()) >= 4}, key=len, reverse=True):
        text = text.replace(address, mask_address(address))
    text = re.sub(r"\s+", " ", scrub_identifiers(text))
    return text if len(text) <= limit else text[:limit - 1] + "…"


def days_taken(received_at: datetime, closed_at: datetime, tz: tzinfo) -> int:
    """Calendar days from receipt to closing, by the town's dates (received and closed the same day: 0)."""
    return max(0, (closed_at.astimezone(tz).date() - received_at.astimezone(tz).date()).days)
