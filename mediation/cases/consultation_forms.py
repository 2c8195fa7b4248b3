"""The forms of 难题会诊: asking an office a question on a case, and its answer."""
from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField, SubmitField, TextAreaField
from wtforms.validators import Length, Optional, ValidationError

from ..core.vocab import MAX_YEAR, MIN_YEAR
from ..forms_common import Form, not_blank, optional_int
from .consultations import MAX_ANSWER, MAX_QUESTION


def _plausible_year(form, field):
    if field.data is not None and not MIN_YEAR <= field.data.year <= MAX_YEAR:
        raise ValidationError(_l("Give a date between %(low)s and %(high)s.", low=MIN_YEAR, high=MAX_YEAR))


class AskConsultationForm(Form):
    """The view fills the offices (the askable ones) and shows the policy's day as the due date; an empty
    office is the service's field error, a date in the past too."""

    office = SelectField(_l("Office to ask"), coerce=optional_int, validators=[Optional()])
    question = TextAreaField(_l("Question"), validators=[not_blank, Length(max=MAX_QUESTION)])
    due_on = DateField(_l("Answer due by (date)"), validators=[Optional(), _plausible_year])
    submit = SubmitField(_l("Send the question"))


class AnswerConsultationForm(Form):
    answer = TextAreaField(_l("Your office's answer"), validators=[not_blank, Length(max=MAX_ANSWER)])
    submit = SubmitField(_l("Send the answer"))
