"""The audit event of a schema migration: which platform version moved the database from which
Alembic revision to which (``supervision db upgrade``, or any other run of the migrations).

Called by ``migrations/env.py`` inside the migration transaction, so the schema change and its
audit event are committed together. Uses lightweight table constructs naming only the columns it
writes, so it works at every revision that has the ``audit_event`` table.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import JSON, DateTime, String, column, desc, inspect, select, table
from sqlalchemy.engine import Connection

from supervision.timeutil import utcnow
from supervision.version import platform_version

AUDIT = table(
    "audit_event",
    column("id"),
    column("at", DateTime(timezone=True)),
    column("actor_label", String),
    column("action", String),
    column("object_type", String),
    column("object_id", String),
    column("result", String),
    column("detail", JSON),
)
ACTIONS = ("db_upgrade", "db_downgrade")


def last_recorded_version(connection: Connection) -> str | None:
    """The platform version of the latest schema migration event (None before the first)."""
    detail = connection.execute(select(AUDIT.c.detail).where(AUDIT.c.action.in_(ACTIONS))
                                .order_by(desc(AUDIT.c.id)).limit(1)).scalar()
    return detail.get("version") if isinstance(detail, dict) else None


def record_migration(connection: Connection, before: Sequence[str], after: Sequence[str],
                     steps: Sequence[tuple[str, bool]]) -> bool:
    """Append the audit event of one migration run; returns whether one was written.

    ``steps`` are the applied (revision, is_upgrade) pairs in order. A run that applied nothing is
    recorded only when the platform version differs from the last recorded one (a new release whose
    schema did not change), so restarting the same version adds nothing.
    """
    if not inspect(connection).has_table("audit_event"):
        return False  # downgraded below the first revision
    version = platform_version()
    if not steps and last_recorded_version(connection) == version:
        return False
    downgrade = bool(steps) and not steps[-1][1]
    connection.execute(AUDIT.insert().values(
        at=utcnow(), actor_label="system", action="db_downgrade" if downgrade else "db_upgrade",
        object_type="schema", object_id=",".join(after) or "base", result="ok",
        detail={"version": version, "from": list(before), "to": list(after), "applied": [rev for rev, _ in steps]}))
    return True
