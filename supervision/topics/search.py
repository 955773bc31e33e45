"""The summaries of stored versions under the search's trigram index (``complaint_summary``, §10.2).

On PostgreSQL a GIN trigram index costs 1.1 s of the store of a 200,000-row version (about 5 s when
the texts are all distinct: the trigram extraction, not the merges). The index therefore lives on
its own table, filled in a transaction of its own after the version's commit and off the ingest's
path: by a queue worker at once with the RQ backend (:func:`after_commit`), and by the
``ingest_recovery`` job (every 5 minutes) for any stored version without it (no queue, a failed
fill, rows stored by an older release). Until a version's summaries are there, the search reads
that version's rows in ``complaint_row`` (:func:`indexed_versions`: 0.1–0.2 s for 200,000 rows), so
its results never depend on the fill. SQLite has no trigram index: nothing is filled there and the
search scans.
"""

from __future__ import annotations

import logging

from sqlalchemy import exists, select, text
from sqlalchemy.engine import Connection, Engine

from supervision.topics.models import ComplaintSummary

log = logging.getLogger(__name__)

_FILL = text("INSERT INTO complaint_summary (version_id, row_id, summary) "
             "SELECT version_id, id, summary FROM complaint_row WHERE version_id = :v AND summary IS NOT NULL "
             "ON CONFLICT DO NOTHING")


def used(engine: Engine | Connection) -> bool:
    """Whether ``complaint_summary`` is filled and searched on this database (PostgreSQL)."""
    return engine.dialect.name == "postgresql"


def fill_version(engine: Engine, version_id: int) -> int:
    """Copy the stored version's non-empty summaries into ``complaint_summary`` in one transaction of
    its own (all or none: the search takes a version from there once any of its rows is); returns
    the rows added (0 where they are there already, or on a database that does not use the table)."""
    if not used(engine):
        return 0
    with engine.begin() as conn:
        return conn.execute(_FILL, {"v": version_id}).rowcount


def after_commit(version_id: int, task_backend: str) -> None:
    """Right after a version's commit: with the RQ backend, queue :func:`fill_task` (a queue worker
    fills the summaries within seconds; the ingest does not wait). Otherwise, and if the queue
    cannot be reached, nothing here: the ``ingest_recovery`` job fills them within its interval
    (every 5 minutes by default), and the search reads the version's rows until then."""
    from supervision.extensions import db

    if task_backend != "rq" or not used(db.engine):
        return
    from supervision.tasks import enqueue

    try:
        enqueue("supervision.topics.search.fill_task", version_id)
    except Exception:
        log.exception("queueing the search summaries of version %s failed: the recovery job fills them", version_id)


def fill_task(version_id: int) -> int:
    """Queue job: fill the version's summaries (:func:`fill_version`, inside the job's application)."""
    from supervision.extensions import db

    return fill_version(db.engine, version_id)


def indexed_versions(session, version_ids: list[int]) -> set[int]:
    """Those of ``version_ids`` whose summaries are in ``complaint_summary`` (one index probe each)."""
    if not version_ids or not used(session.get_bind()):
        return set()
    from supervision.filings.models import FilingVersion

    there = exists().where(ComplaintSummary.version_id == FilingVersion.id)
    return set(session.scalars(select(FilingVersion.id).where(FilingVersion.id.in_(version_ids), there)))


def missing_versions(session, limit: int) -> list[int]:
    """Up to ``limit`` stored versions with rows but none in ``complaint_summary`` (PostgreSQL), oldest
    first: what the recovery job fills (a version without any summary has nothing to fill)."""
    if not used(session.get_bind()):
        return []
    from supervision.filings.content_models import ComplaintRow
    from supervision.filings.models import FilingVersion

    has_rows = exists().where(ComplaintRow.version_id == FilingVersion.id, ComplaintRow.summary.is_not(None))
    filled = exists().where(ComplaintSummary.version_id == FilingVersion.id)
    return list(session.scalars(select(FilingVersion.id).where(has_rows, ~filled).order_by(FilingVersion.id)
                                .limit(limit)))
