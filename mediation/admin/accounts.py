"""Account administration (等保 2.0 身份鉴别, 访问控制): create, edit, disable, unlock, reset."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..auth import services
from ..auth.models import User
from ..auth.permissions import page_required
from ..core.errors import DomainError
from ..core.permissions import Page
from ..db import utcnow
from ..extensions import db
from ..organisation.models import Office
from .account_forms import AccountEditForm, AccountForm

bp = Blueprint("accounts", __name__, url_prefix="/admin/users")


def _offices() -> list[tuple[int, str]]:
    return [(o.id, o.name) for o in db.session.scalars(select(Office).where(Office.active.is_(True))
                                                       .order_by(Office.id))]


def _user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


@bp.route("/")
@page_required(Page.ACCOUNTS)
def index():
    users = db.session.scalars(select(User).options(joinedload(User.office))
                               .order_by(User.active.desc(), User.office_id, User.username)).all()
    return render_template("admin/users.html", users=users, now=utcnow())


@bp.route("/new", methods=["GET", "POST"])
@page_required(Page.ACCOUNTS)
def create():
    form = AccountForm()
    form.office.choices = _offices()
    if form.validate_on_submit():
        try:
            user, password = services.create_account(
                admin=current_user, username=form.username.data, display_name=form.display_name.data,
                role=form.role.data, office_id=form.office.data, now=utcnow(), ip=request.remote_addr)
        except DomainError as e:
            getattr(form, e.field or "username").errors.append(_(e.message))
        else:
            db.session.commit()
            return _show_temporary_password(user, password)
    return render_template("admin/user_form.html", form=form, user=None)


@bp.route("/<int(max=2147483647):user_id>", methods=["GET", "POST"])
@page_required(Page.ACCOUNTS)
def edit(user_id: int):
    user = _user_or_404(user_id)
    form = AccountEditForm(obj=user) if request.method == "GET" else AccountEditForm()
    form.office.choices = _offices()
    if request.method == "GET":
        form.office.data = user.office_id
    if form.validate_on_submit():
        try:
            services.update_account(user, admin=current_user, display_name=form.display_name.data,
                                    role=form.role.data, office_id=form.office.data, now=utcnow(),
                                    ip=request.remote_addr)
        except DomainError as e:
            db.session.rollback()
            getattr(form, e.field or "display_name").errors.append(_(e.message))
        else:
            db.session.commit()
            flash(_("Account %(u)s saved.", u=user.username), "success")
            return redirect(url_for(".index"))
    return render_template("admin/user_form.html", form=form, user=user, now=utcnow())


def _account_action(user_id: int, act, done_message: str):
    user = _user_or_404(user_id)
    try:
        act(user)
    except DomainError as e:
        db.session.rollback()
        flash(_(e.message), "danger")
    else:
        db.session.commit()
        flash(done_message % {"u": user.username}, "success")
    return redirect(url_for(".edit", user_id=user_id))


@bp.route("/<int(max=2147483647):user_id>/disable", methods=["POST"])
@page_required(Page.ACCOUNTS)
def disable(user_id: int):
    return _account_action(user_id, lambda u: services.set_active(u, False, admin=current_user, now=utcnow(),
                                                                  ip=request.remote_addr),
                           _("Account %(u)s disabled; its sessions are ended."))


@bp.route("/<int(max=2147483647):user_id>/enable", methods=["POST"])
@page_required(Page.ACCOUNTS)
def enable(user_id: int):
    return _account_action(user_id, lambda u: services.set_active(u, True, admin=current_user, now=utcnow(),
                                                                  ip=request.remote_addr),
                           _("Account %(u)s enabled."))


@bp.route("/<int(max=2147483647):user_id>/unlock", methods=["POST"])
@page_required(Page.ACCOUNTS)
def unlock(user_id: int):
    return _account_action(user_id, lambda u: services.unlock(u, admin=current_user, now=utcnow(),
                                                              ip=request.remote_addr),
                           _("Account %(u)s unlocked."))


@bp.route("/<int(max=2147483647):user_id>/reset-password", methods=["POST"])
@page_required(Page.ACCOUNTS)
def reset_password(user_id: int):
    user = _user_or_404(user_id)
    password = services.reset_password(user, admin=current_user, now=utcnow(), ip=request.remote_addr)
    db.session.commit()
    return _show_temporary_password(user, password)


def _show_temporary_password(user: User, password: str):
    """Shown once, on this answer only (never stored in clear, never in a redirect or flash)."""
    return render_template("admin/user_password.html", user=user, password=password)
