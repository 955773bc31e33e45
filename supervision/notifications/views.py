"""The user's notifications: a paged list in their language, filterable by kind and read state,
each linking to its object; marking read."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select

from supervision.domain.enums import NotificationKind
from supervision.extensions import db
from supervision.main.paging import list_state, paginate
from supervision.notifications import services
from supervision.notifications.models import Notification

bp = Blueprint("notifications", __name__, url_prefix="/notifications")
SORTS = {"created": Notification.created_at, "kind": Notification.kind}


class ReadForm(FlaskForm):
    """CSRF only (ids come as a list)."""


@bp.record_once
def _helpers(state) -> None:
    """``unread_notifications()`` for the navigation bar."""

    def unread_notifications() -> int:
        """Unread notifications of the logged-in user (0 when anonymous)."""
        if not getattr(current_user, "is_authenticated", False):
            return 0
        return services.unread_count(current_user)

    state.app.jinja_env.globals["unread_notifications"] = unread_notifications


@bp.get("/")
@login_required
def index():
    """The user's notifications, newest first, paged; ``?kind=`` and ``?state=unread|read``."""
    kind = request.args.get("kind") if request.args.get("kind") in NotificationKind.values() else None
    read_state = request.args.get("state") if request.args.get("state") in ("unread", "read") else None
    q = select(Notification).where(Notification.user_id == current_user.id)
    if kind:
        q = q.where(Notification.kind == kind)
    if read_state == "unread":
        q = q.where(Notification.read_at.is_(None))
    elif read_state == "read":
        q = q.where(Notification.read_at.is_not(None))
    paged = paginate(q, list_state(request.args, SORTS, "created", "desc"), SORTS, tiebreak=(Notification.id,))
    return render_template("notifications/index.html", paged=paged, items=paged.items, form=ReadForm(), kind=kind,
                           read_state=read_state, kinds=services.kinds_of(current_user))


@bp.post("/read")
@login_required
def read():
    """Mark the given notifications (``ids``) or all of them (``all=1``) read; only the user's own.
    ``next`` (a local path) is where to go afterwards: a notice's own page when it is opened."""
    from supervision.main.helpers import safe_next

    form = ReadForm()
    if form.validate_on_submit():
        if request.form.get("all") == "1":
            services.mark_read(current_user)
        else:
            services.mark_read(current_user, [int(i) for i in request.form.getlist("ids")
                                              if i.isdigit() and len(i) < 10])
        db.session.commit()
    target = request.form.get("next")
    return redirect(safe_next(target) if target else url_for("notifications.index", **request.args))
