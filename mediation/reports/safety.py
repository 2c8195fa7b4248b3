"""Spreadsheet cells that cannot run as formulas (OWASP, CSV/formula injection); free text
handed to one party without the other parties' names."""
import re
from collections.abc import Iterable

from ..core.identity import mask_name, scrub_identifiers

# A spreadsheet treats a cell starting with one of these as a formula (or, for tab and CR,
# may after re-import); a leading quote makes it plain text.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def formula_safe(value):
    """A string cell that would start a formula gets a leading single quote; other values pass."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def mask_names_in(text: str, names: Iterable[str], keep: Iterable[str] = ()) -> str:
    """`text` with each of `names` (two characters or more) written as mask_name does (李四 → 李*,
    欧阳明月 → 欧**月) and every phone or ID number scrubbed: a summary fit for a slip one party takes
    home. A name in `keep` (the reader's own) is left whole even when another name is part of it."""
    masked = {n.strip(): mask_name(n) for n in names if n and len(n.strip()) >= 2}
    kept = {n.strip(): n.strip() for n in keep if n and len(n.strip()) >= 2}
    text = scrub_identifiers(text or "")
    if not masked:
        return text
    replacements = {**masked, **kept}
    pattern = re.compile("|".join(re.escape(n) for n in sorted(replacements, key=len, reverse=True)))
    return pattern.sub(lambda m: replacements[m.group(0)], text)
