"""Export archive pages: the exports a user may open (by scope), generating one on demand, and
downloading a file (its SHA-256 verified and the download audited)."""

from __future__ import annotations

import logging

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from supervision.audit.services import record_now
from supervision.authz import roles_required
from supervision.domain.enums import DATA_ROLES, ExportKind, Role
from supervision.errors import answer_errors_with
from supervision.exports import queries, services
from supervision.exports.forms import GenerateForm
from supervision.exports.models import Export
from supervision.extensions import db
from supervision.league.models import LeagueSnapshot
from supervision.orgs.models import Institution
from supervision.periods.models import Period
from supervision.scope import can_see_institution
from supervision.storage.base import StorageError
from supervision.storage.service import send_object

bp = Blueprint("exports", __name__, url_prefix="/exports")
MIMETYPES = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
             "csv": "text/csv", "json": "application/json",
             "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}
log = logging.getLogger(__name__)


def _periods() -> list[Period]:
    """Periods a user may generate for: all (regulators), those with a published table (filers)."""
    q = select(Period).order_by(Period.code.desc())
    if current_user.role == Role.FILER:
        q = q.where(Period.id.in_(select(LeagueSnapshot.period_id)))
    return list(db.session.scalars(q))


def _form(bind: bool = True) -> GenerateForm:
    form = GenerateForm() if bind else GenerateForm(formdata=None)
    form.period.choices = [(p.code, p.code) for p in _periods()]
    if current_user.role == Role.FILER:
        form.kind.choices = [c for c in form.kind.choices if c.value == ExportKind.FEEDBACK]
    return form


def _page(form: GenerateForm | None = None) -> str:
    """The archive within the user's scope, newest first, paged, filterable by period and kind; a
    refused generation comes back with the choices made and the reason."""
    from supervision.main.paging import list_state, paginate

    period = request.args.get("period") or None
    kind = request.args.get("kind") if request.args.get("kind") in ExportKind.values() else None
    sorts = {"created": Export.created_at}
    paged = paginate(queries.listing_query(current_user, period, kind), list_state(request.args, sorts, "created",
                                                                                  "desc"),
                     sorts, tiebreak=(Export.id,))
    return render_template("exports/index.html", exports=paged.items, paged=paged, form=form or _form(bind=False),
                           period=period, kind=kind,
                           periods=db.session.scalars(select(Period).order_by(Period.code.desc())).all())


@bp.get("/")
@roles_required(*DATA_ROLES)
def index():
    """The archive within the user's scope, newest first, filterable by period and kind."""
    return _page()


def _generate(form: GenerateForm, period: Period):
    producer = current_user.email
    if form.kind.data == ExportKind.FEEDBACK:
        if current_user.role == Role.FILER:
            inst = current_user.institution
        else:
            code = (form.institution.data or "").strip().upper()
            inst = db.session.scalar(select(Institution).where(Institution.code == code)) if code else None
            if inst is None or not can_see_institution(current_user, inst.id, "findings"):
                form.institution.errors = [_("Give the USCC of an institution in your scope.")]
                raise services.ExportError(_("Give the USCC of an institution in your scope."), 404)
        return services.build_feedback(period, inst, producer=producer, actor=current_user,
                                       require_published=current_user.role == Role.FILER)
    if current_user.role == Role.FILER:
        abort(403)
    view = services.view_of(current_user)
    if form.kind.data == ExportKind.SUMMARY:
        return services.build_summary(period, producer=producer, view=view, actor=current_user)
    return services.build_league_file(period, form.kind.data, producer=producer, view=view, actor=current_user)


@bp.post("/")
@roles_required(*DATA_ROLES)
def generate():
    """Generate an export now (regulators: summary, feedback, CSV, JSON for their scope; filers:
    their institution's feedback sheet from a published table) and store it in the archive."""
    form = _form()
    if not form.validate_on_submit():
        return _page(form), 400
    period = db.session.scalar(select(Period).where(Period.code == form.period.data)) or abort(404)
    answer_errors_with(render=lambda: _page(form))
    exp = _generate(form, period)
    db.session.commit()
    flash(_("Export %(name)s generated (SHA-256 %(sha)s).", name=exp.filename, sha=exp.sha256[:16]), "success")
    return redirect(url_for("exports.index", period=period.code))


@bp.get("/download")
@roles_required(*DATA_ROLES)
def download():
    """Download an archived file (``?id=``) the user may open; 404 otherwise."""
    raw = request.args.get("id", "")
    exp = queries.visible_export(current_user, int(raw)) if raw.isdigit() else None
    if exp is None:
        abort(404)
    ext = exp.storage_path.rpartition(".")[2]
    try:  # verified (and fetched from object storage) before the download is recorded
        response = send_object("exports", exp.storage_path, exp.sha256, mimetype=MIMETYPES.get(ext),
                               download_name=exp.filename, etag=exp.sha256, max_age=0)
    except StorageError:
        log.error("export %s: stored file missing, unreachable or its SHA-256 differs from %s", exp.id, exp.sha256)
        raise
    record_now("export_download", actor=current_user, object_type="export", object_id=exp.id,
               detail={"kind": exp.kind, "period": exp.period.code, "sha256": exp.sha256})
    return response
