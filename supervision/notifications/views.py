"""The user's notifications: list (their language) and mark read."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select

from supervision.extensions import db
from supervision.notifications import services
from supervision.notifications.models import Notification

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


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
    """The latest 200 notifications of the logged-in user, unread first marked."""
    items = db.session.scalars(select(Notification).where(Notification.user_id == current_user.id)
                               .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(200)).all()
    return render_template("notifications/index.html", items=items, form=ReadForm())


@bp.post("/read")
@login_required
def read():
    """Mark the given notifications (``ids``) or all of them (``all=1``) read; only the user's own."""
    form = ReadForm()
    if form.validate_on_submit():
        if request.form.get("all") == "1":
            services.mark_read(current_user)
        else:
            services.mark_read(current_user, [int(i) for i in request.form.getlist("ids") if i.isdigit()])
        db.session.commit()
    return redirect(url_for("notifications.index"))
