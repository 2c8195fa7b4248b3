"""Validation of what channel systems send, over the parsed JSON, without Flask.

Every problem is reported against a field path (`parties[0].phone`) with an English
message, all at once, so a channel fixes its submission in one round. The limits here are
the ones the OpenAPI document (`openapi.py`) publishes: what it calls valid, this accepts.
"""
import hashlib
import json
import math
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from ..core.identity import id_number_problem, is_valid_mobile, normalize_phone
from ..core.vocab import CATEGORIES, MAX_AMOUNT, MAX_YEAR, MIN_YEAR, Channel, PartyRole
from ..intake.services import PartyData

# Top-level fields of a submission. Anything else is ignored (and left out of the content hash).
FIELDS = ("external_id", "received_at", "category", "summary", "location", "parties", "amount",
          "people_involved", "violence", "due_at", "details")

MAX_EXTERNAL_ID = 64
MAX_SUMMARY = 10_000
MAX_NAME = 64
MAX_ADDRESS = 255
MAX_VILLAGE = 64
MAX_PARTIES = 100
MAX_PEOPLE = 100_000
MAX_DETAIL_TEXT = 255
MAX_DETAILS_DEPTH = 10
EARLIEST_YEAR, LATEST_YEAR = MIN_YEAR, MAX_YEAR
LIST_PARAMETERS = ("updated_since", "page", "per_page")
MAX_PAGE = 1_000_000
MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 50

WORK_ORDER_TYPES = ("咨询", "求助", "投诉", "建议")  # 12345: consultation, help, complaint, suggestion

# Keys of `details` that channels use (12345; 110; grid; platform), checked for type whoever sends
# them. Anything else in `details` is kept verbatim.
DETAIL_FIELDS: dict[str, str] = {
    "work_order_type": "text", "incident_number": "text", "violence": "bool", "injury": "bool",
    "grid_id": "text", "application_number": "text",
}

# RFC 3339 (the profile of ISO 8601 that OpenAPI's `date-time` means), offset optional here so a
# missing one gets its own message.
_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?(?P<offset>[Zz]|[+-]\d{2}:\d{2})?",
                        re.ASCII)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)


class Invalid(Exception):
    """The submission breaks one or more rules: `errors` maps field paths to messages."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(errors)
        self.errors = errors


@dataclass
class Submission:
    """A valid submission, in the app's types (aware datetimes, Decimal)."""

    external_id: str
    received_at: datetime
    category: str
    summary: str
    parties: list[PartyData]
    address: str = ""
    village: str | None = None
    amount: Decimal | None = None
    people_involved: int | None = None
    violence: bool = False
    due_at: datetime | None = None
    details: dict = field(default_factory=dict)
    content_hash: str = ""


@dataclass(frozen=True)
class ListQuery:
    updated_since: datetime | None
    page: int
    per_page: int
    updated_since_text: str | None = None  # as sent (offset repaired), for the next page's link


class _Errors(dict):
    def add(self, path: str, message: str) -> None:
        self.setdefault(path, message)


def loads(raw: bytes) -> Any:
    """Parse a JSON body strictly: UTF-8, no NaN or Infinity, no number too large for a float.

    Raises ValueError (RecursionError is turned into one) when the body is not such JSON.
    """
    def finite(text: str) -> float:
        value = float(text)
        if not math.isfinite(value):
            raise ValueError("number out of range")
        return value

    def no_constants(text: str):
        raise ValueError(f"{text} is not JSON")

    try:
        return json.loads(raw.decode("utf-8"), parse_float=finite, parse_constant=no_constants)
    except RecursionError as exc:
        raise ValueError("nested too deeply") from exc


def content_hash(body: dict) -> str:
    """SHA-256 of the canonical JSON of the documented fields that were sent (null = absent)."""
    content = {k: body[k] for k in FIELDS if body.get(k) is not None}
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()


