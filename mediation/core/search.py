"""The one search box: which terms a case is found by, and what a typed query looks for.

Chinese has no spaces between words, so whitespace tokens find nothing in 宅基地纠纷. We index
character bigrams instead (a two-character name such as 张伟, or any two characters of a
summary, is one term; a longer word is all of its bigrams), plus exact identifier terms: phone
numbers reduced to digits, and the trailing fragments of references (…000201). The same terms
work on SQLite and PostgreSQL as an ordinary indexed table, so both databases give the same
results; SQLite's FTS5 trigram tokenizer and pg_trgm both need three characters, which misses
the commonest Chinese name length.

Terms carry a kind prefix, so a bigram of a summary never matches a name.
"""
import re
from dataclasses import dataclass

PHONE, REFERENCE, NAME, WORD = "p:", "r:", "n:", "w:"
MIN_FRAGMENT = 3  # the shortest reference fragment searched (…201)
MAX_TERM = 40
MAX_QUERY = 200  # characters of a query looked at: the search box takes 64; a longer one is not typed

_HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUNS = re.compile(rf"[{_HAN}]+|[0-9A-Za-z]+")
_NON_ALNUM = re.compile(r"[^0-9A-Za-z]")
_DIGITS = re.compile(r"\D")
_PHONE_TEXT = re.compile(r"^[0-9+()\s-]+$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")  # NUL and other control characters separate words, as a space


def phone_keys(value: str | None) -> set[str]:
    """Digits a phone number is found by, however it was written: +86 138 1234 5678,
    0086-13812345678, 021-5959 1234 (also found as 59591234), 5959-1234."""
    digits = _DIGITS.sub("", value or "")
    if digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if len(digits) < 7:
        return set()
    keys = {digits}
    if digits.startswith("0") and len(digits) >= 10:  # a landline with its area code
        keys.add(digits[-8:])
    return keys


def _bigrams(text: str) -> set[str]:
    return {text[i:i + 2] for i in range(len(text) - 1)} if len(text) > 1 else {text}


def _text_terms(kind: str, text: str) -> set[str]:
    terms = set()
    for run in _RUNS.findall((text or "").lower()):
        if re.match(rf"[{_HAN}]", run):
            terms.update(kind + gram for gram in _bigrams(run))
        elif len(run) >= 2:
            terms.add(kind + run[:MAX_TERM - 2])
    return terms


def _fragments(identifier: str, shortest: int = MIN_FRAGMENT, longest: int = 8) -> set[str]:
    """The whole identifier (letters and digits only) and its tails of `shortest`..`longest`
    characters: 000201, 00201, 0201, 201 for XH-2026-000201; a fragment is typed from the end."""
    plain = _NON_ALNUM.sub("", identifier or "").lower()[-(MAX_TERM - 2):]
    if len(plain) < shortest:
        return set()
    return {REFERENCE + plain} | {REFERENCE + plain[-n:] for n in range(shortest, min(longest, len(plain)) + 1)}


def case_terms(reference: str, external_ref: str | None, names: list[str], phones: list[str | None],
               summary: str) -> set[str]:
    """Every term a case is found by."""
    terms = _fragments(reference, longest=10) | _fragments(external_ref or "", shortest=4)
    for name in names:
        terms |= _text_terms(NAME, name)
        plain = (name or "").strip().lower()
        if plain:
            terms.add(NAME + plain[:MAX_TERM - 2])  # the whole name too: 王小明 ranks above 王小明明
    for phone in phones:
        terms.update(PHONE + key for key in phone_keys(phone))
    terms |= _text_terms(WORD, summary)
    return terms


@dataclass(frozen=True)
class Alternative:
    """One way a query can match: every term present (AND). `rank` orders the alternatives."""

    kind: str
    terms: tuple[str, ...]
    rank: int


def plan(query: str) -> list[Alternative]:
    """What a typed query looks for, best-ranked first; empty when there is nothing to look for."""
    text = _CONTROL.sub(" ", (query or "")[:MAX_QUERY]).strip()
    if not text:
        return []
    alternatives = []
    phones = phone_keys(text) if _PHONE_TEXT.match(text) else set()
    for key in sorted(phones, key=len, reverse=True):
        alternatives.append(Alternative(PHONE, (PHONE + key,), 0))
    plain = _NON_ALNUM.sub("", text).lower()
    if len(plain) >= MIN_FRAGMENT and not re.search(rf"[{_HAN}]", text):
        alternatives.append(Alternative(REFERENCE, (REFERENCE + plain[-(MAX_TERM - 2):],), 1))
    han = "".join(re.findall(rf"[{_HAN}]+", text.lower()))
    if len(han) >= 2:  # one character alone matches too much to be a search
        alternatives.append(Alternative(NAME, (NAME + han[:MAX_TERM - 2],), 2))
        if len(han) > 2:
            alternatives.append(Alternative(NAME, tuple(sorted(NAME + g for g in _bigrams(han))), 3))
        alternatives.append(Alternative(WORD, tuple(sorted(WORD + g for g in _bigrams(han))), 4))
    elif not han and len(plain) >= 2:
        alternatives.append(Alternative(WORD, (WORD + plain[:MAX_TERM - 2],), 4))
    return alternatives
