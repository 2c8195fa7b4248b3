from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SubmitField
from wtforms.validators import InputRequired, Optional

from ..core.hotspots import FACTOR_RANGE, MIN_COUNT_RANGE, WINDOW_WEEKS_RANGE, Rule
from ..forms_common import BoundedDecimalField, BoundedIntegerField, Form


class HotspotRuleForm(Form):
    """One rule's thresholds. The factor belongs to the rising rule only (the view drops the field
    for the others)."""

    active = BooleanField(_l("Active"), default=True)
    min_count = BoundedIntegerField(_l("Cases at least"), validators=[InputRequired()],
                                    low=MIN_COUNT_RANGE[0], high=MIN_COUNT_RANGE[1])
    window_weeks = BoundedIntegerField(_l("Window (weeks)"), validators=[InputRequired()],
                                       low=WINDOW_WEEKS_RANGE[0], high=WINDOW_WEEKS_RANGE[1])
    factor = BoundedDecimalField(_l("Factor (this period against the one before)"),
                                 validators=[Optional()], low=FACTOR_RANGE[0], high=FACTOR_RANGE[1])
    submit = SubmitField(_l("Save"))

    def __init__(self, code: str, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.code = code
        if code != Rule.CATEGORY_RISING:
            del self.factor

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if self.code == Rule.CATEGORY_RISING and self.factor.data is None and not self.factor.errors:
            self.factor.errors = list(self.factor.errors) + [
                _l("The rising rule needs a factor from %(lo)s to %(hi)s.", lo=FACTOR_RANGE[0], hi=FACTOR_RANGE[1])]
            ok = False
        return ok
