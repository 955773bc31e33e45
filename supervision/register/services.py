"""Importing the regulator register (§7): all or nothing, original kept, every change audited.

An import upserts entries by ``transfer_ref`` (registers are cumulative exports, so re-importing
the same entries changes nothing); an entry whose institution code is unknown, or any blocking
validation error, rejects the whole file with the reasons listed.
"""

from __future__ import annotations

from typing import BinaryIO

from flask import current_app
from sqlalchemy import select

from supervision.audit.services import record
from supervision.domain.calendar import period_of
from supervision.domain.enums import RegisterUploadStatus, Role, Severity
from supervision.errors import ServiceError
from supervision.extensions import db
from supervision.ingest.guards import check_file
from supervision.ingest.issues import Issue
from supervision.ingest.reader import open_workbook
from supervision.ingest.validate import validate
from supervision.orgs.models import Institution
from supervision.register.csvbook import CsvDecodeError, CsvWorkbook
from supervision.register.models import RegisterEntry, RegisterUpload
from supervision.storage.service import materialise, store_upload
from supervision.transactions import begin_write

FIELDS = ("institution_id", "period_code", "transferred_date", "hotline", "business_category", "cause", "summary")


class RegisterError(ServiceError):
    """A refused register import (bilingual message, HTTP status)."""


def check_can_import(actor) -> None:
    """Supervisors (and console operators) manage the register (§1.3)."""
    if actor is not None and actor.role != Role.SUPERVISOR:
        raise RegisterError("只有审核员可以导入监管转办登记 / only supervisors import the register")


def _issue_dict(i: Issue) -> dict:
    return {"rule": i.rule, "severity": i.severity, "sheet": i.sheet, "row": i.row, "column": i.column,
            "value": i.value, "message": f"{i.message_zh} / {i.message_en}"}


def _read_register(path, suffix: str) -> tuple[list[dict], list[Issue]]:
    """Validated rows and issues of a stored register file (``.xlsx`` or ``.csv``)."""
    issues: list[Issue] = []
    rows: list[dict] = []
    if suffix == ".xlsx":
        guard = check_file(path)
        issues.extend(guard.issues)
        if guard.ok:
            with open_workbook(path) as wb:
                rows, more = _validated_rows(wb)
                issues.extend(more)
    else:
        try:
            book = CsvWorkbook(path, "监管转办登记")
        except CsvDecodeError as exc:
            issues.append(Issue("F01", Severity.BLOCKING, None, None, None, None, None, str(exc).split(" / ")[0],
                                str(exc).split(" / ")[-1]))
        else:
            rows, more = _validated_rows(book)
            issues.extend(more)
    return rows, issues


def import_register(actor, stream: BinaryIO, filename: str) -> RegisterUpload:
    """Store the original, validate it as ``REG-1`` and upsert its entries, or reject it whole."""
    check_can_import(actor)
    suffix = ".csv" if filename.lower().endswith(".csv") else ".xlsx"
    limit = int(current_app.config["MAX_UPLOAD_BYTES"])
    try:
        stored = store_upload(stream, prefix="register", suffix=suffix, limit=limit,
                              hard_limit=limit + 16 * 1024 * 1024)
    except ValueError as exc:
        raise RegisterError(f"文件超过平台上传上限 (F05) / the file is larger than the platform accepts (F05): {exc}",
                            413) from exc
    begin_write(db.session)  # the file is in (an API body streams until here): the import writes now
    upload = RegisterUpload(sha256=stored.sha256, size=stored.size, original_filename=filename[:255],
                            storage_path=stored.relative, uploaded_by_id=getattr(actor, "id", None),
                            agency_id=getattr(actor, "agency_id", None))
    db.session.add(upload)
    db.session.flush()
    with materialise("uploads", stored.relative, stored.sha256) as path:
        rows, issues = _read_register(path, suffix)
    issues.extend(_resolve_institutions(rows))
    blocking = [i for i in issues if i.severity == Severity.BLOCKING]
    upload.issues = [_issue_dict(i) for i in issues[:1000]]
    upload.touched = []
    if blocking:
        upload.status = RegisterUploadStatus.REJECTED
        record("register_import", actor=actor, object_type="register_upload", object_id=upload.id, result="rejected",
               detail={"sha256": stored.sha256, "errors": len(blocking)})
        return upload
    created = updated = unchanged = 0
    existing = {e.transfer_ref: e for e in db.session.scalars(
        select(RegisterEntry).where(RegisterEntry.transfer_ref.in_([r["transfer_ref"] for r in rows])))}
    for r in rows:
        values = {k: r[k] for k in FIELDS}
        entry = existing.get(r["transfer_ref"])
        if entry is None:
            db.session.add(RegisterEntry(upload_id=upload.id, transfer_ref=r["transfer_ref"], **values))
            created += 1
        elif any(getattr(entry, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(entry, k, v)
            entry.upload_id = upload.id
            updated += 1
        else:
            unchanged += 1
    upload.status = RegisterUploadStatus.IMPORTED
    upload.rows = len(rows)
    db.session.flush()
    record("register_import", actor=actor, object_type="register_upload", object_id=upload.id,
           detail={"sha256": stored.sha256, "created": created, "updated": updated, "unchanged": unchanged,
                   "institutions": sorted({r["institution_code"] for r in rows})})
    upload.counts = {"created": created, "updated": updated, "unchanged": unchanged}
    #: (institution id, period code) pairs whose X checks should run again (not persisted)
    upload.touched = sorted({(r["institution_id"], r["period_code"]) for r in rows})
    return upload


def _validated_rows(book) -> tuple[list[dict], list[Issue]]:
    result = validate(book, kind="REG", institution_code="", period="", period_start=None, period_end=None,
                      sector="", cap_per_rule=int(current_app.config["ERROR_CAP_PER_RULE"]))
    issues = list(result.issues.issues)
    if not result.ok:
        return [], issues
    return [dict(r) for r in result.rows("register")], issues


def _resolve_institutions(rows: list[dict]) -> list[Issue]:
    codes = {r["institution_code"] for r in rows}
    known = dict(db.session.execute(select(Institution.code, Institution.id).where(Institution.code.in_(codes))).all())
    issues = []
    for r in rows:
        inst_id = known.get(r["institution_code"])
        if inst_id is None:
            issues.append(Issue("V03", Severity.BLOCKING, "监管转办登记", r.get("_row"), None, "institution_code",
                                r["institution_code"],
                                f"机构代码 {r['institution_code']} 不在平台登记的机构名录中 (V03)",
                                f"institution code {r['institution_code']} is not in the platform's register of "
                                "institutions (V03)"))
            continue
        r["institution_id"] = inst_id
        r["period_code"] = period_of(r["transferred_date"]).code
    return issues
