from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Regexp

from ..core.vocab import Role
from ..forms_common import Form, choices  # Form: NUL and control characters are field errors


class AccountForm(Form):
    username = StringField(_l("Username"), validators=[
        DataRequired(), Length(min=2, max=64),
        Regexp(r"^[A-Za-z0-9._-]+$", message=_l("Letters, digits, dot, dash and underscore only."))],
        render_kw={"autocapitalize": "none", "autocomplete": "off"})
    display_name = StringField(_l("Full name of the person"), validators=[DataRequired(), Length(max=64)],
                               description=_l("One account per person: accounts are never shared."))
    role = SelectField(_l("Role"), choices=choices("role", Role), validators=[DataRequired()])
    office = SelectField(_l("Office"), coerce=int, validators=[DataRequired()])
    submit = SubmitField(_l("Save"))


class AccountEditForm(AccountForm):
    """The username stays what it was: audit rows and timelines name people by it."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.username
