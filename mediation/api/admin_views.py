"""Admin pages for channel tokens: who holds one and when it was last used; create one; revoke it.

A new token is shown once, on the answer to the form that created it (never stored, never put
in the session or a redirect, served with `Cache-Control: no-store` like every page); the list
and every later page show only its first characters. `flask channel-token create` does the same
on the command line. Both go through `tokens.create_token` and are audited.
"""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..auth import audit
from ..auth.permissions import page_required
from ..core.permissions import Page
from ..db import utcnow
from ..extensions import db
from .forms import TokenForm
from .models import ChannelToken
from .tokens import create_token, revoke_token

bp = Blueprint("api_admin", __name__, url_prefix="/admin/tokens")


def _list_page(form: TokenForm, status: int = 200):
    tokens = db.session.scalars(
        select(ChannelToken).order_by(ChannelToken.revoked_at.is_not(None), ChannelToken.channel,
                                      ChannelToken.id)).all()
    return render_template("api/tokens.html", tokens=tokens, form=form), status


@bp.route("/")
@page_required(Page.ADMIN)
def index():
    return _list_page(TokenForm())


@bp.route("/new", methods=["POST"])
@page_required(Page.ADMIN)
def create():
    form = TokenForm()
    if not form.validate_on_submit():
        return _list_page(form, 422)
    row, token = create_token(form.channel.data, form.name.data, created_by_id=current_user.id)
    audit.record("channel_token_created", current_user, "channel_token", row.id, channel=row.channel,
                 name=row.name, at=utcnow(), ip=request.remote_addr)
    db.session.commit()
    # Rendered, not redirected: the token exists only in this answer.
    return render_template("api/token_created.html", token=token, row=row)


@bp.route("/<int(max=2147483647):token_id>/revoke", methods=["POST"])
@page_required(Page.ADMIN)
def revoke(token_id):
    token = db.session.get(ChannelToken, token_id)
    if token is None:
        abort(404)
    if revoke_token(token, utcnow()):
        audit.record("channel_token_revoked", current_user, "channel_token", token.id, channel=token.channel,
                     at=token.revoked_at, ip=request.remote_addr)
        db.session.commit()
        flash(_("Token %(hint)s… revoked: the channel's system is refused from its next request on.",
                hint=token.hint), "success")
    else:
        flash(_("That token was already revoked."), "info")
    return redirect(url_for(".index"), 303)
