"""Register pages: supervisors upload the register; regulators list entries in their scope."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from supervision.authz import roles_required
from supervision.domain.enums import REGULATOR_ROLES, RegisterUploadStatus, Role
from supervision.errors import answer_errors_with
from supervision.extensions import db
from supervision.register import queries, services
from supervision.register.forms import RegisterForm

bp = Blueprint("register", __name__, url_prefix="/register")


@bp.route("/", methods=["GET", "POST"])
@roles_required(*REGULATOR_ROLES)
def index():
    """Entries visible to the user (by institution scope) and, for supervisors, the upload form."""
    form = RegisterForm()
    if request.method == "POST":
        if current_user.role != Role.SUPERVISOR:
            abort(403)
        if form.validate_on_submit():
            fh = form.file.data
            answer_errors_with(render=lambda: _page(form))
            upload = services.import_register(current_user, fh.stream, fh.filename or "register.xlsx")
            db.session.commit()
            if upload.status == RegisterUploadStatus.IMPORTED and upload.touched:
                from supervision.tasks import enqueue

                enqueue("supervision.checks.engine.run_register_job", upload.touched)
            if upload.status == RegisterUploadStatus.IMPORTED:
                flash(_("Register imported: %(c)s new, %(u)s updated, %(n)s unchanged.", c=upload.counts["created"],
                        u=upload.counts["updated"], n=upload.counts["unchanged"]), "success")
            else:
                flash(_("Register rejected; nothing was imported. See the errors below."), "danger")
            return redirect(url_for("register.index", upload=upload.id))
        flash(_("Choose a file."), "danger")
    return _page(form)


def _page(form: RegisterForm) -> str:
    """The register page: entries in scope (optionally of one period) and, for supervisors, uploads."""
    period = request.args.get("period") or None
    upload = queries.upload(current_user, int(request.args["upload"])) if request.args.get("upload") else None
    return render_template("register/index.html", entries=queries.entries(current_user, period), form=form,
                           upload=upload, uploads=queries.uploads(current_user), period=period)
