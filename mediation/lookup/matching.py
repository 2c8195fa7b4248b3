"""What a party types, read as the lookup compares it. Plain Python: no Flask, no database.

The reference as printed (XH-2026-000123) may come lower-case, with full-width characters, long
dashes or spaces, or without dashes (xh2026000123). The digits are the last four of the phone
number proper: for a landline its local number, never the extension, whichever form was stored
(core.contact's normal forms: 13800138000, 021-59591234, 0512-66668888-123, 59591234-12).
"""
import hmac
import re
import unicodedata

REFERENCE_MAX = 24  # Case.reference's column
_DASHES = re.compile(r"[\u2010-\u2015\u2212\uff0d_]")
_SPACES = re.compile(r"\s+")
_UNDASHED = re.compile(r"([A-Z]+)(\d{4})(\d{6,})")
_REFERENCE_SHAPE = re.compile(r"[A-Z0-9]+(?:-[A-Z0-9]+)*")
_DIGITS = re.compile(r"[0-9]{4}")


def normal_reference(typed: str | None) -> str:
    """The reference as stored, or "" for nothing usable: upper-case ASCII, dashes where printed."""
    text = _SPACES.sub("", _DASHES.sub("-", unicodedata.normalize("NFKC", typed or ""))).upper()
    if undashed := _UNDASHED.fullmatch(text):
        text = "-".join(undashed.groups())
    return text if len(text) <= REFERENCE_MAX and _REFERENCE_SHAPE.fullmatch(text) else ""


def normal_digits(typed: str | None) -> str:
    """Four ASCII digits (full-width ones read as such), or "" for anything else."""
    text = _SPACES.sub("", unicodedata.normalize("NFKC", typed or ""))
    return text if _DIGITS.fullmatch(text) else ""


def phone_tail(normal: str | None) -> str | None:
    """The last four digits of a stored (normal-form) number, without its extension."""
    if not normal:
        return None
    parts = normal.split("-")
    number = parts[1] if normal.startswith("0") and len(parts) > 1 else parts[0]
    digits = "".join(c for c in number if c.isdigit())
    return digits[-4:] if len(digits) >= 4 else None


def any_tail_matches(phones, digits: str) -> bool:
    """Whether `digits` are the last four of any of `phones`. Every number is compared, in constant
    time each, so how long it takes says nothing about which one (or whether one) matched."""
    matched = False
    for phone in phones:
        tail = phone_tail(phone) or "\x00" * 4
        matched |= hmac.compare_digest(tail.encode(), digits.encode())
    return matched
