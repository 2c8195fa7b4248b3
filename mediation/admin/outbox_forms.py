"""The admin's form for a channel's callback (issue #13 item 3): where its notices go, the shared
secret they are signed with, on or off.

The secret field is a password input: it is never filled in again, so a page never carries it.
Left blank when the channel already has one, the secret stays as it is; "generate" makes a new
one (`secrets.token_urlsafe`, 43 characters), shown once on the answer to the form."""
import secrets

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, PasswordField, StringField, SubmitField
from wtforms.validators import InputRequired, Length, ValidationError

from ..forms_common import Form
from ..outbox.senders import check_url
from ..outbox.services import SECRET_MAX, SECRET_MIN, URL_MAX

GENERATED_BYTES = 32  # token_urlsafe(32): 43 characters


def generate_secret() -> str:
    return secrets.token_urlsafe(GENERATED_BYTES)


def _http_url(form, field):
    if field.data and check_url(field.data):
        raise ValidationError(_l("Give an http:// or https:// address, e.g. https://12345.example.gov.cn/notify."))


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class CallbackForm(Form):
    url = StringField(_l("Callback URL"), validators=[InputRequired(), Length(max=URL_MAX), _http_url],
                      filters=[_strip],
                      render_kw={"autocomplete": "off", "spellcheck": "false", "inputmode": "url"})
    secret = PasswordField(_l("Shared secret"), render_kw={"autocomplete": "new-password"},
                           validators=[Length(max=SECRET_MAX)])
    generate = BooleanField(_l("Generate a new secret (shown once, after saving)"))
    active = BooleanField(_l("Active: send this channel its notices"), default=True)
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, has_secret: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.has_secret = has_secret

    def validate_secret(self, field):
        typed = field.data or ""
        if typed and self.generate.data:
            raise ValidationError(_l("Either type a secret or tick “generate”, not both."))
        if not typed:
            if not self.has_secret and not self.generate.data:
                raise ValidationError(_l("Type a secret or tick “generate”: the channel has none yet."))
            return
        if any(c.isspace() for c in typed):
            raise ValidationError(_l("A secret has no spaces or line breaks."))
        if len(typed) < SECRET_MIN:
            raise ValidationError(_l("Give a secret of at least %(n)s characters.", n=SECRET_MIN))

    def chosen_secret(self, current: str | None) -> tuple[str, str | None]:
        """(the secret to save, the new one to show once or None). Call after validation."""
        if self.generate.data:
            new = generate_secret()
            return new, new
        return (self.secret.data or current or ""), None
