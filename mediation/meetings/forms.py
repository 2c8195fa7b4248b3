from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import Length, Optional

from ..forms_common import Form, LocalDateTimeField, not_blank, optional_int


class AddCaseForm(Form):
    reference = StringField(_l("Case reference"), validators=[not_blank, Length(max=24)])
    add = SubmitField(_l("Add to the agenda"))


class DecisionForm(Form):
    decision = TextAreaField(_l("Decision and instruction"), validators=[not_blank, Length(max=4000)])
    lead_office = SelectField(_l("Lead office from now on"), coerce=optional_int, validators=[Optional()])
    due_at = LocalDateTimeField(_l("New deadline"), validators=[Optional()])
    save = SubmitField(_l("Record the decision"))


class CloseMeetingForm(Form):
    attendees = TextAreaField(_l("Attendees"), validators=[Length(max=4000)])
    minutes = TextAreaField(_l("Minutes"), validators=[not_blank, Length(max=20000)])
    close = SubmitField(_l("Close the meeting (read-only afterwards)"))
