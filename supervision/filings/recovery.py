"""Crash recovery of ingest (issue 11, defect 3).

The job processing a version holds a *lease* on it (``FilingVersion.lease_until``), renewed every
``INGEST_LEASE_SECONDS / 4`` by :mod:`supervision.filings.runner` while its child works. When the
job's process dies (SIGKILL of the RQ worker, its work-horse, the web process of the thread
back-end) nobody renews it: a version still ``VALIDATING`` (or ``RECEIVED`` with a lease, i.e. taken
by a job that died before the child started) past its lease has no live job. :func:`recover_stalled`
marks such versions ``FAILED`` — the child never committed content, so nothing partial is stored —
and ``rerun`` then accepts them.

Who calls it: ``supervision worker`` when it starts, the scheduler job ``ingest_recovery``, the
command ``supervision filings recover``, and the pages (rerun, a re-upload of identical bytes)
for the one version they touch. The first three also remove what killed processes left in their
node's scratch folder (:mod:`supervision.storage.scratch`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import or_, select, update
from sqlalchemy.exc import OperationalError

from supervision.audit.services import record
from supervision.domain.enums import VersionStatus
from supervision.extensions import db
from supervision.filings.models import FilingVersion
from supervision.timeutil import as_utc, utcnow

REASON = ("处理中断：处理进程已终止，租约 {at} 过期；原始文件仍保留，可重新处理 / processing was interrupted: its "
          "process ended and its lease expired at {at}; the original is kept and can be re-run")


def lease_seconds() -> int:
    """How long a lease lasts without renewal (``SUPERVISION_INGEST_LEASE_SECONDS``)."""
    return int(current_app.config.get("INGEST_LEASE_SECONDS", 120))


def take_lease(version_id: int, now: datetime | None = None) -> None:
    """Give (or renew) the processing lease of a version that is still being processed; commits."""
    until = (now or utcnow()) + timedelta(seconds=lease_seconds())
    active = (VersionStatus.RECEIVED, VersionStatus.VALIDATING, VersionStatus.FAILED)
    stmt = (update(FilingVersion).where(FilingVersion.id == version_id, FilingVersion.status.in_(active))
            .values(lease_until=until))
    for attempt in range(3):
        try:
            db.session.execute(stmt)
            db.session.commit()
            return
        except OperationalError as exc:
            # SQLite: a read begun before another connection's write cannot become a write
            # ("database is locked" at once, the busy timeout does not apply); a fresh transaction
            # waits for the lock as usual. The caller has committed its own work before the job.
            db.session.rollback()
            if attempt == 2 or db.engine.dialect.name != "sqlite" or "locked" not in str(exc.orig):
                raise


def is_stalled(v: FilingVersion, now: datetime | None = None) -> bool:
    """True when ``v`` is being processed by no live job: VALIDATING past its lease (a version from
    before leases existed: past one lease after its processing started), or RECEIVED with an
    expired lease."""
    now = now or utcnow()
    if v.status == VersionStatus.VALIDATING:
        lease = v.lease_until or (as_utc(v.processing_started_at or v.status_changed_at)
                                  + timedelta(seconds=lease_seconds()))
        return as_utc(lease) < now
    if v.status == VersionStatus.RECEIVED and v.lease_until is not None:
        return as_utc(v.lease_until) < now
    return False


def _fail(v: FilingVersion, now: datetime, by: str) -> None:
    at = as_utc(v.lease_until).strftime("%Y-%m-%d %H:%M:%S UTC") if v.lease_until else "?"
    v.status = VersionStatus.FAILED
    v.failure = REASON.format(at=at)
    v.status_changed_at = now
    v.processing_finished_at = now
    v.lease_until = None
    v.progress = {**(v.progress or {}), "stage": "failed"}
    record("filing_failed", actor_label=by, object_type="filing_version", object_id=v.id, result="error",
           detail={"reason": "lease expired", "by": by})


def recover_stalled(now: datetime | None = None, *, version_id: int | None = None, by: str = "recovery") -> list[int]:
    """Mark every stalled version (or just ``version_id``) FAILED; returns their ids. Flushes;
    the caller commits. Each candidate is locked and re-checked, so a job that renewed its lease
    meanwhile keeps its version."""
    now = now or utcnow()
    q = select(FilingVersion).where(
        FilingVersion.status.in_((VersionStatus.VALIDATING, VersionStatus.RECEIVED)),
        or_(FilingVersion.status == VersionStatus.VALIDATING, FilingVersion.lease_until.is_not(None)))
    if version_id is not None:
        q = q.where(FilingVersion.id == version_id)
    if db.session.get_bind().dialect.name == "postgresql":
        q = q.with_for_update(skip_locked=True)
    done = []
    for v in db.session.scalars(q).all():
        if is_stalled(v, now):
            _fail(v, now, by)
            done.append(v.id)
    db.session.flush()
    return done


def recover_job(now: datetime, period=None, run=None) -> dict:
    """Scheduler job ``ingest_recovery``: versions stalled past their lease become FAILED; expired
    dry runs are deleted with their files; what killed processes left in this node's scratch folder
    a day ago or earlier is removed (:mod:`supervision.storage.scratch`); stored versions whose
    summaries are not yet under the search's index get them (:mod:`supervision.topics.search`: a
    fill that failed, or rows stored another way; the search reads their rows directly meanwhile)."""
    from supervision.filings.dryrun import purge_expired
    from supervision.storage.scratch import sweep_scratch

    return {"recovered": recover_stalled(now, by="scheduler"), "dry_runs_deleted": purge_expired(now),
            "scratch_removed": len(sweep_scratch(now)), "summaries_indexed": len(fill_missing_summaries())}


#: versions whose search summaries one run of the recovery job fills at most (each a few seconds)
FILL_PER_RUN = 20


def fill_missing_summaries(limit: int = FILL_PER_RUN) -> list[int]:
    """Fill ``complaint_summary`` for up to ``limit`` stored versions left without it (PostgreSQL);
    returns the versions filled. Each fill commits on its own connection."""
    from supervision.topics.search import fill_version, missing_versions

    versions = missing_versions(db.session, limit)
    for version_id in versions:  # stored versions: the caller's transaction holds no lock they need
        fill_version(db.engine, version_id)
    return versions
