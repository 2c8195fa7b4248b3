from flask_babel import lazy_gettext as _l
from wtforms import StringField, SubmitField
from wtforms.validators import DataRequired, Length, ValidationError

from ..forms_common import Form
from .matching import normal_digits, normal_reference


def _reference_shape(form, field):
    if not normal_reference(field.data):
        raise ValidationError(_l("Type the case reference as printed on the acknowledgement."))


def _four_digits(form, field):
    if not normal_digits(field.data):
        raise ValidationError(_l("Type the last four digits of the phone number, e.g. 5678."))


class LookupForm(Form):
    reference = StringField(_l("Case reference"), validators=[DataRequired(), Length(max=40), _reference_shape],
                            render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"})
    digits = StringField(_l("Last four digits of your phone"), validators=[DataRequired(), Length(max=8), _four_digits],
                         render_kw={"inputmode": "numeric", "pattern": "[0-9]{4}", "maxlength": "4",
                                    "autocomplete": "off"})
    submit = SubmitField(_l("Check progress"))
