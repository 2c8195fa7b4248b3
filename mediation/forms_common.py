"""Form pieces shared by several blueprints."""
from datetime import datetime, tzinfo

from flask_babel import lazy_gettext as _l
from wtforms import DateTimeLocalField
from wtforms.validators import ValidationError


LOCAL_FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M")


def parse_local(text: str, tz: tzinfo) -> datetime:
    """A datetime-local value read in the town's zone; ValueError when it is none of the formats."""
    for fmt in LOCAL_FORMATS:
        try:
            return datetime.strptime(text.strip(), fmt).replace(tzinfo=tz)
        except ValueError:
            continue
    raise ValueError(text)


class LocalDateTimeField(DateTimeLocalField):
    """A datetime-local input read in the town's time zone, handed out timezone-aware."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("format", list(LOCAL_FORMATS))
        super().__init__(*args, **kwargs)

    def aware(self, tz: tzinfo) -> datetime | None:
        return self.data.replace(tzinfo=tz) if self.data else None


def not_blank(form, field):
    if not (field.data or "").strip():
        raise ValidationError(_l("This field is required."))