def parse_submission(body: Any, channel: str, now: datetime) -> Submission:
    """Check a case submission from `channel`; return it typed, or raise Invalid."""
    if not isinstance(body, dict):
        raise Invalid({"body": "The body must be a JSON object."})
    errors = _Errors()
    external_id = _text(errors, "external_id", body.get("external_id"), required=True, max_length=MAX_EXTERNAL_ID)
    received_at = _timestamp(errors, "received_at", body.get("received_at"), required=True)
    if received_at is not None and received_at > now:
        errors.add("received_at", "The received time cannot be in the future.")
    category = body.get("category")
    if category is None:
        errors.add("category", "This field is required.")
    elif category not in CATEGORIES:
        errors.add("category", "Not a known category; use one of the categories listed in the API document.")
    summary = _text(errors, "summary", body.get("summary"), required=True, max_length=MAX_SUMMARY)

    address, village = "", None
    location = body.get("location")
    if location is not None:
        if not isinstance(location, dict):
            errors.add("location", "Must be an object with `address` and, if known, `village`.")
        else:
            address = _text(errors, "location.address", location.get("address"), max_length=MAX_ADDRESS) or ""
            village = _text(errors, "location.village", location.get("village"), max_length=MAX_VILLAGE) or None

    parties = _parties(errors, body.get("parties"))
    amount = _amount(errors, body.get("amount"))
    people = _integer(errors, "people_involved", body.get("people_involved"), 1, MAX_PEOPLE)
    violence = _boolean(errors, "violence", body.get("violence"))
    due_at = _timestamp(errors, "due_at", body.get("due_at"), required=False)
    details = _details(errors, body.get("details"))

    if errors:
        raise Invalid(dict(errors))
    if channel == Channel.POLICE_110.value and (details.get("violence") is True or details.get("injury") is True):
        violence = True
    return Submission(external_id=external_id, received_at=received_at, category=category, summary=summary,
                      parties=parties, address=address, village=village, amount=amount, people_involved=people,
                      violence=violence, due_at=due_at, details=details, content_hash=content_hash(body))


def parse_list_query(args) -> ListQuery:
    """`updated_since`, `page`, `per_page` from the query string (a mapping of str); a misspelt
    parameter is an error rather than silently ignored (`updated_after` would list everything)."""
    errors = _Errors()
    for name in args:
        if name not in LIST_PARAMETERS:
            errors.add(name or "(empty)", "Unknown parameter; use " + ", ".join(LIST_PARAMETERS) + ".")
    since = None
    raw = args.get("updated_since")
    if raw is not None:
        # An unencoded "+" in a query string arrives as a space: "…T08:00:00 08:00" meant "+08:00".
        raw = re.sub(r" (\d{2}:\d{2})$", r"+\1", raw)
        since = _timestamp(errors, "updated_since", raw, required=True)
    page = _query_int(errors, "page", args.get("page"), 1, 1, MAX_PAGE)
    per_page = _query_int(errors, "per_page", args.get("per_page"), DEFAULT_PER_PAGE, 1, MAX_PER_PAGE)
    if errors:
        raise Invalid(dict(errors))
    return ListQuery(updated_since=since, page=page, per_page=per_page, updated_since_text=raw)


def parse_timestamp(value: str) -> tuple[datetime | None, str | None]:
    """An aware datetime from an RFC 3339 string, or None and what is wrong with it."""
    match = _TIMESTAMP.fullmatch(value)
    if not match and _DATE.fullmatch(value):
        return None, "Give the time and the UTC offset too, e.g. 2026-11-26T08:15:00+08:00."
    if not match:
        return None, "Not a date and time; use ISO 8601 with an offset, e.g. 2026-11-26T08:15:00+08:00."
    if not match.group("offset"):
        return None, "Give the UTC offset, e.g. 2026-11-26T08:15:00+08:00 (or Z for UTC)."
    try:
        parsed = datetime.fromisoformat(value.upper())
    except ValueError:
        return None, "Not a real date and time."
    if not EARLIEST_YEAR <= parsed.year <= LATEST_YEAR:
        return None, f"Must lie between the years {EARLIEST_YEAR} and {LATEST_YEAR}."
    return parsed.astimezone(timezone.utc), None


# ---------------------------------------------------------------------------------------------


def _text_problem(value: str) -> str | None:
    """PostgreSQL text cannot hold NUL, and lone surrogates are not UTF-8: refuse both."""
    if "\x00" in value:
        return "Contains a NUL character."
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "Contains characters that are not valid Unicode text."
    return None


def _text(errors: _Errors, path: str, value: Any, *, required: bool = False, max_length: int) -> str | None:
    if value is None:
        if required:
            errors.add(path, "This field is required.")
        return None
    if not isinstance(value, str):
        errors.add(path, "Must be a string.")
        return None
    problem = _text_problem(value)
    if problem:
        errors.add(path, problem)
        return None
    if len(value) > max_length:
        errors.add(path, f"At most {max_length} characters.")
        return None
    value = value.strip()
    if required and not value:
        errors.add(path, "This field is required.")
        return None
    return value


def _timestamp(errors: _Errors, path: str, value: Any, *, required: bool) -> datetime | None:
    if value is None:
        if required:
            errors.add(path, "This field is required.")
        return None
    if not isinstance(value, str):
        errors.add(path, "Must be a string: a date and time in ISO 8601 with an offset.")
        return None
    parsed, problem = parse_timestamp(value)
    if problem:
        errors.add(path, problem)
    return parsed


