"""``/api/v1/filings`` and ``/api/v1/versions``: machine submission of workbooks and everything a
version report offers (status and progress, issues, annotated and original workbooks), withdrawal
by the filer and acceptance or return by a supervisor (§7a); ``/api/v1/templates`` downloads.

Uploads: ``POST /api/v1/filings?period=2024Q1&kind=CMP`` with the workbook as
``multipart/form-data`` (field ``file``) or as the raw body with an Excel ``Content-Type``. A body
larger than the §3 limit is refused (413, F05) from its ``Content-Length`` before a byte is read.
``Idempotency-Key`` makes a retried upload return the version of the first attempt.
"""

from __future__ import annotations

import io
from pathlib import Path

from flask import current_app, request, send_file, url_for
from flask_login import current_user
from flask_smorest import Blueprint, abort
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from supervision.api.auth import clean_filename, needs_scope
from supervision.api.paging import keyset_page
from supervision.api.schemas import CursorArgsSchema, page_schema
from supervision.audit.services import record_download
from supervision.authz import roles_required
from supervision.domain.enums import DATA_ROLES, FilingKind, Role, VersionStatus
from supervision.extensions import db
from supervision.filings import queries, services
from supervision.filings.content_models import ValidationIssue
from supervision.filings.models import Filing, FilingVersion
from supervision.filings.schemas import (
    FilingArgsSchema,
    FilingSchema,
    IssueArgsSchema,
    IssuePageSchema,
    NoteSchema,
    SubmissionSchema,
    SubmitArgsSchema,
    TemplateArgsSchema,
    VersionSchema,
)
from supervision.main.limits import accepts_upload
from supervision.orgs.models import Institution
from supervision.periods.models import Period
from supervision.scope import institution_condition
from supervision.storage.service import send_object
from supervision.tasks import enqueue
from supervision.tokens.models import IdempotentSubmission

