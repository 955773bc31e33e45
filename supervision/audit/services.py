"""Recording audit events. Services call :func:`record`; the request or job commits."""

from __future__ import annotations

from flask import g, has_request_context, request

from supervision.audit.models import AuditEvent
from supervision.extensions import db
from supervision.transactions import begin_write


def record(action: str, *, actor=None, object_type: str | None = None, object_id=None,
           result: str = "ok", detail: dict | None = None, actor_label: str | None = None) -> AuditEvent:
    """Append one audit event (actor, action, object, result, UTC time, request id) to the session."""
    request_id = g.get("request_id") if has_request_context() else None
    ip = request.remote_addr if has_request_context() else None
    if actor_label is None:
        actor_label = getattr(actor, "email", None) or "system"
    ev = AuditEvent(
        actor_id=getattr(actor, "id", None),
        actor_label=actor_label,
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        result=result,
        detail=detail or {},
        request_id=request_id,
        ip=ip,
        agency_id=getattr(actor, "agency_id", None),
        institution_id=getattr(actor, "institution_id", None),
    )
    db.session.add(ev)
    return ev


def record_now(action: str, **kwargs) -> AuditEvent:
    """:func:`record` and commit at once, for a request that only reads (a GET) and whose one write
    is its audit event. The write begins as a writer (SQLite: :mod:`supervision.transactions`), so
    a commit made meanwhile by an ingest cannot fail the request; what was read is committed first
    (nothing)."""
    begin_write(db.session)
    ev = record(action, **kwargs)
    db.session.commit()
    return ev


def record_download(kind: str, *, object_type: str, object_id, detail: dict | None = None) -> None:
    """Audit one download by the acting user (originals, annotated workbooks, issue lists,
    attachments, exports) and commit it: a download changes nothing else (issue 11, defect 6)."""
    from flask_login import current_user

    actor = current_user._get_current_object() if getattr(current_user, "is_authenticated", False) else None
    record_now("download", actor=actor, object_type=object_type, object_id=object_id,
               detail={"kind": kind, **(detail or {})})


def record_denial(status: int, reason: str = "") -> None:
    """Audit a refused request for a record (403, or 404 on a route that names one): who, which
    route and arguments, and why; in a transaction of its own after the request's is rolled back."""
    from flask_login import current_user

    if not has_request_context() or request.url_rule is None:
        return
    if status == 404 and not request.view_args:
        return  # an unknown address names no record
    actor = current_user._get_current_object() if getattr(current_user, "is_authenticated", False) else None
    try:
        db.session.rollback()
        begin_write(db.session)  # SQLite: see supervision.transactions
        record("access_denied", actor=actor, object_type=request.endpoint,
               object_id=",".join(f"{k}={v}" for k, v in (request.view_args or {}).items())[:64] or None,
               result="denied", detail={"status": status, "method": request.method, "path": request.path[:300],
                                        "reason": reason[:300]})
        db.session.commit()
    except Exception:  # the refusal is answered even if the database cannot record it
        db.session.rollback()
