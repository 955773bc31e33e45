"""Role checks for views: anonymous → login redirect, wrong role → 403."""

from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from supervision.domain.enums import REGULATOR_ROLES, Role


def roles_required(*roles: str):
    """Decorator: the logged-in user must hold one of ``roles`` (else 403)."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapper(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapper

    return decorator


regulator_required = roles_required(*REGULATOR_ROLES)
supervisor_required = roles_required(Role.SUPERVISOR)
admin_required = roles_required(Role.ADMIN)
