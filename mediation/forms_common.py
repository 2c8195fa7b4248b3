"""Form pieces shared by several blueprints.

Every form of the app derives from `Form` (a Flask-WTF form) or `SubForm` (one nested in a
FieldList): their Meta gives every text field the same two checks, so a NUL byte or an
overlong string is a field error, never a database error. Whole numbers are read by
`BoundedIntegerField`, so a 400-digit number is a field error too.
"""
import re
from functools import lru_cache
from datetime import datetime, tzinfo
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from flask import has_request_context
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, DecimalField, IntegerField, SelectMultipleField, StringField
from wtforms import Form as PlainForm
from wtforms.i18n import get_translations as wtforms_translations
from wtforms.validators import Length, NumberRange, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from .core.vocab import MAX_YEAR, MIN_YEAR
from .labels import LABELS


MAX_ID = 2**31 - 1  # ids in URLs and forms: anything larger is no row of ours
MAX_TEXT = 20_000  # the longest text a field without its own Length takes
MAX_DIGITS = 12  # more digits than this is no number a form asks for

# NUL (PostgreSQL text cannot hold it), the other C0 and C1 control characters but tab and the
# line breaks a textarea sends, and lone surrogates (not UTF-8).
_UNSTORABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_WHOLE_NUMBER = re.compile(rf"[+-]?[0-9]{{1,{MAX_DIGITS}}}")


def has_unstorable(text: str | None) -> bool:
    """Whether `text` holds a character no field takes (NUL, control characters, lone surrogates)."""
    return bool(text) and _UNSTORABLE.search(text) is not None


def whole_number(text: str | None, low: int, high: int) -> int | None:
    """A query-string or form value as a whole number from `low` to `high` (ASCII digits, an optional
    sign); None when it is absent or anything else. Not `isdigit()` then `int()`: "²" passes the one
    and breaks the other; nor `type=int`, which passes a 400-digit number on."""
    text = (text or "").strip()
    if not _WHOLE_NUMBER.fullmatch(text):
        return None
    value = int(text)
    return value if low <= value <= high else None


def optional_int(value):
    """A select's value as an id, or None for its empty choice (an unreadable one is refused by the
    select's choices: ValueError is what WTForms turns into a field error)."""
    if value in (None, "", "None"):
        return None
    if isinstance(value, int):
        return value
    if not isinstance(value, str):
        raise TypeError(value)  # an object's attribute (a relationship): WTForms leaves the field empty
    number = whole_number(value, -MAX_ID, MAX_ID)
    if number is None:
        raise ValueError(value)
    return number


def version_number(form, field):
    """A page's version of its case: digits only (the view reads it as a number)."""
    if field.data and whole_number(field.data, 0, 10**MAX_DIGITS) is None:
        raise ValidationError(_l("The page is out of date. Reload the case and try again."))


def plain_text(form, field):
    """No character a database column cannot hold or a person cannot type."""
    if isinstance(field.data, str) and has_unstorable(field.data):
        raise ValidationError(_l("Remove the control characters (such as NUL) from this text."))


@lru_cache(maxsize=8)
def _bundled_translations(locale: str):
    """WTForms' own catalog (it ships zh, zh_TW, ...) for `locale`, e.g. zh_CN falling back to zh."""
    return wtforms_translations([locale, locale.split("_")[0]])


def field_translations():
    """The translations WTForms' built-in messages ("This field is required.", "Field cannot be
    longer than %(max)d characters.", "Not a valid date value.") use: WTForms' bundled catalog in
    the request's locale. Set on every form of the app, nested ones too: a plain wtforms Form (a
    FieldList's subform) gets no translations from Flask-WTF and would answer in English."""
    if not has_request_context():
        return None
    locale = get_locale()
    return _bundled_translations(str(locale)) if locale is not None else None


