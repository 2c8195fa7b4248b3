"""The channel API's contract, declared once: pydantic models of what channel systems send
and what they get back. Framework-free: pydantic and `mediation.core` only.

The request models validate submissions and list queries; `openapi.py` generates the OpenAPI
document from all of them, so the document and the checks cannot drift apart. Every problem
is reported against a field path (`parties[0].phone`) with an English message, all at once,
so a channel fixes its submission in one round (`Invalid.errors`).

Messages come from three places: a validator that raises `_fail(message)` (ours, as it
stands); `say(...)` on a field, which words pydantic's error types for that field; and
`_MESSAGES`, the wording of pydantic's error types everywhere else.
"""
import hashlib
import json
import math
import re
import sys
from collections.abc import Mapping
from datetime import datetime, timezone
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (AfterValidator, BaseModel, BeforeValidator, Field, StrictBool, StrictFloat, StrictInt,
                      StrictStr, ValidationError, ValidationInfo, WrapValidator, model_validator)
from pydantic_core import PydanticCustomError

from ..core.contact import ContactError, parse_id_number, parse_phone
from ..core.identity import TYPED_MAX
from ..core.lifecycle import Status
from ..core.vocab import CATEGORIES, MAX_AMOUNT, MAX_YEAR, MIN_YEAR, Channel, Outcome, PartyRole

MAX_EXTERNAL_ID = 64
MAX_SUMMARY = 10_000
MAX_NAME = 64
MAX_PHONE = TYPED_MAX  # as sent: "+86 138 0013 8000", "(0512) 6666 8888 转 123"
MAX_ID_NUMBER = TYPED_MAX  # as sent: spaced, full-width, or the 15 digits of an older card
MAX_ADDRESS = 255
MAX_VILLAGE = 64
MAX_PARTIES = 100
MAX_PEOPLE = 100_000
MAX_DETAIL_TEXT = 255
MAX_DETAILS_DEPTH = 10
MAX_REFERENCE = 24
MAX_BATCH = 500  # cases in one batch submission (the body's 1 MiB limit still holds)
EARLIEST_YEAR, LATEST_YEAR = MIN_YEAR, MAX_YEAR
MAX_PAGE = 1_000_000
MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 50

WORK_ORDER_TYPES = ("咨询", "求助", "投诉", "建议")  # 12345: consultation, help, complaint, suggestion
PARTY_ROLES = tuple(r.value for r in PartyRole)

REQUIRED = "This field is required."
_OWN = "mediation"  # the pydantic error type of our own messages

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


# ---------------------------------------------------------------------------------------------
# Building blocks


def _fail(message: str) -> PydanticCustomError:
    """An error reported with exactly this message."""
    return PydanticCustomError(_OWN, "{message}", {"message": message})


def say(**messages: str) -> WrapValidator:
    """This field's wording of pydantic's error types (`too_short="Add at least one party."`).

    Only errors about the value itself are reworded; those inside it (a party's phone) pass on.
    """
    def validate(value: Any, handler) -> Any:
        try:
            return handler(value)
        except ValidationError as exc:
            first = exc.errors()[0]
            if first["loc"] == () and first["type"] in messages:
                raise _fail(messages[first["type"]]) from None
            raise
    return WrapValidator(validate)


def _present(value: Any) -> Any:
    if value is None:
        raise _fail(REQUIRED)
    return value


# Last in an Annotated list, so it runs first: null is "required", not "wrong type".
Required = BeforeValidator(_present)


def text_problem(value: str) -> str | None:
    """PostgreSQL text cannot hold NUL, and lone surrogates are not UTF-8: refuse both."""
    if "\x00" in value:
        return "Contains a NUL character."
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "Contains characters that are not valid Unicode text."
    return None


def _storable(value: Any) -> Any:
    if isinstance(value, str) and (problem := text_problem(value)):
        raise _fail(problem)
    return value


def _strip(value: str | None) -> str:
    return (value or "").strip()


def _strip_required(value: str) -> str:
    value = value.strip()
    if not value:
        raise _fail(REQUIRED)
    return value


