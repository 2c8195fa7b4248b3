"""What makes a printout or an export safe to hand around: identifiers masked in free text, and
spreadsheet cells that cannot run as formulas (OWASP, CSV/formula injection)."""
import re

from ..core.identity import mask_id_number, mask_phone

_ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])[0-9]{17}[0-9Xx](?![0-9A-Za-z])")
_MOBILE_IN_TEXT = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")

# A spreadsheet treats a cell starting with one of these as a formula (or, for tab and CR,
# may after re-import); a leading quote makes it plain text.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def scrub_identifiers(text: str | None) -> str:
    """Mask mobile and resident ID numbers written into free text (summaries, records)."""
    if not text:
        return ""
    text = _ID_IN_TEXT.sub(lambda m: mask_id_number(m.group(0)), text)
    return _MOBILE_IN_TEXT.sub(lambda m: mask_phone(m.group(0)), text)


def formula_safe(value):
    """A string cell that would start a formula gets a leading single quote; other values pass."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value
