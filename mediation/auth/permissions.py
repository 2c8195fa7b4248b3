"""Page checks for views and templates, from the one table in core/permissions.py.
Object-level checks live in cases/access.py."""
from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from ..core.permissions import Page, may_open


def may(user, page: Page | str) -> bool:
    """The signed-in `user` may open `page`; what templates ask before showing a link."""
    return bool(getattr(user, "is_authenticated", False)) and may_open(user.role, page)


def page_required(page: Page):
    """Signed in, and the role may open `page`; else 403."""
    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not may(current_user, page):
                abort(403)
            return view(*args, **kwargs)
        return wrapped
    return decorator
