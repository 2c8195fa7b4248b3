"""Admin pages for the channels' callbacks (issue #13 item 3): the 12345 hotline, 110 and the
dispute platform each get their cases' events posted, signed, to a URL the admin sets here.

The shared secret is never shown after it is saved: the list says only that one is set and its
last characters. A secret the admin asks to be generated is shown once, on the answer to the form
that saved it (rendered, not redirected: it is in no session, redirect or later page), like a new
channel token. Each change is audited with the channel, URL and on/off, never the secret.

Routes hang on the admin blueprint (`register`): endpoints `admin.callbacks`, `admin.callback`.
"""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth import audit
from ..auth.permissions import page_required
from ..core.permissions import Page
from ..db import utcnow
from ..extensions import db
from ..outbox.services import CALLBACK_CHANNELS, SECRET_MAX, SECRET_MIN, callbacks, set_callback
from .outbox_forms import CallbackForm

SECRET_TAIL = 4  # characters of a saved secret the pages show, to tell two apart


def secret_tail(secret: str | None) -> str:
    return secret[-SECRET_TAIL:] if secret and len(secret) > 4 * SECRET_TAIL else ""


@page_required(Page.ADMIN)
def index():
    return render_template("admin/callbacks.html", rows=callbacks(), secret_tail=secret_tail)


@page_required(Page.ADMIN)
def edit(channel: str):
    if channel not in CALLBACK_CHANNELS:
        abort(404)
    row = callbacks()[channel]
    form = CallbackForm(has_secret=row is not None)  # not obj=row: the secret is never put in a field
    if not form.is_submitted():
        form.url.data, form.active.data = (row.url, row.active) if row else ("", True)
    if not form.validate_on_submit():
        return _form_page(form, channel, row, 422 if form.errors else 200)
    created = row is None
    secret, shown_once = form.chosen_secret(row.secret if row else None)
    secret_changed = created or secret != row.secret
    try:
        row = set_callback(channel, form.url.data, secret, bool(form.active.data))
    except ValueError as err:  # the service's own checks: the field it names, nothing saved
        db.session.rollback()
        field = getattr(form, str(err), None) or form.url
        field.errors = [*field.errors, _("This value cannot be saved.")]
        return _form_page(form, channel, callbacks()[channel], 422)
    audit.record("channel_callback_saved", current_user, "channel_callback", row.id, channel=channel,
                 url=row.url, active=row.active, created=created, secret_changed=secret_changed,
                 secret_generated=shown_once is not None, at=utcnow(), ip=request.remote_addr)
    db.session.commit()
    if shown_once:
        # Rendered, not redirected: the generated secret exists only in this answer.
        return render_template("admin/callback_secret.html", row=row, secret=shown_once)
    flash(_("Callback saved."), "success")
    return redirect(url_for(".callbacks"), 303)


def _form_page(form: CallbackForm, channel: str, row, status: int):
    return render_template("admin/callback_form.html", form=form, channel=channel, row=row,
                           tail=secret_tail(row.secret) if row else "", secret_min=SECRET_MIN,
                           secret_max=SECRET_MAX), status


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/callbacks", view_func=index, endpoint="callbacks")
    bp.add_url_rule("/callbacks/<channel>", view_func=edit, endpoint="callback", methods=["GET", "POST"])
