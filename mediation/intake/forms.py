"""Manual registration: a walk-in, a phone call, or a channel case typed in by hand."""
from flask_babel import lazy_gettext as _l
from wtforms import (BooleanField, FieldList, FormField, SelectField,
                     StringField, SubmitField, TextAreaField)
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from ..cases.forms import choices
from ..core.contact import ContactError, parse_id_number, parse_phone
from ..core.identity import TYPED_MAX
from ..core.vocab import MAX_AMOUNT, CATEGORIES, Channel, PartyRole
from ..forms_common import BoundedDecimalField, BoundedIntegerField, Form, LocalDateTimeField, SubForm, not_blank, optional_int


def _contact(parse):
    """A validator reading the field with core.contact, as the API and the import do."""
    def check(form, field):
        try:
            parse(field.data or "")
        except ContactError as err:
            raise ValidationError(_l(err.message)) from None
    return check


# The 56 nationalities (民族) in the order of GB/T 3304: offered as suggestions, the field takes
# what the party states (an 未识别民族, a foreign national's 外国血统) up to its column's length.
ETHNICITIES = (
    "汉族", "蒙古族", "回族", "藏族", "维吾尔族", "苗族", "彝族", "壮族", "布依族", "朝鲜族", "满族", "侗族", "瑶族",
    "白族", "土家族", "哈尼族", "哈萨克族", "傣族", "黎族", "傈僳族", "佤族", "畲族", "高山族", "拉祜族", "水族",
    "东乡族", "纳西族", "景颇族", "柯尔克孜族", "土族", "达斡尔族", "仫佬族", "羌族", "布朗族", "撒拉族", "毛南族",
    "仡佬族", "锡伯族", "阿昌族", "普米族", "塔吉克族", "怒族", "乌孜别克族", "俄罗斯族", "鄂温克族", "德昂族",
    "保安族", "裕固族", "京族", "塔塔尔族", "独龙族", "鄂伦春族", "赫哲族", "门巴族", "珞巴族", "基诺族",
)
ETHNICITY_MAX = 16  # Party.ethnicity's column


def normal_ethnicity(value: str | None) -> str | None:
    """What was typed, trimmed; 汉 or 回 (the name without 族) as the listed 汉族, 回族; None for nothing."""
    v = " ".join((value or "").split())
    if not v:
        return None
    return v + "族" if v + "族" in ETHNICITIES else v


valid_phone = _contact(parse_phone)  # mobile (+86, spaces, dashes, full-width) or landline
valid_id_number = _contact(parse_id_number)  # 18 characters, or 15 digits on an older card


class PartyForm(SubForm):
    """One party. A row left entirely empty is ignored; a started row must be complete."""

    name = StringField(_l("Name"), validators=[Length(max=64)])
    role = SelectField(_l("Role"), choices=choices("party_role", PartyRole))
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=TYPED_MAX), valid_phone],
                        render_kw={"inputmode": "tel", "autocomplete": "off"})
    id_number = StringField(_l("ID number"), validators=[Optional(), Length(max=TYPED_MAX), valid_id_number],
                            render_kw={"autocomplete": "off"})
    address = StringField(_l("Address"), validators=[Length(max=255)])
    ethnicity = StringField(_l("Ethnicity"), validators=[Optional(), Length(max=ETHNICITY_MAX)],
                            filters=[normal_ethnicity], render_kw={"list": "ethnicities", "autocomplete": "off"},
                            description=_l("Optional, as the party states it; printed on the agreement."))
    vulnerable = BooleanField(_l("Elderly, minor or disabled"))
    has_petitioned = BooleanField(_l("Has petitioned before"))

    def is_empty(self) -> bool:
        return not any((self.name.data or "").strip() or (f.data or "").strip()
                       for f in (self.phone, self.id_number, self.address, self.ethnicity))

    def validate(self, extra_validators=None) -> bool:
        if self.is_empty():
            return True  # an unused row: nothing to check
        return super().validate(extra_validators)

    def validate_name(self, field):
        if not self.is_empty() and not (field.data or "").strip():
            raise ValidationError(_l("Give the party's name."))


class RegistrationForm(Form):
    channel = SelectField(_l("Channel"), choices=choices("channel", Channel), default=Channel.WALK_IN.value)
    external_ref = StringField(_l("Channel reference (work order, incident or platform number)"),
                               validators=[Length(max=64)])
    received_at = LocalDateTimeField(_l("Received at"), validators=[InputRequired()])
    category = SelectField(_l("Category"), choices=[(c, c) for c in CATEGORIES])
    summary = TextAreaField(_l("What the dispute is about"), validators=[not_blank, Length(max=4000)])
    village = SelectField(_l("Village or community"), coerce=optional_int, validators=[Optional()])
    address = StringField(_l("Address where it happened"), validators=[Length(max=255)])
    amount = BoundedDecimalField(_l("Amount in dispute (yuan)"), validators=[Optional()], low=0, high=MAX_AMOUNT)
    people_involved = BoundedIntegerField(_l("People involved, if more than the parties listed"),
                                          validators=[Optional()], low=1, high=100000)
    violence = BooleanField(_l("Violence, injury or threats reported"))
    parties = FieldList(FormField(PartyForm), min_entries=2, max_entries=30)
    add_party = SubmitField(_l("Add another party"))
    submit = SubmitField(_l("Register"))

    def validate_parties(self, field):
        if all(entry.form.is_empty() for entry in field.entries):
            raise ValidationError(str(_l("Add at least one party.")))  # str: FieldList errors mix lists and strings

    def validate_external_ref(self, field):
        channel = self.channel.data
        if channel not in (Channel.WALK_IN.value,) and not (field.data or "").strip():
            raise ValidationError(_l("Cases from a channel need the channel's own reference."))
