"""Scheduling a mediation session and calling it off: the forms (the rules are core/notices.py's)."""
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from ..core.notices import MAX_NOTE, MAX_OTHER_INVITEES, MAX_PLACE, MAX_REASON
from ..forms_common import Form, LocalDateTimeField, MultiCheckboxField, not_blank


class AppointmentForm(Form):
    """The parties' checkboxes are filled by the view (the case's parties, phones masked)."""

    starts_at = LocalDateTimeField(_l("Date and time"), validators=[InputRequired()])
    place = StringField(_l("Place"), validators=[not_blank, Length(max=MAX_PLACE)],
                        render_kw={"placeholder": _l("e.g. the judicial office's mediation room")})
    party_ids = MultiCheckboxField(_l("Parties invited"), coerce=int, validators=[Optional()])
    other_invitees = StringField(_l("Also attending"), validators=[Length(max=MAX_OTHER_INVITEES)],
                                 render_kw={"placeholder": _l("e.g. the village committee's chair, a lawyer")})
    note = TextAreaField(_l("Note (not sent to the parties)"), validators=[Length(max=MAX_NOTE)],
                         render_kw={"rows": 2})
    send_sms = BooleanField(_l("Send each invited party an SMS (mobile numbers only)"), default=True)
    submit = SubmitField(_l("Schedule the session"))


class CancelAppointmentForm(Form):
    reason = TextAreaField(_l("Reason"), validators=[not_blank, Length(max=MAX_REASON)], render_kw={"rows": 2})
    submit = SubmitField(_l("Cancel the session"))
