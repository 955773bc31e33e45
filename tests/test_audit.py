"""The audit log is append-only (ORM on both databases; a trigger on PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from supervision.audit.models import AuditEvent, AuditImmutableError
from supervision.audit.services import record


def test_orm_refuses_update_and_delete(db):
    ev = record("test_action", actor_label="tester", detail={"x": 1})
    db.session.flush()
    ev.result = "changed"
    with pytest.raises(AuditImmutableError):
        db.session.flush()
    db.session.rollback()
    ev = record("test_action2", actor_label="tester")
    db.session.flush()
    db.session.delete(ev)
    with pytest.raises(AuditImmutableError):
        db.session.flush()


def test_event_fields(db):
    ev = record("thing", actor_label="tester", object_type="period", object_id=7, detail={"a": "b"})
    db.session.flush()
    got = db.session.scalar(select(AuditEvent).where(AuditEvent.id == ev.id))
    assert got.object_id == "7" and got.result == "ok" and got.at is not None and got.detail == {"a": "b"}


def test_database_refuses_raw_update_on_postgresql(app, db):
    if app.config["BACKEND"] != "postgresql":
        assert app.config["BACKEND"] == "sqlite"  # the trigger exists on PostgreSQL only
        return
    record("raw", actor_label="tester")
    db.session.flush()
    with pytest.raises(Exception, match="append-only"):
        db.session.execute(text("UPDATE audit_event SET result = 'x'"))
