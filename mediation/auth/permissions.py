"""View decorators for role checks. Object-level checks live in cases/access.py."""
from functools import wraps

from flask import abort
from flask_login import current_user, login_required


def role_required(*roles):
    """Signed in, and holding one of `roles` (Role values); else 403."""
    allowed = {str(r) for r in roles}

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in allowed:
                abort(403)
            return view(*args, **kwargs)
        return wrapped
    return decorator