class _CheckedText:
    """Meta mixin: every text field (StringField and its kinds: textarea, hidden, password, search)
    is checked for unstorable characters, and bounded in length when it has no Length of its own;
    WTForms' own messages are in the request's language (`field_translations`)."""

    def get_translations(self, form):
        return field_translations()

    def bind_field(self, form, unbound_field, options):
        field = super().bind_field(form, unbound_field, options)
        if isinstance(field, StringField):
            bound = [] if any(isinstance(v, Length) for v in field.validators) else [Length(max=MAX_TEXT)]
            # First, so that a NUL is what the field's error says; a new list: the class's is shared.
            field.validators = [plain_text, *field.validators, *bound]
        return field


class Form(FlaskForm):
    """The base of every form the app posts (CSRF from Flask-WTF)."""

    class Meta(_CheckedText):
        pass


class SubForm(PlainForm):
    """A form nested in another (FieldList of FormField): no CSRF of its own."""

    class Meta(_CheckedText):
        pass


class BoundedIntegerField(IntegerField):
    """A whole number from `low` to `high`. Anything else (a 400-digit number, 1e3, Unicode digits)
    is this field's error: WTForms' own IntegerField passes a huge number to NumberRange, whose
    float conversion overflows."""

    def __init__(self, label=None, validators=None, *, low: int, high: int, **kwargs):
        self.low, self.high = low, high
        super().__init__(label, [*(validators or []), NumberRange(low, high, message=self._range_message())],
                         **kwargs)

    def _range_message(self):
        return _l("Give a whole number from %(lo)s to %(hi)s.", lo=self.low, hi=self.high)

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        text = (valuelist[0] or "").strip()
        if not _WHOLE_NUMBER.fullmatch(text):
            self.data = None
            raise ValueError(self._range_message())
        self.data = int(text)


def choices(kind: str, codes) -> list[tuple[str, str]]:
    """(code, translated label) pairs for a select."""
    return [(str(c), LABELS[kind][str(c)]) for c in codes]


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


LOCAL_FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M")


def parse_local(text: str, tz: tzinfo) -> datetime:
    """A datetime-local value read in the town's zone; ValueError when it is none of the formats."""
    for fmt in LOCAL_FORMATS:
        try:
            parsed = datetime.strptime(text.strip(), fmt)
        except ValueError:
            continue
        if MIN_YEAR <= parsed.year <= MAX_YEAR:
            return parsed.replace(tzinfo=tz)
    raise ValueError(text)


class LocalDateTimeField(DateTimeLocalField):
    """A datetime-local input read in the town's time zone, handed out timezone-aware."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("format", list(LOCAL_FORMATS))
        super().__init__(*args, **kwargs)

    def pre_validate(self, form):
        if self.data is not None and not MIN_YEAR <= self.data.year <= MAX_YEAR:
            self.data = None
            raise ValidationError(_l("Give a date between the years %(lo)s and %(hi)s.", lo=MIN_YEAR, hi=MAX_YEAR))

    def aware(self, tz: tzinfo) -> datetime | None:
        return self.data.replace(tzinfo=tz) if self.data else None


def not_blank(form, field):
    if not (field.data or "").strip():
        raise ValidationError(_l("This field is required."))


class BoundedDecimalField(DecimalField):
    """A decimal number from `low` to `high`, rounded to `places`. WTForms' own DecimalField takes
    sNaN (whose comparison in NumberRange raises) and 1E-999999999 (which no numeric column holds)."""

    def __init__(self, label=None, validators=None, *, low: Decimal, high: Decimal, places: int = 2, **kwargs):
        self.low, self.high = Decimal(low), Decimal(high)
        super().__init__(label, [*(validators or []), NumberRange(min=self.low, max=self.high)], places=places,
                         **kwargs)

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        try:
            value = Decimal((valuelist[0] or "").strip())
        except (InvalidOperation, ValueError):
            value = None
        if value is None or not value.is_finite():
            self.data = None
            raise ValueError(self.gettext("Not a valid decimal value."))
        if self.low <= value <= self.high:  # out of range is NumberRange's message, with the bounds
            value = value.quantize(Decimal(1).scaleb(-self.places), rounding=ROUND_HALF_UP)
        self.data = value
