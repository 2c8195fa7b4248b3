from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from ..core.cells import split_keywords
from ..core.vocab import MAX_AMOUNT, MAX_YEAR, MIN_YEAR, CATEGORIES, Channel
from ..forms_common import BoundedDecimalField, BoundedIntegerField, Form, MultiCheckboxField, choices, optional_int
from ..labels import LABELS


class RoutingRuleForm(Form):
    name = StringField(_l("Rule name"), validators=[InputRequired(), Length(max=128)])
    position = BoundedIntegerField(_l("Order (lower is tried first)"), validators=[InputRequired()], low=0, high=100000)
    active = BooleanField(_l("Active"), default=True)
    combine = SelectField(_l("Conditions"), choices=[("all", _l("All set conditions must hold")),
                                                     ("any", _l("Any one set condition is enough"))])
    channels = MultiCheckboxField(_l("Channels (none: any)"), choices=choices("channel", Channel))
    categories = MultiCheckboxField(_l("Categories (none: any)"), choices=[(c, c) for c in CATEGORIES])
    min_amount = BoundedDecimalField(_l("Amount at least (yuan)"), validators=[Optional()], low=0, high=MAX_AMOUNT)
    min_parties = BoundedIntegerField(_l("Parties at least"), validators=[Optional()], low=1, high=10000)
    requires_violence = BooleanField(_l("Violence, injury or threats reported"))
    min_risk_level = SelectField(_l("Escalation risk at least"), coerce=lambda v: v or None,
                                 choices=[("", _l("Any"))] + [(k, v) for k, v in LABELS["risk"].items()])
    lead_office = SelectField(_l("Lead office"), coerce=optional_int, validators=[Optional()])
    lead_is_village_committee = BooleanField(_l("Lead: the committee of the village where it happened"))
    co_offices = MultiCheckboxField(_l("Co-offices"), coerce=int)
    flag_for_meeting = BooleanField(_l("Put on the next joint meeting's agenda"))
    submit = SubmitField(_l("Save"))

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if not self.lead_office.data and not self.lead_is_village_committee.data:
            self.lead_office.errors = list(self.lead_office.errors) + [
                _l("Choose a lead office, or the village committee.")]
            ok = False
        return ok


class CalendarOverrideForm(Form):
    day = DateField(_l("Day"), validators=[InputRequired()])
    is_workday = SelectField(_l("This day is"), choices=[("0", _l("a day off (holiday)")),
                                                         ("1", _l("a working day (make-up day, 调休)"))])
    note = StringField(_l("Note"), validators=[Length(max=64)])
    submit = SubmitField(_l("Save"))


class CalendarYearForm(Form):
    year = BoundedIntegerField(_l("Year"), validators=[InputRequired()], low=MIN_YEAR, high=MAX_YEAR)
    submit_year = SubmitField(_l("Mark this year's schedule as entered"))


class DeadlinePolicyForm(Form):
    stage = SelectField(_l("Stage"), choices=[(k, v) for k, v in LABELS["policy_stage"].items()])
    channel = SelectField(_l("Channel"), choices=[("", _l("Any"))] + choices("channel", Channel))
    variant = StringField(_l("Variant (e.g. 12345 work-order type 咨询, or complex)"), validators=[Length(max=16)])
    days = BoundedIntegerField(_l("Days"), validators=[InputRequired()], low=0, high=366)
    unit = SelectField(_l("Counted in"), choices=[("working", _l("working days")), ("calendar", _l("calendar days"))])
    submit = SubmitField(_l("Save"))


MAX_KEYWORD_LENGTH = 32


class CategoryRuleForm(Form):
    """A keyword rule for imports: keywords separated by 、 , ， or spaces, and the category they point to."""

    keywords = TextAreaField(_l("Keywords (separated by 、 , ， or spaces)"),
                             validators=[InputRequired(), Length(max=1000)], render_kw={"rows": 2})
    category = SelectField(_l("Category"), choices=[(c, c) for c in CATEGORIES])
    position = BoundedIntegerField(_l("Order (lower is tried first)"), validators=[InputRequired()], low=0, high=100000)
    active = BooleanField(_l("Active"), default=True)
    submit = SubmitField(_l("Save"))

    def validate_keywords(self, field) -> None:
        words = split_keywords(field.data)
        if not words:
            raise ValidationError(_l("Write at least one keyword."))
        too_long = [w for w in words if len(w) > MAX_KEYWORD_LENGTH]
        if too_long:
            raise ValidationError(_l("A keyword has at most %(n)s characters: %(word)s", n=MAX_KEYWORD_LENGTH,
                                word=too_long[0][:40]))
