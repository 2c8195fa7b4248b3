"""Form pieces shared by several blueprints."""
from datetime import datetime, tzinfo

from flask_babel import lazy_gettext as _l
from wtforms import DateTimeLocalField, SelectMultipleField
from wtforms.validators import ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from .core.vocab import MAX_YEAR, MIN_YEAR
from .labels import LABELS


MAX_ID = 2**31 - 1  # ids in URLs and forms: anything larger is no row of ours


def optional_int(value):
    """A select's value as an id, or None for its empty choice."""
    return int(value) if value not in (None, "", "None") else None


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