def text(max_length: int) -> Any:
    """A string PostgreSQL can store, at most `max_length` characters as sent."""
    return Annotated[StrictStr, Field(max_length=max_length), BeforeValidator(_storable)]


def required_text(max_length: int) -> Any:
    """Text that is more than blanks; stripped."""
    return Annotated[StrictStr, Field(min_length=1, max_length=max_length), BeforeValidator(_storable),
                     AfterValidator(_strip_required), Required]


def optional_text(max_length: int) -> Any:
    """Text, stripped; null or absent is ""."""
    return Annotated[text(max_length) | None, AfterValidator(_strip)]


def choice(values: tuple[str, ...], message: str) -> Any:
    """One of `values`, required; anything else (text that is not Unicode too) gets `message`."""
    return Annotated[Literal[values], say(literal_error=message, string_unicode=message), Required]


def _one_of(values: tuple[str, ...]):
    message = "Must be one of " + ", ".join(values) + "."

    def check(value: str) -> str:
        if value not in values:
            raise _fail(message)
        return value
    return check


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


def _timestamp(value: Any) -> datetime:
    if not isinstance(value, str):
        raise _fail("Must be a string: a date and time in ISO 8601 with an offset.")
    parsed, problem = parse_timestamp(value)
    if problem:
        raise _fail(problem)
    return parsed


def _not_in_future(value: datetime, info: ValidationInfo) -> datetime:
    now = (info.context or {}).get("now") or datetime.now(timezone.utc)
    if value > now:
        raise _fail("The received time cannot be in the future.")
    return value


def _integral(value: Any) -> Any:
    """2.0 is the whole number 2 (JSON does not tell them apart)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _beyond_float(value: Any) -> Any:
    """An integer too large for a float is out of range, not of the wrong type."""
    if type(value) is int and abs(value) > sys.float_info.max:
        return math.inf if value > 0 else -math.inf
    return value


def _query_int(low: int, high: int) -> Any:
    """A whole number in a query string, `low` to `high`."""
    def parse(value: Any) -> Any:
        if isinstance(value, str):
            if not (value.isascii() and value.isdigit()) or len(value) > 9:
                raise _fail(f"Must be a whole number between {low} and {high}.")
            return int(value)
        return value
    between = f"Must be between {low} and {high}."
    return Annotated[StrictInt, Field(ge=low, le=high), BeforeValidator(parse),
                     say(greater_than_equal=between, less_than_equal=between)]


def _contact(parse):
    """Checked with core.contact, as the form and the import do; kept as sent (stripped), since
    register_case stores the normal form beside what was sent."""
    def check(value: str) -> str:
        if value:
            try:
                parse(value)
            except ContactError as err:
                raise _fail(err.message) from None
        return value
    return check


def _json_problem(value: Any) -> str | None:
    """Walk a free-form object (iteratively): bounded depth, storable text everywhere."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_DETAILS_DEPTH:
            return f"Nested more than {MAX_DETAILS_DEPTH} levels deep."
        if isinstance(item, dict):
            for key, child in item.items():
                if problem := text_problem(key):
                    return "A key: " + problem
                stack.append((child, depth + 1))
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)
        elif isinstance(item, str) and (problem := text_problem(item)):
            return problem
    return None


Timestamp = Annotated[datetime, BeforeValidator(_timestamp)]
Flag = Annotated[StrictBool | None, AfterValidator(bool)]  # null or absent is false
DetailText = Annotated[StrictStr, Field(max_length=MAX_DETAIL_TEXT), BeforeValidator(_storable)]
Url = Annotated[str, Field(json_schema_extra={"format": "uri"})]
Amount = Annotated[StrictFloat, Field(ge=0, le=float(MAX_AMOUNT)), BeforeValidator(_beyond_float), say(
    float_type="Must be a number.", greater_than_equal="Cannot be negative.",
    less_than_equal=f"At most {MAX_AMOUNT}.")]
PeopleCount = Annotated[StrictInt, Field(ge=1, le=MAX_PEOPLE), BeforeValidator(_integral), say(
    greater_than_equal=f"Must be between 1 and {MAX_PEOPLE}.",
    less_than_equal=f"Must be between 1 and {MAX_PEOPLE}.")]
