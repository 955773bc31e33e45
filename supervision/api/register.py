"""``/api/v1/register``: supervisors import the regulator transfer register (REG-1) system to
system — multipart field ``file`` or the raw body (CSV or workbook); rejected whole on a blocking
issue, with its issues (rule IDs as the page shows them)."""

from __future__ import annotations

from flask import current_app, request
from flask_login import current_user
from flask_smorest import Blueprint, abort

from supervision.api.auth import clean_filename, needs_scope
from supervision.authz import roles_required
from supervision.domain.enums import Role
from supervision.extensions import db
from supervision.main.limits import accepts_upload
from supervision.register import services
from supervision.register.schemas import RegisterImportArgsSchema, RegisterUploadSchema

blp = Blueprint("api_register", __name__, url_prefix="/api/v1", description="Transfer register imports")
RAW_TYPES = {"text/csv", "application/octet-stream",
             "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
BODY = {"required": True, "content": {
    "multipart/form-data": {"schema": {"type": "object", "required": ["file"],
                                       "properties": {"file": {"type": "string", "format": "binary"}}}},
    "text/csv": {"schema": {"type": "string", "format": "binary"}},
    "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}


@blp.post("/register/imports")
@roles_required(Role.SUPERVISOR)
@needs_scope("manage")
@accepts_upload
@blp.arguments(RegisterImportArgsSchema, location="query")
@blp.doc(requestBody=BODY)
@blp.response(201, RegisterUploadSchema)
def import_register(args):
    """Import the register (the original kept; all-or-nothing); a rejected file answers 201 with its issues."""
    limit = int(current_app.config["MAX_UPLOAD_BYTES"])
    if request.content_length is not None and request.content_length > limit + 64 * 1024:
        abort(413, errors=[{"rule": "F05", "field": "Content-Length"}])
    if request.mimetype == "multipart/form-data":
        fh = request.files.get("file")
        if fh is None:
            abort(400, code="file_missing", message="The multipart body has no field `file`.",
                  message_zh="multipart 请求体中没有 file 字段。")
        stream, name = fh.stream, clean_filename(fh.filename) or "register.xlsx"
    elif request.mimetype in RAW_TYPES:
        stream = request.stream
        name = args["filename"] or ("register.csv" if request.mimetype == "text/csv" else "register.xlsx")
    else:
        abort(415)
    upload = services.import_register(current_user, stream, name)
    db.session.commit()
    return upload
