"""Admin pages for channel tokens: see who holds one and when it was last used; revoke it.

Tokens are created on the command line (`flask channel-token create`), where the new token
can be shown once without passing through a browser.
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
from .models import ChannelToken

bp = Blueprint("api_admin", __name__, url_prefix="/admin/tokens")


@bp.route("/")
@page_required(Page.ADMIN)
def index():
    tokens = db.session.scalars(
        select(ChannelToken).order_by(ChannelToken.revoked_at.is_not(None), ChannelToken.channel,
                                      ChannelToken.id)).all()
    return render_template("api/tokens.html", tokens=tokens)


@bp.route("/<int(max=2147483647):token_id>/revoke", methods=["POST"])
@page_required(Page.ADMIN)
def revoke(token_id):
    token = db.session.get(ChannelToken, token_id)
    if token is None:
        abort(404)
    if token.active:
        token.revoked_at = utcnow()
        audit.record("channel_token_revoked", current_user, "channel_token", token.id, channel=token.channel,
                     at=token.revoked_at, ip=request.remote_addr)
        db.session.commit()
        flash(_("Token %(hint)s… revoked: the channel's system is refused from its next request on.",
                hint=token.hint), "success")
    else:
        flash(_("That token was already revoked."), "info")
    return redirect(url_for(".index"), 303)
