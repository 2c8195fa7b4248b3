"""Phone numbers and resident ID numbers as people give them, read into one normal form.

A 12345 caller's number comes as `+86 138 0013 8000`, `138-0013-8000`, `021-59591234`,
`(0512)6666 8888转123` or a bare `59591234`; an older party still carries a 15-digit ID card.
Each is read once here, at every edge (form, API, import), into the normal form that is stored
and matched on; what was typed is kept beside it.
"""
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from .errors import N_

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


class PhoneKind(StrEnum):
    MOBILE = "mobile"
    LANDLINE = "landline"  # with its area code
    LOCAL = "local"  # a landline without area code: the town's own


@dataclass(frozen=True)
class Phone:
    normal: str  # 13800138000, 021-59591234, 0512-66668888-123, 59591234
    kind: PhoneKind


class ContactError(ValueError):
    """`message` is an untranslated msgid; the edge translates it and names the field."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


_SEPARATORS = re.compile(r"[\s\-–—.·()（）]")
_EXTENSION = re.compile(r"(?:转|分机|ext\.?|x|#)\s*(\d{1,6})$", re.IGNORECASE)
_DASH_EXTENSION = re.compile(r"^(0.*\d{7,8})[-\s](\d{1,6})$")  # 021-59591234-123: a landline's extension
_MOBILE = re.compile(r"1[3-9]\d{9}")


def _ascii(value: str) -> str:
    """Full-width digits and letters (１３８, ＋８６) as ASCII."""
    return unicodedata.normalize("NFKC", value or "").strip()


def parse_phone(value: str) -> Phone:
    """The number in normal form, or ContactError saying what is wrong with it."""
    text = _ascii(value)
    if not text:
        raise ContactError(N_("Enter a phone number."))
    extension = ""
    match = _EXTENSION.search(text)
    if match:
        extension, text = match.group(1), text[:match.start()]
    elif match := _DASH_EXTENSION.match(text):
        text, extension = match.group(1), match.group(2)
    international = text.startswith("+")
    digits = _SEPARATORS.sub("", text.lstrip("+"))
    if not digits.isdigit():
        raise ContactError(N_("A phone number has digits only (with +86, spaces, dashes or brackets)."))
    if international or digits.startswith("00"):
        if not digits.startswith(("86", "0086")):
            raise ContactError(N_("Only mainland China numbers (+86) are taken."))
        digits = digits.removeprefix("00")[2:]
        if not digits.startswith("1"):
            digits = "0" + digits  # +86 21 5959 1234: the area code's leading 0 is dropped abroad
    elif len(digits) == 13 and digits.startswith("86") and _MOBILE.fullmatch(digits[2:]):
        digits = digits[2:]
    if digits.startswith("1"):
        if extension or not _MOBILE.fullmatch(digits):
            raise ContactError(N_("A mobile number has 11 digits and starts with 13 to 19."))
        return Phone(digits, PhoneKind.MOBILE)
    if digits.startswith("0"):
        area_length = 3 if digits[1:2] in ("1", "2") else 4  # 010 and 02x; every other code has four
        area, local = digits[:area_length], digits[area_length:]
        if len(area) < area_length or not 7 <= len(local) <= 8 or local.startswith(("0", "1")):
            raise ContactError(N_("A landline has an area code (e.g. 021) and a 7- or 8-digit number."))
        return Phone(f"{area}-{local}" + (f"-{extension}" if extension else ""), PhoneKind.LANDLINE)
    if 7 <= len(digits) <= 8:
        return Phone(digits + (f"-{extension}" if extension else ""), PhoneKind.LOCAL)
    raise ContactError(N_("Not a phone number: give a mobile (11 digits) or a landline with its area code."))


def phone_problem(value: str) -> str | None:
    try:
        parse_phone(value)
    except ContactError as e:
        return e.message
    return None


def normal_phone(value: str | None) -> str | None:
    """The normal form of a valid number (None for none given); ContactError for a bad one."""
    return parse_phone(value).normal if value and value.strip() else None


def _check_character(body17: str) -> str:
    return _ID_CHECK[sum(int(d) * w for d, w in zip(body17, _ID_WEIGHTS)) % 11]


def parse_id_number(value: str) -> str:
    """A resident ID number (GB 11643) in its 18-character normal form, or ContactError.

    A 15-digit number (cards issued before 1999: YYMMDD birth date, no check character) is
    valid too and is widened the standard way (19 inserted before the year, check character
    computed), so one person is one number whichever card they show."""
    v = _SEPARATORS.sub("", _ascii(value)).upper()
    if len(v) == 15:
        if not v.isdigit():
            raise ContactError(N_("A 15-digit ID number has digits only."))
        _birth(1900 + int(v[6:8]), v[8:10], v[10:12])
        body = v[:6] + "19" + v[6:]
        return body + _check_character(body)
    if len(v) != 18:
        raise ContactError(N_("An ID number has 18 characters (or 15 digits on an older card)."))
    if not v[:17].isdigit() or not (v[17].isdigit() or v[17] == "X"):
        raise ContactError(N_("An ID number has 17 digits and a final digit or X."))
    _birth(int(v[6:10]), v[10:12], v[12:14])
    if v[17] != _check_character(v[:17]):
        raise ContactError(N_("The ID number's check digit is wrong."))
    return v


def _birth(year: int, month: str, day: str) -> date:
    try:
        return date(year, int(month), int(day))
    except ValueError:
        raise ContactError(N_("The date of birth in the ID number is not a real date.")) from None


def id_number_sex(normal: str) -> str:
    """'male' or 'female', from the sequence digit (odd: male) of an 18-character normal form."""
    return "male" if int(normal[16]) % 2 else "female"
