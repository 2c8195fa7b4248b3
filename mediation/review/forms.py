from decimal import Decimal

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length

from ..core.review import GRADES, MAX_REASON, MAX_WEIGHT
from ..core.vocab import CATEGORIES
from ..forms_common import BoundedDecimalField, BoundedIntegerField, Form, choices, not_blank

MAX_RATE = Decimal("100000")


class AdjustForm(Form):
    """A reviewer's grade for one case file, with the reason (kept beside the computed grade)."""

    grade = SelectField(_l("Grade"), choices=[])
    reason = TextAreaField(_l("Reason for the adjustment"), validators=[not_blank, Length(max=MAX_REASON)],
                           render_kw={"rows": 3})
    submit = SubmitField(_l("Adjust the grade"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.grade.choices = choices("review_grade", [g.value for g in GRADES])


class ItemForm(Form):
    weight = BoundedIntegerField(_l("Points"), validators=[InputRequired()], low=0, high=MAX_WEIGHT)
    mandatory = BooleanField(_l("Mandatory (failing it makes the file 不合格)"))
    active = BooleanField(_l("In use"))
    submit = SubmitField(_l("Save"))


class ThresholdForm(Form):
    excellent = BoundedIntegerField(_l("优秀 from (points)"), validators=[InputRequired()], low=1, high=100)
    passing = BoundedIntegerField(_l("合格 from (points)"), validators=[InputRequired()], low=1, high=100)
    submit = SubmitField(_l("Save"))

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if ok and self.excellent.data <= self.passing.data:
            self.excellent.errors = list(self.excellent.errors) + [_l("优秀 must need more points than 合格.")]
            ok = False
        return ok


class RateForm(Form):
    category = SelectField(_l("Category"), choices=[])
    grade = SelectField(_l("Grade"), choices=[])
    amount = BoundedDecimalField(_l("Yuan per case"), validators=[InputRequired()], low=Decimal("0"), high=MAX_RATE)
    submit = SubmitField(_l("Save the rate"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.category.choices = [("", _l("Any category"))] + [(c, c) for c in CATEGORIES]
        self.grade.choices = choices("review_grade", [g.value for g in GRADES])
