"""The bell: a user's notices, newest first, filtered by kind (with a count per kind); the
"mark all read" button clears the bell. A fixed number of queries whatever the number of notices."""
from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload

from ..db import utcnow
from ..extensions import db
from ..labels import LABELS
from .models import Notification

bp = Blueprint("notifications", __name__, url_prefix="/notifications")
PAGE_LIMIT = 100


@bp.route("/")
@login_required
def index():
    mine = Notification.user_id == current_user.id
    counts = dict(db.session.execute(select(Notification.kind, func.count()).where(mine)
                                     .group_by(Notification.kind)).all())
    kinds = sorted(counts, key=lambda k: (list(LABELS["notice"]).index(k) if k in LABELS["notice"] else 99, k))
    kind = request.args.get("kind", "")
    kind = kind if kind in counts else ""
    stmt = select(Notification).options(joinedload(Notification.case)).where(mine)
    if kind:
        stmt = stmt.where(Notification.kind == kind)
    notices = db.session.scalars(
        stmt.order_by(Notification.created_at.desc(), Notification.id.desc()).limit(PAGE_LIMIT)).all()
    return render_template("notifications/index.html", notices=notices, counts=counts, kinds=kinds, kind=kind,
                           total=sum(counts.values()))


@bp.route("/read", methods=["POST"])
@login_required
def mark_read():
    db.session.execute(update(Notification).where(Notification.user_id == current_user.id,
                                                  Notification.read_at.is_(None)).values(read_at=utcnow()))
    db.session.commit()
    return redirect(url_for(".index"), 303)
