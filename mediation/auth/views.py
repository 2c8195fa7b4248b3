from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from ..db import utcnow
from ..extensions import db, login_manager
from . import audit
from .forms import LoginForm
from .models import User
from .services import authenticate
from .sessions import start_session

bp = Blueprint("auth", __name__)


@login_manager.user_loader
def load_user(session_id: str):
    user_id, _sep, nonce = session_id.partition(":")
    if not user_id.isdigit():
        return None
    user = db.session.scalar(select(User).where(User.id == int(user_id)))
    if user is None or user.session_nonce != nonce or not user.active:
        return None
    return user


def _safe_next(target: str | None) -> str:
    """Only a path on this site: no scheme, no host, no characters a browser strips or folds."""
    if target and target.startswith("/") and target.isprintable() and not any(c.isspace() or c == "\\"
                                                                                 for c in target):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and not target.startswith("//"):
            return target
    return url_for("cases.queue")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("cases.queue"))
    form = LoginForm()
    if form.validate_on_submit():
        cfg = current_app.config
        user = authenticate(form.username.data, form.password.data, now=utcnow(), ip=request.remote_addr,
                            max_failures=cfg["LOGIN_MAX_FAILURES"], lock_minutes=cfg["LOGIN_LOCK_MINUTES"])
        db.session.commit()
        if user is not None:
            lang = session.get("lang")
            session.clear()  # a fresh session at sign-in: no fixation
            if lang:
                session["lang"] = lang
            login_user(user)
            start_session()
            return redirect(_safe_next(request.args.get("next")))
        flash(_("Wrong username or password, or the account is locked. "
                "After %(n)s failures an account is locked for %(m)s minutes.",
                n=cfg["LOGIN_MAX_FAILURES"], m=cfg["LOGIN_LOCK_MINUTES"]), "danger")
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    audit.record("logout", current_user, "user", current_user.id, at=utcnow(), ip=request.remote_addr)
    db.session.commit()
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"))


@bp.route("/")
def index():
    return redirect(url_for("cases.queue"))
