"""``/api/v1/exports``: the export archive (§9) in the caller's scope — list, download (SHA-256
verified, audited), and generating one now (regulators: summary, league CSV/JSON, an institution's
feedback sheet; filers: their own feedback sheet from a published table)."""

from __future__ import annotations

import logging

from flask import send_file
from flask_login import current_user
from flask_smorest import Blueprint, abort
from sqlalchemy import select

from supervision.api.auth import needs_scope
from supervision.api.paging import keyset_page
from supervision.api.schemas import CursorArgsSchema, page_schema
from supervision.audit.services import record_now
from supervision.authz import roles_required
from supervision.domain.enums import DATA_ROLES, ExportKind, Role
from supervision.exports import queries, services
from supervision.exports.models import Export
from supervision.exports.schemas import ExportArgsSchema, ExportRequestSchema, ExportSchema
from supervision.extensions import db
from supervision.orgs.models import Institution
from supervision.periods.models import Period
from supervision.scope import can_see_institution

blp = Blueprint("api_exports", __name__, url_prefix="/api/v1", description="Export archive (§9)")
ExportPage = page_schema(ExportSchema, "ExportPage")
MIMETYPES = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
             "csv": "text/csv", "json": "application/json"}
log = logging.getLogger(__name__)


class ExportListArgs(CursorArgsSchema, ExportArgsSchema):
    """Cursor and filters."""


@blp.get("/exports")
@roles_required(*DATA_ROLES)
@blp.arguments(ExportListArgs, location="query")
@blp.response(200, ExportPage)
def exports(args):
    """Archived exports the caller may open, newest first."""
    q = queries.listing_query(current_user, args["period"], args["kind"])
    rows, nxt = keyset_page(q, Export.id, "exports", args["cursor"], args["limit"])
    return {"items": rows, "next_cursor": nxt}


@blp.get("/exports/<int:export_id>/file")
@roles_required(*DATA_ROLES)
@blp.doc(responses={"200": {"description": "the archived file",
                            "content": {"application/octet-stream": {"schema": {"type": "string",
                                                                                "format": "binary"}}}}})
def download(export_id: int):
    """The archived file (its SHA-256 verified first; the download is audited)."""
    exp = queries.visible_export(current_user, export_id)
    if exp is None:
        abort(404)
    if not services.verify(exp):
        log.error("export %s: stored file missing or its SHA-256 differs from %s", exp.id, exp.sha256)
        abort(500)
    record_now("export_download", actor=current_user, object_type="export", object_id=exp.id,
               detail={"kind": exp.kind, "period": exp.period.code, "sha256": exp.sha256, "via": "api"})
    ext = exp.storage_path.rpartition(".")[2]
    return send_file(services.file_path(exp), mimetype=MIMETYPES.get(ext), as_attachment=True,
                     download_name=exp.filename, etag=exp.sha256, max_age=0)


@blp.post("/exports")
@roles_required(*DATA_ROLES)
@needs_scope("submit")
@blp.arguments(ExportRequestSchema)
@blp.response(201, ExportSchema)
def generate(body):
    """Generate an export now and archive it (what each role may generate as on the exports page)."""
    period = db.session.scalar(select(Period).where(Period.code == body["period"].upper()))
    if period is None:
        abort(422, errors={"json": {"period": [f"No period {body['period']} on the platform."]}})
    producer, kind = current_user.email, body["kind"]
    if kind == ExportKind.FEEDBACK:
        if current_user.role == Role.FILER:
            inst = current_user.institution
        else:
            code = (body["institution"] or "").strip().upper()
            inst = db.session.scalar(select(Institution).where(Institution.code == code)) if code else None
            if inst is None or not can_see_institution(current_user, inst.id, "findings"):
                abort(404)
        exp = services.build_feedback(period, inst, producer=producer, actor=current_user,
                                      require_published=current_user.role == Role.FILER)
    elif current_user.role == Role.FILER:
        abort(403)
    elif kind == ExportKind.SUMMARY:
        exp = services.build_summary(period, producer=producer, view=services.view_of(current_user),
                                     actor=current_user)
    else:
        exp = services.build_league_file(period, kind, producer=producer, view=services.view_of(current_user),
                                         actor=current_user)
    db.session.commit()
    return exp
