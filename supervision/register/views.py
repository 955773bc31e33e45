"""Register pages: supervisors upload the register; regulators list entries in their scope."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import select

from supervision.authz import roles_required
from supervision.domain.enums import REGULATOR_ROLES, RegisterUploadStatus, Role
from supervision.extensions import db
from supervision.filings.content_models import RegisterEntry, RegisterUpload
from supervision.register import services
from supervision.scope import visible_institution_ids

bp = Blueprint("register", __name__, url_prefix="/register")


class RegisterForm(FlaskForm):
    """Upload a register file (.xlsx or .csv)."""

    file = FileField("file", validators=[FileRequired()])


@bp.route("/", methods=["GET", "POST"])
@roles_required(*REGULATOR_ROLES)
def index():
    """Entries visible to the user (by institution scope) and, for supervisors, the upload form."""
    form = RegisterForm()
    if request.method == "POST":
        if current_user.role != Role.SUPERVISOR:
            return render_template("errors/error.html", code=403, title=_("Forbidden"),
                                   message=_("You do not have permission to open this page.")), 403
        if form.validate_on_submit():
            fh = form.file.data
            try:
                upload = services.import_register(current_user, fh.stream, fh.filename or "register.xlsx")
            except (services.RegisterError, ValueError) as exc:
                db.session.rollback()
                flash(str(exc), "danger")
            else:
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
        else:
            flash(_("Choose a file."), "danger")
    period = request.args.get("period") or None
    q = select(RegisterEntry).where(RegisterEntry.institution_id.in_(visible_institution_ids(current_user, "filings")))
    if period:
        q = q.where(RegisterEntry.period_code == period)
    entries = db.session.scalars(q.order_by(RegisterEntry.transferred_date.desc()).limit(1000)).all()
    upload = None
    if request.args.get("upload") and current_user.role == Role.SUPERVISOR:
        upload = db.session.get(RegisterUpload, int(request.args["upload"]))
    uploads = db.session.scalars(select(RegisterUpload).order_by(RegisterUpload.id.desc()).limit(20)).all() \
        if current_user.role == Role.SUPERVISOR else []
    return render_template("register/index.html", entries=entries, form=form, upload=upload, uploads=uploads,
                           period=period)
