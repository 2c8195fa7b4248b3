"""Validation and masking of personal identifiers (mainland mobile numbers, resident ID numbers)."""
import re
from datetime import date

from .errors import N_

_MOBILE = re.compile(r"^1[3-9][0-9]{9}$")  # ASCII digits only: full-width ones would defeat matching
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"

# How long a phone or ID number may be as typed, at every edge and in parties.*_typed:
# "(0512) 6666 8888 转 123456" and a spaced 18-character ID fit, a pasted paragraph does not.
TYPED_MAX = 32

# The checks below are the older, stricter ones (11-digit mobiles, 18-character IDs) that
# core.cells and the masks use. The form, the API and the import read numbers with
# core.contact (landlines, +86, full-width digits, 15-digit IDs) and store its normal forms.


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


def mask_name(value: str | None) -> str:
    """张*国, 张*: the surname and (for three characters or more) the last character stay."""
    if not value:
        return ""
    v = value.strip()
    if len(v) <= 1:
        return "*" * len(v)
    if len(v) == 2:
        return v[0] + "*"
    return v[0] + "*" * (len(v) - 2) + v[-1]


# Free text: identifiers as people actually type them. A digit is ASCII or full-width (an input
# method's full-width mode gives １３８...); groups may be split by one space or dash.
_D = "[0-9\uff10-\uff19]"
_SEP = "[ \u3000\\-\u2010-\u2015\u2212\uff0d]?"
_TO_ASCII = str.maketrans("０１２３４５６７８９Ｘｘ", "0123456789Xx")
_IDENTIFIER_IN_TEXT = re.compile(
    # Not the middle of a longer number, nor of a word or reference (XH-2026-000123 stays).
    "(?<![0-9\uff10-\uff19A-Za-z])(?:"
    # resident ID, 18 characters: region 6, birth date 8, sequence 3, check digit or X (also 6-8-4 spaced)
    rf"(?P<id18>{_D}{{6}}{_SEP}{_D}{{8}}{_SEP}{_D}{{3}}[0-9\uff10-\uff19Xx\uff38\uff58])"
    # mainland mobile, maybe after +86 / 0086 / (+86), whole or as 3-4-4
    rf"|(?P<mobile>(?P<mobile_prefix>(?:[+\uff0b]|00|\uff10\uff10)[8\uff18][6\uff16]{_SEP}"
    rf"|[(\uff08][+\uff0b]?[8\uff18][6\uff16][)\uff09]{_SEP})?"
    rf"(?P<mobile_digits>[1\uff11][3-9\uff13-\uff19]{_D}{_SEP}{_D}{{4}}{_SEP}{_D}{{4}}))"
    # old resident ID, 15 digits (also 6-6-3 spaced)
    rf"|(?P<id15>{_D}{{6}}{_SEP}{_D}{{6}}{_SEP}{_D}{{3}})"
    # landline: area code (010 and 02x have three digits, the rest four), 7 or 8 digits, maybe an extension
    rf"|(?P<landline>(?P<area_open>[(\uff08])?(?P<area>[0\uff10](?:[12\uff11\uff12]{_D}|[3-9\uff13-\uff19]{_D}{{2}}))"
    rf"(?(area_open)[)\uff09]){_SEP}(?P<local>{_D}{{3,4}}{_SEP}{_D}{{4}})"
    rf"(?:(?:[-\uff0d#xX]|\u8f6c|ext\.?)(?P<ext>{_D}{{1,6}}))?)"
    ")(?![0-9\uff10-\uff19A-Za-z])")
_MAY_HOLD_IDENTIFIER = re.compile(f"{_D}{{3}}")  # every form above has three digits in a row


def _digits(text: str) -> str:
    return re.sub(r"[^0-9X]", "", text.translate(_TO_ASCII).upper())


def _mask_match(m: re.Match) -> str:
    if m.group("mobile"):  # the country code stays as written: it says nothing about the person
        return (m.group("mobile_prefix") or "") + mask_phone(_digits(m.group("mobile_digits")))
    if m.group("landline"):
        local = _digits(m.group("local"))
        masked = f"{_digits(m.group('area'))}-{'*' * (len(local) - 4)}{local[-4:]}"
        return masked + ("-" + "*" * len(m.group("ext")) if m.group("ext") else "")
    return mask_id_number(_digits(m.group(0)))


def may_hold_identifier(text: str) -> bool:
    """A cheap test: False means `scrub_identifiers` would return `text` unchanged."""
    return _MAY_HOLD_IDENTIFIER.search(text) is not None


def scrub_identifiers(text: str | None) -> str:
    """The one scrubber for free text (summaries, session records, decisions, minutes, notes) on
    every page, print, export, notice and API answer: masks mobile numbers (+86, 0086, spaces,
    dashes, full-width digits), landlines (with area code, maybe an extension) and 15- and
    18-digit resident ID numbers; amounts, dates and case references stay as written."""
    if not text:
        return ""
    if not may_hold_identifier(text):
        return text
    return _IDENTIFIER_IN_TEXT.sub(_mask_match, text)