blp = Blueprint("api_filings", __name__, url_prefix="/api/v1", description="Filings: submit, poll, issues, decide")
FilingPage = page_schema(FilingSchema, "FilingPage")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: Content-Types accepted for a raw-body upload (the workbook's format is detected from its bytes)
RAW_TYPES = {XLSX, "application/vnd.ms-excel", "application/vnd.ms-excel.sheet.macroenabled.12",
             "application/vnd.oasis.opendocument.spreadsheet", "application/octet-stream"}
BINARY = {"200": {"description": "file", "content": {"application/octet-stream": {"schema": {"type": "string",
                                                                                             "format": "binary"}}}}}
UPLOAD_BODY = {"required": True, "content": {
    "multipart/form-data": {"schema": {"type": "object", "required": ["file"],
                                       "properties": {"file": {"type": "string", "format": "binary"}}}},
    XLSX: {"schema": {"type": "string", "format": "binary"}},
    "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}


#: OpenAPI links (stateful clients and tests follow them): submit → status → issues and downloads
VERSION_REF = "#/paths/~1api~1v1~1versions~1{version_id}"
SUBMIT_LINKS = {"GetVersion": {"operationRef": VERSION_REF + "/get",
                               "parameters": {"version_id": "$response.body#/version/id"}}}
VERSION_LINKS = {
    "GetIssues": {"operationRef": "#/paths/~1api~1v1~1versions~1{version_id}~1issues/get",
                  "parameters": {"version_id": "$response.body#/id"}},
    "GetOriginal": {"operationRef": "#/paths/~1api~1v1~1versions~1{version_id}~1original/get",
                    "parameters": {"version_id": "$response.body#/id"}},
}


class FilingListArgs(CursorArgsSchema, FilingArgsSchema):
    """Cursor and filters."""


class IssueListArgs(CursorArgsSchema, IssueArgsSchema):
    """Cursor and filters."""


def _version_or_404(version_id: int) -> FilingVersion:
    v = queries.visible_version(current_user, version_id)
    if v is None:
        abort(404)
    return v


@blp.get("/filings")
@roles_required(*DATA_ROLES)
@blp.arguments(FilingListArgs, location="query")
@blp.response(200, FilingPage)
def filings(args):
    """Filings in the caller's scope, newest first, filtered by period, kind and institution."""
    q = queries.filtered_filings(current_user, args)
    rows, nxt = keyset_page(q, Filing.id, "filings", args["cursor"], args["limit"])
    return {"items": rows, "next_cursor": nxt}


def _upload_stream():
    """The uploaded bytes and file name, from a multipart field ``file`` or the raw body (415 otherwise)."""
    mimetype = request.mimetype
    if mimetype == "multipart/form-data":
        fh = request.files.get("file")
        if fh is None:
            abort(400, code="file_missing", message="The multipart body has no field `file`.",
                  message_zh="multipart 请求体中没有 file 字段。")
        return fh.stream, clean_filename(fh.filename)
    if mimetype in RAW_TYPES:
        return request.stream, ""
    abort(415)
    raise AssertionError("unreachable")


def _refuse_large_upload() -> None:
    """413 from the declared length, before the body is read (§3 upload limit, rule F05)."""
    limit = int(current_app.config["MAX_UPLOAD_BYTES"])
    length = request.content_length
    if length is not None and length > limit + 64 * 1024:
        abort(413, errors=[{"rule": "F05", "field": "Content-Length",
                            "message_zh": f"文件超过平台上传上限 {limit // (1024 * 1024)} MiB",
                            "message_en": f"the file is larger than the platform accepts "
                                          f"({limit // (1024 * 1024)} MiB)"}])


def _institution_for(args) -> Institution:
    if current_user.role == Role.FILER:
        if args["institution"] and args["institution"] != current_user.institution.code:
            abort(404)
        return current_user.institution
    if not args["institution"]:
        abort(422, errors={"query": {"institution": ["Required for a supervisor's upload."]}})
    inst = db.session.scalar(select(Institution).where(Institution.code == args["institution"],
                                                       institution_condition(current_user, "filings")))
    if inst is None:
        abort(404)
    return inst


def _remembered(key: str | None) -> IdempotentSubmission | None:
    if not key:
        return None
    return db.session.scalar(select(IdempotentSubmission).where(IdempotentSubmission.user_id == current_user.id,
                                                                IdempotentSubmission.key == key))


def _replay(memo: IdempotentSubmission, sha256: str | None):
    if sha256 is not None and memo.sha256 != sha256:
        abort(409, code="idempotency_key_reused",
              message="This Idempotency-Key was used for another file; use a new key for a new file.",
              message_zh="该 Idempotency-Key 已用于另一个文件；新文件请使用新的键。")
    v = _version_or_404(memo.version_id)
    return _submission_body(v, False), 200, {"Location": url_for("api_filings.version", version_id=v.id)}


def _submission_body(v: FilingVersion, created: bool) -> dict:
    return {"created": created, "version": v, "status_url": url_for("api_filings.version", version_id=v.id)}


@blp.post("/filings")
@roles_required(Role.FILER, Role.SUPERVISOR)
@needs_scope("submit")
@accepts_upload
@blp.arguments(SubmitArgsSchema, location="query")
@blp.doc(requestBody=UPLOAD_BODY, parameters=[{"in": "header", "name": "Idempotency-Key", "required": False,
                                              "schema": {"type": "string", "maxLength": 200}}],
         responses={202: {"links": SUBMIT_LINKS}, 200: {"links": SUBMIT_LINKS}})
@blp.response(202, SubmissionSchema, description="received; validation runs in the background")
@blp.alt_response(200, schema=SubmissionSchema, description="the same file or Idempotency-Key was received before")
def submit(args):
    """Upload a workbook for the caller's institution; poll ``status_url`` until the version is decided."""
    _refuse_large_upload()
    key = (request.headers.get("Idempotency-Key") or "").strip() or None
    if key is not None and len(key) > 200:
        abort(422, errors={"header": {"Idempotency-Key": ["At most 200 characters."]}})
    inst = _institution_for(args)
    period = db.session.scalar(select(Period).where(Period.code == args["period"].upper()))
    if period is None:
        abort(422, errors={"query": {"period": [f"No period {args['period']} on the platform."]}})
    stream, filename = _upload_stream()
    stored = services.store_original(stream)
    memo = _remembered(key)
    if memo is not None:
        return _replay(memo, stored.sha256)
    kind = args["kind"]
    name = filename or args["filename"] or f"{inst.code}-{kind}-{period.code}.xlsx"
    sub = services.submit(current_user, inst, period, kind, stored, name)
    if key is not None:
        try:
            with db.session.begin_nested():
                db.session.add(IdempotentSubmission(user_id=current_user.id, key=key, sha256=stored.sha256,
                                                    version_id=sub.version.id))
        except IntegrityError:
            memo = _remembered(key)
            if memo is not None and memo.sha256 != stored.sha256:
                db.session.rollback()
                return _replay(memo, stored.sha256)
    db.session.commit()
    if sub.created:
        enqueue("supervision.filings.runner.run_version", sub.version.id)
    status = 202 if sub.created else 200
    return _submission_body(sub.version, sub.created), status, {
        "Location": url_for("api_filings.version", version_id=sub.version.id)}


@blp.get("/versions/<int:version_id>")
@roles_required(*DATA_ROLES)
@blp.doc(responses={200: {"links": VERSION_LINKS}})
@blp.response(200, VersionSchema)
def version(version_id: int):
    """A version's §7a status, progress and counts (poll this after an upload)."""
    return _version_or_404(version_id)


@blp.get("/versions/<int:version_id>/issues")
@roles_required(*DATA_ROLES)
@blp.arguments(IssueListArgs, location="query")
@blp.response(200, IssuePageSchema)
def issues(args, version_id: int):
    """The version's validation issues (same fields as the CLI's JSON report), with exact totals per rule."""
    v = _version_or_404(version_id)
    q = select(ValidationIssue).where(ValidationIssue.version_id == v.id)
    if args["rule"]:
        q = q.where(ValidationIssue.rule == args["rule"])
    if args["severity"]:
        q = q.where(ValidationIssue.severity == args["severity"])
    rows, nxt = keyset_page(q, ValidationIssue.id, f"issues:{v.id}", args["cursor"], args["limit"], descending=False)
    return {"version_id": v.id, "status": v.status, "totals": v.rule_totals or {},
            "items": [queries.issue_dict(i) for i in rows], "next_cursor": nxt}


@blp.get("/versions/<int:version_id>/annotated")
@roles_required(*DATA_ROLES)
@blp.doc(responses={**BINARY, "409": {"description": "refused before it could be read: nothing to annotate"}})
def annotated(version_id: int):
    """The institution's workbook with every offending cell marked and a 校验结果 sheet."""
    v = _version_or_404(version_id)
    if v.status in (VersionStatus.RECEIVED, VersionStatus.VALIDATING) or queries.refused_before_parsing(v):
        abort(409, code="not_annotatable",
              message="This version is being processed or was refused before it could be read; see its issues.",
              message_zh="该版本正在处理，或在读取前即被拒收，无法标注；请查看问题列表。")
    data = services.annotated_workbook(v)  # from the store, checked against its SHA-256
    record_download("annotated", object_type="filing_version", object_id=v.id, detail={"via": "api"})
    stem = Path(services.clean_filename(v.original_filename)).stem
    return send_file(io.BytesIO(data), as_attachment=True, mimetype=XLSX,
                     download_name=f"{stem}_校验结果_v{v.number}.xlsx")


@blp.get("/versions/<int:version_id>/original")
@roles_required(*DATA_ROLES)
@blp.doc(responses=BINARY)
def original(version_id: int):
    """The original bytes exactly as uploaded (SHA-256 as in the version).

    Read from the configured store and checked against the version's SHA-256 before the first byte
    is sent: a missing file is a 404, a damaged one a 409, each with a bilingual JSON error."""
    v = _version_or_404(version_id)
    response = send_object("uploads", v.storage_path, v.sha256, mimetype="application/octet-stream",
                           download_name=services.clean_filename(v.original_filename))  # verified, then recorded
    record_download("original", object_type="filing_version", object_id=v.id,
                    detail={"sha256": v.sha256, "via": "api"})
    return response


def _after_leaving(v: FilingVersion) -> None:
    db.session.commit()
    enqueue("supervision.checks.engine.run_after_change", v.filing.institution_id, v.filing.period_id,
            f"user:{v.status.lower()}")


@blp.post("/versions/<int:version_id>/withdraw")
@roles_required(Role.FILER)
@needs_scope("submit")
@blp.arguments(NoteSchema)
@blp.response(200, VersionSchema)
def withdraw(body, version_id: int):
    """The filer withdraws a processed version with a note (§1.3); an earlier accepted one may count again."""
    v = _version_or_404(version_id)
    services.withdraw(current_user, v, body["note"])
    _after_leaving(v)
    return v


@blp.post("/versions/<int:version_id>/accept")
@roles_required(Role.SUPERVISOR)
@needs_scope("manage")
@blp.response(200, VersionSchema)
def accept(version_id: int):
    """A supervisor accepts a VALIDATED version (§7a)."""
    v = _version_or_404(version_id)
    services.accept_by(current_user, v)
    db.session.commit()
    if v.status == VersionStatus.ACCEPTED:
        enqueue("supervision.checks.engine.run_after_accept", v.id)
    return v


@blp.post("/versions/<int:version_id>/return")
@roles_required(Role.SUPERVISOR)
@needs_scope("manage")
@blp.arguments(NoteSchema)
@blp.response(200, VersionSchema)
def return_(body, version_id: int):
    """A supervisor returns a version to the institution with a note (§7a)."""
    v = _version_or_404(version_id)
    services.return_version(current_user, v, body["note"])
    _after_leaving(v)
    return v


@blp.get("/templates/<kind>")
@roles_required(*DATA_ROLES)
@blp.arguments(TemplateArgsSchema, location="query")
@blp.doc(responses=BINARY)
def template(args, kind: str):
    """The official template of ``kind`` (CMP or DSC), the cover prefilled for a filer's institution."""
    from supervision.ingest.template_writer import write_template

    if kind not in FilingKind.values():
        abort(404)
    period = (args["period"] or "").upper()
    if period and db.session.scalar(select(Period.id).where(Period.code == period)) is None:
        abort(422, errors={"query": {"period": [f"No period {period} on the platform."]}})
    inst = current_user.institution if current_user.role == Role.FILER else None
    buf = io.BytesIO()
    write_template(buf, kind, institution_code=inst.code if inst else "", institution_name=inst.name if inst else "",
                   period=period)
    buf.seek(0)
    return send_file(buf, as_attachment=True, mimetype=XLSX,
                     download_name=f"{kind}-1_{inst.code if inst else 'template'}_{period or 'period'}.xlsx")
