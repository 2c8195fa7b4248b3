from datetime import timedelta
from urllib.parse import urlsplit

from flask import (Blueprint, current_app, flash, make_response, redirect, render_template, request, session,
                   url_for)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ..core.errors import DomainError
from ..core.passwords import password_expired
from ..db import utcnow
from ..extensions import db, login_manager
from . import audit, throttle
from .forms import ChangePasswordForm, LoginForm
from .services import authenticate, change_own_password
from .sessions import end_session, load_session_user, start_session

bp = Blueprint("auth", __name__)


@login_manager.user_loader
def load_user(token: str):
    cfg = current_app.config
    return load_session_user(token, idle=timedelta(seconds=cfg["PERMANENT_SESSION_LIFETIME"]),
                             absolute=timedelta(seconds=cfg["SESSION_ABSOLUTE_LIFETIME"]))


def _safe_next(target: str | None) -> str:
    """Only a path on this site: no scheme, no host, no characters a browser strips or folds."""
    if target and target.startswith("/") and target.isprintable() and not any(c.isspace() or c == "\\"
                                                                                 for c in target):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and not target.startswith("//"):
            return target
    return url_for("cases.queue")


def _address_key() -> str:
    return f"login:{request.remote_addr or '-'}"


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("cases.queue"))
    form = LoginForm()
    cfg = current_app.config
    if form.validate_on_submit():
        now = utcnow()
        window = timedelta(minutes=cfg["LOGIN_ADDRESS_WINDOW_MINUTES"])
        if throttle.hits(_address_key(), now=now, window=window) >= cfg["LOGIN_ADDRESS_MAX_FAILURES"]:
            audit.record("login_throttled", None, "address", request.remote_addr, at=now, ip=request.remote_addr,
                         username=form.username.data[:64], success=False)
            db.session.commit()
            flash(_("Too many failed sign-ins from this address. Wait %(m)s minutes and try again.",
                    m=cfg["LOGIN_ADDRESS_WINDOW_MINUTES"]), "danger")
            response = make_response(render_template("auth/login.html", form=form), 429)
            response.headers["Retry-After"] = str(int(window.total_seconds()))
            return response
        user = authenticate(form.username.data, form.password.data, now=now, ip=request.remote_addr,
                            max_failures=cfg["LOGIN_MAX_FAILURES"], lock_minutes=cfg["LOGIN_LOCK_MINUTES"])
        if user is None:
            throttle.hit(_address_key(), now=now, window=window)
        else:
            start_session(user, ip=request.remote_addr, now=now)
        db.session.commit()
        if user is not None:
            lang = session.get("lang")
            session.clear()  # a fresh session at sign-in: no fixation
            if lang:
                session["lang"] = lang
            session.permanent = True
            login_user(user)
            return redirect(_safe_next(request.args.get("next")))
        flash(_("Wrong username or password, or the account is locked. "
                "After %(n)s failures an account is locked for %(m)s minutes.",
                n=cfg["LOGIN_MAX_FAILURES"], m=cfg["LOGIN_LOCK_MINUTES"]), "danger")
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    audit.record("logout", current_user, "user", current_user.id, at=utcnow(), ip=request.remote_addr)
    end_session(current_user.session_token)
    db.session.commit()
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            change_own_password(current_user, form.current_password.data, form.new_password.data, now=utcnow(),
                                ip=request.remote_addr, keep_session=current_user.session_token)
        except DomainError as e:
            db.session.commit()  # a refused attempt is still audited
            getattr(form, e.field or "new_password").errors.append(_(e.message))
        else:
            db.session.commit()
            flash(_("Your password is changed. Your other sessions are signed out."), "success")
            return redirect(url_for("cases.queue"))
    reason = None
    if current_user.must_change_password:
        reason = _("You signed in with a temporary password: choose your own before going on.")
    elif password_expired(current_user.password_changed_at, utcnow(), current_app.config["PASSWORD_MAX_AGE_DAYS"]):
        reason = _("Your password is more than %(n)s days old: choose a new one before going on.",
                   n=current_app.config["PASSWORD_MAX_AGE_DAYS"])
    return render_template("auth/change_password.html", form=form, reason=reason)


@bp.route("/")
def index():
    return redirect(url_for("cases.queue"))
