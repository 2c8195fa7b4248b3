"""The bell: a user's notices, newest first; opening the page marks them read."""
from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from ..db import utcnow
from ..extensions import db
from .models import Notification

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.route("/")
@login_required
def index():
    notices = db.session.scalars(
        select(Notification).options(joinedload(Notification.case))
        .where(Notification.user_id == current_user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(100)).all()
    return render_template("notifications/index.html", notices=notices)


@bp.route("/read", methods=["POST"])
@login_required
def mark_read():
    db.session.execute(update(Notification).where(Notification.user_id == current_user.id,
                                                  Notification.read_at.is_(None)).values(read_at=utcnow()))
    db.session.commit()
    return redirect(url_for(".index"), 303)