Category = choice(CATEGORIES, "Not a known category; use one of the categories listed in the API document.")
PartyRoleChoice = choice(PARTY_ROLES, "Must be one of " + ", ".join(PARTY_ROLES) + ".")


class _Object(BaseModel):
    """A JSON object; anything else is refused with the model's `not_an_object`."""

    not_an_object: ClassVar[str] = "Must be an object."

    @model_validator(mode="before")
    @classmethod
    def _an_object(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            raise _fail(cls.not_an_object)
        return data


# ---------------------------------------------------------------------------------------------
# Requests


class Party(_Object):
    """A party to the dispute."""

    not_an_object = "Must be an object with at least `name` and `role`."

    name: required_text(MAX_NAME)
    role: PartyRoleChoice
    phone: Annotated[optional_text(MAX_PHONE), AfterValidator(_contact(parse_phone))] = Field(
        "", description=(
            "Mainland phone number as the caller gave it: a mobile (11 digits starting 13 to 19, maybe after "
            "+86 or 0086) or a landline with its area code (021-59591234, 0512-66668888转123), or without one "
            "for the town's own; spaces, dashes, brackets and full-width digits are fine. Stored as sent and "
            "in normal form (13800138000, 021-59591234-123)."),
        examples=["+86 138 0013 8000", "021-59591234"])
    id_number: Annotated[optional_text(MAX_ID_NUMBER), AfterValidator(_contact(parse_id_number))] = Field(
        "", description=(
            "Resident ID number (GB 11643): 18 characters, check digit verified, or the 15 digits of a card "
            "issued before 1999 (stored widened to 18). Spaces and full-width characters are fine."))
    address: optional_text(MAX_ADDRESS) = ""
    vulnerable: Flag = Field(False, description="Elderly, minor or disabled.")
    has_petitioned: Flag = Field(False, description="Has petitioned (信访) before.")


Parties = Annotated[list[Party], Field(min_length=1, max_length=MAX_PARTIES), say(
    list_type="Must be a list of parties.", too_short="Add at least one party.",
    too_long=f"At most {MAX_PARTIES} parties."), Required]


class Location(_Object):
    """Where the dispute happened."""

    not_an_object = "Must be an object with `address` and, if known, `village`."

    address: optional_text(MAX_ADDRESS) = ""
    village: Annotated[optional_text(MAX_VILLAGE), AfterValidator(lambda v: v or None)] = Field(
        None, description="Village or community name or code. An unknown one is not an error: the case "
                          "keeps the address and no village.")


class Details(_Object, extra="allow"):
    """What the channel knows beyond the common fields, kept verbatim; the keys below are checked."""

    work_order_type: Annotated[DetailText, AfterValidator(_one_of(WORK_ORDER_TYPES)),
                               Field(json_schema_extra={"enum": list(WORK_ORDER_TYPES)})] | None = Field(
        None, description="12345: 咨询 (consultation), 求助 (help), 投诉 (complaint) or 建议 (suggestion).")
    incident_number: DetailText | None = Field(None, description="110's incident number.")
    violence: StrictBool | None = Field(None, description="110: violence reported.")
    injury: StrictBool | None = Field(None, description="110: an injury reported.")
    grid_id: DetailText | None = Field(None, description="The grid the report came from.")
    application_number: DetailText | None = Field(None, description="The platform's application number.")

    @model_validator(mode="before")
    @classmethod
    def _storable_json(cls, data: Any) -> Any:
        """The keys kept as sent; the documented ones check their own text, so an error names them."""
        if isinstance(data, dict) and (problem := _json_problem(
                {k: v for k, v in data.items() if k not in cls.model_fields or not isinstance(v, str)})):
            raise _fail(problem)
        return data

    def as_sent(self) -> dict:
        return self.model_dump(exclude_unset=True)


class CaseSubmission(_Object):
    """A case as a channel submits it. Unknown top-level fields are ignored. The content (the
    fields below that are not null) decides whether a repeated `external_id` is the same
    submission (200) or a different one (409)."""

    not_an_object = "The body must be a JSON object."

    external_id: required_text(MAX_EXTERNAL_ID) = Field(
        description="The channel's own reference (work order, incident or platform number); unique per channel.")
    received_at: Annotated[Timestamp, AfterValidator(_not_in_future), Required] = Field(
        description="When the channel received the case: RFC 3339 with an offset, not in the future.")
    category: Category
    summary: required_text(MAX_SUMMARY)
    location: Location | None = None
    parties: Parties
    amount: Amount | None = Field(None, description="The sum in dispute, yuan.")
    people_involved: PeopleCount | None = None
    violence: Flag = Field(False, description="Violence, injury or threats reported.")
    due_at: Timestamp | None = Field(None, description="The channel's own deadline for the case, if it has one.")
    details: Details | None = Field(None, description=(
        "110's `violence` or `injury` true marks the case as involving violence. Other keys are kept as sent "
        f"(at most {MAX_DETAILS_DEPTH} levels deep)."))

    @property
    def amount_yuan(self) -> Decimal | None:
        """The amount to the fen."""
        if self.amount is None:
            return None
        return Decimal(str(self.amount)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)

    def violence_for(self, channel: str) -> bool:
        """Violence reported, or, from 110, violence or an injury in its details."""
        details = self.details
        if channel == Channel.POLICE_110 and details is not None and (details.violence or details.injury):
            return True
        return self.violence


class BatchSubmission(_Object):
    """Many cases in one request, each as `submitCase` takes it. Each is checked and answered on
    its own, in order (an invalid one is a 422 result inside the 200 answer, not a refusal of the
    batch); the good ones are registered together, in one transaction."""

    not_an_object = "The body must be a JSON object."

    cases: Annotated[list[Any], Field(min_length=1, max_length=MAX_BATCH), say(
        list_type="A list of cases.", too_short="Send at least one case.",
        too_long=f"At most {MAX_BATCH} cases in one batch.")] = Field(
        description=f"1 to {MAX_BATCH} case submissions, each a `CaseSubmission`.",
        json_schema_extra={"items": {"$ref": "#/components/schemas/CaseSubmission"}})


class ListQuery(BaseModel, extra="forbid"):
    """The query of GET /cases. A misspelt parameter is an error rather than silently ignored
    (`updated_after` would list everything)."""

    updated_since: Timestamp | None = Field(None, description=(
        "Cases with updated_at at or after this time. Encode the offset's `+` as %2B (or use Z)."))
    page: _query_int(1, MAX_PAGE) = 1
    per_page: _query_int(1, MAX_PER_PAGE) = DEFAULT_PER_PAGE

    _since_text: str | None = None  # as sent (offset repaired), for the next page's link

    @property
    def updated_since_text(self) -> str | None:
        return self._since_text


class CasePath(BaseModel):
    """The path of GET /cases/{reference}."""

    reference: Annotated[str, Field(max_length=MAX_REFERENCE, description="The town's case reference.")]


# ---------------------------------------------------------------------------------------------
# Answers (documented; views.case_json builds them)


class Deadlines(BaseModel):
    """In the town's time zone (+08:00). `conclude_by` is Open311's expected_datetime; null until
    the case is accepted."""

    accept_by: datetime | None
    conclude_by: datetime | None
    reply_by: datetime | None  # the channel's own reply deadline (12345); still owed after a merge


class CaseOutcome(BaseModel):
    """How the case was closed; null until it is."""

    code: Literal[tuple(o.value for o in Outcome)]
    amount: float | None
    closed_at: datetime
    agreement_summary: str | None
    referred_to: str | None


class Case(BaseModel):
    """A case, as its channel sees it."""

    reference: str = Field(examples=["XH-2026-000123"])
    external_id: str | None
    channel: Literal[tuple(c.value for c in Channel)]
    status: Literal[tuple(s.value for s in Status)]
    status_note: str = Field(description="A short text for the caller: what is happening. Simplified Chinese, "
                                         "or English when Accept-Language prefers it (see Content-Language).")
    received_at: datetime
    updated_at: datetime
    deadlines: Deadlines
    merged_into: str | None = Field(description="The reference of the case this one was merged into.")
    outcome: CaseOutcome | None
    url: Url


class CaseList(BaseModel):
    """One page of cases."""

    items: list[Case]
    page: int = Field(ge=1)
    per_page: int = Field(ge=1, le=MAX_PER_PAGE)
    total: int = Field(ge=0)
    next: Url | None


class BatchItem(BaseModel):
    """What became of one case of a batch: `status` is what `submitCase` would have answered."""

    index: int = Field(ge=0, description="Its position in `cases`, from 0.")
    status: Literal[200, 201, 409, 422] = Field(description=(
        "201 registered; 200 already registered with the same content (`case` is the existing one); "
        "409 already registered with different content (`reference` names it); 422 invalid (`errors`)."))
    case: Case | None = None
    reference: str | None = None
    error: str | None = None
    errors: dict[str, str] | None = Field(None, description="A message for each invalid field, named by its "
                                                              "path within the case.")


class BatchCounts(BaseModel):
    created: int = Field(ge=0)
    repeated: int = Field(ge=0)
    conflicts: int = Field(ge=0)
    invalid: int = Field(ge=0)


class BatchAnswer(BaseModel):
    """One result for each submitted case, in the order sent."""

    results: list[BatchItem]
    counts: BatchCounts


class Error(BaseModel):
    error: str


class Conflict(BaseModel):
    error: str
    reference: str = Field(description="The existing case.")


class ValidationErrors(BaseModel):
    errors: dict[str, str] = Field(
        description="A message for each invalid field, named by its path.",
        examples=[{"parties[0].phone": "A mobile number has 11 digits and starts with 13 to 19."}])


# ---------------------------------------------------------------------------------------------
# Parsing


# How pydantic's error types read, where neither a validator nor `say` words them.
_MESSAGES = {
    "missing": REQUIRED,
    "string_type": "Must be a string.",
    "string_too_short": REQUIRED,  # only required text has a minimum length
    "string_too_long": "At most {max_length} characters.",
    "bool_type": "Must be true or false.",
    "int_type": "Must be a whole number.",
    "extra_forbidden": "Unknown parameter; use " + ", ".join(ListQuery.model_fields) + ".",  # only ListQuery
}


def error_path(loc: tuple) -> str:
    """("parties", 0, "phone") -> "parties[0].phone"; the body itself is "body"."""
    if not loc:
        return "body"
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or "(empty)"


def errors_by_path(exc: ValidationError) -> dict[str, str]:
    """The first message for each field path, in the API's words."""
    errors: dict[str, str] = {}
    for error in exc.errors(include_url=False):
        if error["type"] == _OWN:
            message = error["ctx"]["message"]
        elif (template := _MESSAGES.get(error["type"])) is not None:
            message = template.format(**error.get("ctx", {}))
        else:
            message = error["msg"]
        errors.setdefault(error_path(error["loc"]), message)
    return errors


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
    content = {k: body[k] for k in CaseSubmission.model_fields if body.get(k) is not None}
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()


def parse_submission(body: Any, now: datetime) -> CaseSubmission:
    """Check a case submission received at `now`; return it, or raise Invalid."""
    try:
        return CaseSubmission.model_validate(body, context={"now": now})
    except ValidationError as exc:
        raise Invalid(errors_by_path(exc)) from None


def parse_batch(body: Any) -> list[Any]:
    """The cases of a batch submission, not yet checked one by one; Invalid when it is no batch."""
    try:
        return BatchSubmission.model_validate(body).cases
    except ValidationError as exc:
        raise Invalid(errors_by_path(exc)) from None


def parse_list_query(args: Mapping[str, str]) -> ListQuery:
    """The list query from the query string (a mapping of str; the first value of each name)."""
    params = {name: args.get(name) for name in args}
    if isinstance(params.get("updated_since"), str):
        # An unencoded "+" in a query string arrives as a space: "…T08:00:00 08:00" meant "+08:00".
        params["updated_since"] = re.sub(r" (\d{2}:\d{2})$", r"+\1", params["updated_since"])
    try:
        query = ListQuery.model_validate(params)
    except ValidationError as exc:
        raise Invalid(errors_by_path(exc)) from None
    query._since_text = params.get("updated_since")
    return query
