"""Audit event model; rows are never updated or deleted (enforced by ORM events and, on
PostgreSQL, by a trigger created in the migration)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, String, event
from sqlalchemy.orm import Mapped, mapped_column

from supervision.extensions import db
from supervision.timeutil import utcnow


class AuditEvent(db.Model):
    """One audited action: actor, action, object, result, UTC time and the request id."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    actor_label: Mapped[str] = mapped_column(String(254))
    action: Mapped[str] = mapped_column(String(64), index=True)
    object_type: Mapped[str | None] = mapped_column(String(64))
    object_id: Mapped[str | None] = mapped_column(String(64))
    result: Mapped[str] = mapped_column(String(16), default="ok")
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    request_id: Mapped[str | None] = mapped_column(String(64), index=True)
    ip: Mapped[str | None] = mapped_column(String(64))
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id", ondelete="SET NULL"), index=True)
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("institution.id", ondelete="SET NULL"), index=True)


class AuditImmutableError(RuntimeError):
    """Raised on any attempt to change or delete an audit event."""


@event.listens_for(AuditEvent, "before_update")
def _no_update(mapper, connection, target):  # pragma: no cover - exercised by tests
    raise AuditImmutableError("审计日志只可追加 / the audit log is append-only")


@event.listens_for(AuditEvent, "before_delete")
def _no_delete(mapper, connection, target):  # pragma: no cover - exercised by tests
    raise AuditImmutableError("审计日志只可追加 / the audit log is append-only")
