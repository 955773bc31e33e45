"""Recording audit events. Services call :func:`record`; the request or job commits."""

from __future__ import annotations

from flask import g, has_request_context, request

from supervision.audit.models import AuditEvent
from supervision.extensions import db


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
