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
    vulnerable = BooleanField(_l("Elderly, minor or disabled"))
    has_petitioned = BooleanField(_l("Has petitioned before"))

    def is_empty(self) -> bool:
        return not any((self.name.data or "").strip() or (f.data or "").strip()
                       for f in (self.phone, self.id_number, self.address))

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