def _boolean(errors: _Errors, path: str, value: Any) -> bool:
    if value is None:
        return False
    if not isinstance(value, bool):
        errors.add(path, "Must be true or false.")
        return False
    return value


def _integer(errors: _Errors, path: str, value: Any, low: int, high: int) -> int | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        errors.add(path, "Must be a whole number.")
        return None
    if not low <= value <= high:
        errors.add(path, f"Must be between {low} and {high}.")
        return None
    return value


def _query_int(errors: _Errors, path: str, value: str | None, default: int, low: int, high: int) -> int:
    if value is None:
        return default
    if not (value.isascii() and value.isdigit()) or len(value) > 9:
        errors.add(path, f"Must be a whole number between {low} and {high}.")
        return default
    number = int(value)
    if not low <= number <= high:
        errors.add(path, f"Must be between {low} and {high}.")
        return default
    return number


def _amount(errors: _Errors, value: Any) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        errors.add("amount", "Must be a number.")
        return None
    if value < 0:
        errors.add("amount", "Cannot be negative.")
        return None
    if value > MAX_AMOUNT:
        errors.add("amount", f"At most {MAX_AMOUNT}.")
        return None
    return Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _parties(errors: _Errors, value: Any) -> list[PartyData]:
    if value is None:
        errors.add("parties", "This field is required.")
        return []
    if not isinstance(value, list):
        errors.add("parties", "Must be a list of parties.")
        return []
    if not value:
        errors.add("parties", "Add at least one party.")
        return []
    if len(value) > MAX_PARTIES:
        errors.add("parties", f"At most {MAX_PARTIES} parties.")
        return []
    roles = [r.value for r in PartyRole]
    parties = []
    for i, item in enumerate(value):
        path = f"parties[{i}]"
        if not isinstance(item, dict):
            errors.add(path, "Must be an object with at least `name` and `role`.")
            continue
        name = _text(errors, f"{path}.name", item.get("name"), required=True, max_length=MAX_NAME)
        role = item.get("role")
        if role is None:
            errors.add(f"{path}.role", "This field is required.")
        elif role not in roles:
            errors.add(f"{path}.role", "Must be one of " + ", ".join(roles) + ".")
        phone = _text(errors, f"{path}.phone", item.get("phone"), max_length=20) or ""
        if phone and not is_valid_mobile(phone):
            errors.add(f"{path}.phone", "A mobile number has 11 digits and starts with 13 to 19.")
        id_number = _text(errors, f"{path}.id_number", item.get("id_number"), max_length=18) or ""
        if id_number and (problem := id_number_problem(id_number)):
            errors.add(f"{path}.id_number", problem)
        address = _text(errors, f"{path}.address", item.get("address"), max_length=MAX_ADDRESS) or ""
        vulnerable = _boolean(errors, f"{path}.vulnerable", item.get("vulnerable"))
        petitioned = _boolean(errors, f"{path}.has_petitioned", item.get("has_petitioned"))
        if name and role in roles:
            parties.append(PartyData(name=name, role=role, phone=normalize_phone(phone), id_number=id_number,
                                   address=address, vulnerable=vulnerable, has_petitioned=petitioned))
    return parties


def _details(errors: _Errors, value: Any) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        errors.add("details", "Must be an object.")
        return {}
    problem = _json_problem(value)
    if problem:
        errors.add("details", problem)
        return {}
    for key, kind in DETAIL_FIELDS.items():
        item, path = value.get(key), f"details.{key}"
        if item is None:
            continue
        if kind == "bool" and not isinstance(item, bool):
            errors.add(path, "Must be true or false.")
        elif kind == "text" and not isinstance(item, str):
            errors.add(path, "Must be a string.")
        elif kind == "text" and len(item) > MAX_DETAIL_TEXT:
            errors.add(path, f"At most {MAX_DETAIL_TEXT} characters.")
    if isinstance(value.get("work_order_type"), str) and value["work_order_type"] not in WORK_ORDER_TYPES:
        errors.add("details.work_order_type", "Must be one of " + ", ".join(WORK_ORDER_TYPES) + ".")
    return value


def _json_problem(value: Any) -> str | None:
    """Walk a free-form object (iteratively): bounded depth, storable text everywhere."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_DETAILS_DEPTH:
            return f"Nested more than {MAX_DETAILS_DEPTH} levels deep."
        if isinstance(item, dict):
            for key, child in item.items():
                if problem := _text_problem(key):
                    return "A key: " + problem
                stack.append((child, depth + 1))
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)
        elif isinstance(item, str) and (problem := _text_problem(item)):
            return problem
    return None
