"""Home page, language switch and health check."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, redirect, render_template, request, send_from_directory, session
from flask_login import current_user, login_required

from supervision.extensions import db
from supervision.main import queries
from supervision.main.addresses import page_for
from supervision.transactions import begin_write

bp = Blueprint("main", __name__)


@bp.get("/")
@login_required
def index():
    """Role-specific home page."""
    from supervision.domain.calendar import today_local
    from supervision.main.queues import queues_for

    return render_template("main/index.html", summary=queries.home_summary(current_user), q=queues_for(current_user),
                           today=today_local())


@bp.get("/favicon.ico")
def favicon():
    """The site icon at the address browsers ask for by default (pages also link it)."""
    return send_from_directory(current_app.static_folder, "favicon.ico", mimetype="image/vnd.microsoft.icon",
                               max_age=86400)


@bp.get("/lang/<code>")
def set_language(code: str):
    """Switch the interface language (中文 ``zh`` default, English ``en``); remembered per user."""
    if code in ("zh", "en"):
        session["lang"] = code
        if current_user.is_authenticated and current_user.locale != code:
            begin_write(db.session)  # a GET that writes (SQLite: supervision.transactions)
            current_user.locale = code
            db.session.commit()
    return redirect(page_for(request.args.get("next") or (request.referrer and urlsplit(request.referrer).path)))


# /healthz and /readyz: supervision.ops.views (issue 16)
