"""The committee's monthly screening report, and the admin's due day."""
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from ..core.screening import MAX_COUNT, MAX_DUE_DAY, MAX_REMIND_DAYS, MAX_TEXT
from ..forms_common import BoundedIntegerField, Form, version_number


class ScreeningReportForm(Form):
    """Counts left empty read as 0. The rules between the fields (mediated within found, a nil report
    empty) are core.screening.check's, shown under the field they concern."""

    nil_report = BooleanField(_l("零上报 (nil report): no disputes, risks or hazards found this month"))
    disputes_found = BoundedIntegerField(_l("Disputes found"), validators=[Optional()], low=0, high=MAX_COUNT)
    mediated = BoundedIntegerField(_l("Of which mediated (resolved)"), validators=[Optional()], low=0,
                                   high=MAX_COUNT)
    in_progress = BoundedIntegerField(_l("Of which still being mediated"), validators=[Optional()], low=0,
                                      high=MAX_COUNT)
    risks_and_hazards = TextAreaField(_l("Risks and hazards (风险隐患)"), validators=[Length(max=MAX_TEXT)])
    key_disputes = TextAreaField(_l("Main disputes (a short note)"), validators=[Length(max=MAX_TEXT)])
    version = HiddenField(validators=[version_number])
    submit = SubmitField(_l("Submit the report"))


class ScreeningSettingsForm(Form):
    due_day = BoundedIntegerField(_l("Due day of the month"), validators=[InputRequired()], low=1, high=MAX_DUE_DAY)
    remind_days = BoundedIntegerField(_l("Remind this many days before the due day"), validators=[InputRequired()],
                                      low=0, high=MAX_REMIND_DAYS)
    submit = SubmitField(_l("Save"))
