"""The admin's form for a new channel token."""
from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField, SubmitField
from wtforms.validators import InputRequired, Length

from ..forms_common import Form, choices
from .auth import API_CHANNELS
from .tokens import MAX_NAME


class TokenForm(Form):
    channel = SelectField(_l("Channel"), choices=choices("channel", API_CHANNELS), validators=[InputRequired()])
    name = StringField(_l("Held by (e.g. the 12345 centre's system)"),
                       validators=[InputRequired(), Length(max=MAX_NAME)])
    submit = SubmitField(_l("Create a token"))
