"""Form pieces shared by several blueprints."""
from datetime import datetime, tzinfo

from flask_babel import lazy_gettext as _l
from wtforms import DateTimeLocalField
from wtforms.validators import ValidationError


class LocalDateTimeField(DateTimeLocalField):
    """A datetime-local input read in the town's time zone, handed out timezone-aware."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("format", ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"])
        super().__init__(*args, **kwargs)

    def aware(self, tz: tzinfo) -> datetime | None:
        return self.data.replace(tzinfo=tz) if self.data else None


def not_blank(form, field):
    if not (field.data or "").strip():
        raise ValidationError(_l("This field is required."))
