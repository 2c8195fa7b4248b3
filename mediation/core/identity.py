"""Validation and masking of personal identifiers (mainland mobile numbers, resident ID numbers)."""
import re
from datetime import date

from .errors import N_

_MOBILE = re.compile(r"^1[3-9][0-9]{9}$")  # ASCII digits only: full-width ones would defeat matching
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def normalize_phone(value: str) -> str:
    return re.sub(r"[\s-]", "", value or "")


def is_valid_mobile(value: str) -> bool:
    return bool(_MOBILE.match(normalize_phone(value)))


def id_number_problem(value: str) -> str | None:
    """None when `value` is a valid 18-character resident ID (GB 11643), else what is wrong."""
    v = (value or "").strip().upper()
    if len(v) != 18:
        return N_("An ID number has 18 characters.")
    if not v.isascii() or not v[:17].isdigit() or not (v[17].isdigit() or v[17] == "X"):
        return N_("An ID number has 17 digits and a final digit or X.")
    try:
        date(int(v[6:10]), int(v[10:12]), int(v[12:14]))
    except ValueError:
        return N_("The date of birth in the ID number is not a real date.")
    check = _ID_CHECK[sum(int(d) * w for d, w in zip(v[:17], _ID_WEIGHTS)) % 11]
    if v[17] != check:
        return N_("The ID number's check digit is wrong.")
    return None


def mask_phone(value: str | None) -> str:
    """138****1234: enough to recognise a caller, not to call them."""
    if not value:
        return ""
    v = normalize_phone(value)
    if len(v) <= 7:
        return "*" * len(v)
    return v[:3] + "*" * (len(v) - 7) + v[-4:]


def mask_id_number(value: str | None) -> str:
    if not value:
        return ""
    return value[:3] + "*" * (len(value) - 7) + value[-4:] if len(value) > 7 else "*" * len(value)


def mask_address(value: str | None, keep: int = 6) -> str:
    """Keep the start (town, village) and hide the house number and detail."""
    if not value:
        return ""
    keep = min(keep, max(len(value) - 3, 0))  # a short address still hides its house number
    return value[:keep] + "****"


_ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])[0-9]{17}[0-9Xx](?![0-9A-Za-z])")
_MOBILE_IN_TEXT = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")


def scrub_identifiers(text: str | None) -> str:
    """Mask mobile and resident ID numbers written into free text (summaries, records)."""
    if not text:
        return ""
    text = _ID_IN_TEXT.sub(lambda m: mask_id_number(m.group(0)), text)
    return _MOBILE_IN_TEXT.sub(lambda m: mask_phone(m.group(0)), text)
