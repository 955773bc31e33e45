"""Dry runs as background work (issue 11, defect 2).

The web request only streams the file (size-limited, hashed) into the configured store under the
``dryruns/`` prefix (issue 16: a queue worker on another machine reads it from there, never from the
web node's disk) and queues :func:`run_dry_run`; the job validates a private copy in the limited child
process (as an upload's ingest) and keeps the report; the object is deleted as soon as the report
exists. The page polls until the report is there, shows it once and deletes the run; a run nobody reads is deleted after
``DRY_RUN_TTL_MINUTES`` (the ``ingest_recovery`` job). Nothing of a dry run ever counts.
"""

from __future__ import annotations

import os
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from supervision.extensions import db
from supervision.filings.models import DryRun
from supervision.storage.base import StorageError
from supervision.storage.service import materialise, storage, store_upload
from supervision.timeutil import utcnow
from supervision.transactions import begin_write

#: the key prefix of dry-run files in the uploads store (never an original's key)
PREFIX = "dryruns"


def create(actor, institution, period, kind: str, stream, filename: str) -> DryRun:
    """Keep the file in the temporary area (refused past the upload limit) and record the run; flushes."""
    from supervision.filings.services import FilingError, clean_filename

    limit = int(current_app.config["MAX_UPLOAD_BYTES"])
    try:
        stored = store_upload(stream, prefix=PREFIX, limit=limit, hard_limit=limit + 16 * 1024 * 1024)
    except ValueError as exc:
        raise FilingError(f"文件超过平台上传上限 (F05) / the file is larger than the platform accepts (F05): {exc}",
                          413) from exc
    ttl = int(current_app.config.get("DRY_RUN_TTL_MINUTES", 60))
    run = DryRun(user_id=actor.id, institution_id=institution.id, period_id=period.id, kind=kind,
                 filename=clean_filename(filename), path=stored.relative, status="queued", report={},
                 expires_at=utcnow() + timedelta(minutes=ttl))
    db.session.add(run)
    db.session.flush()
    return run


def _remove_file(run: DryRun) -> None:
    if run.path:
        still_used = db.session.scalar(select(DryRun.id).where(DryRun.path == run.path, DryRun.id != run.id,
                                                               DryRun.status.in_(("queued", "running"))))
        if still_used is None:  # the same bytes dry-run twice share one object
            try:
                storage("uploads").delete(run.path)
            except StorageError:  # unreachable store: the sweep of purge_expired removes it later
                current_app.logger.warning("dry-run object %s not deleted", run.path)
        run.path = None


def run_dry_run(run_id: int) -> str:
    """Job: validate the run's file in the limited child process, keep the report, delete the file."""
    from supervision.filings.runner import dry_run_in_child
    from supervision.orgs.models import Institution

    begin_write(db.session)  # SQLite: read, then written while ingests commit (supervision.transactions)
    run = db.session.get(DryRun, run_id)
    if run is None or run.status not in ("queued",) or not run.path:
        db.session.rollback()  # the write lock is not kept
        return "gone"
    run.status = "running"
    inst = db.session.get(Institution, run.institution_id)
    path_in_store, period_code, kind, inst_code = run.path, run.period.code, run.kind, inst.code
    db.session.commit()  # no transaction is held while the child validates
    try:
        with materialise("uploads", path_in_store) as path:
            report = dry_run_in_child(str(path), inst_code, period_code, kind)
    except Exception as exc:  # never leave the page waiting
        report = {"status": "FAILED", "rows": {}, "errors": [], "failure": f"{type(exc).__name__}"}
    begin_write(db.session)
    run = db.session.get(DryRun, run_id)
    if run is None:
        db.session.rollback()
        return "gone"
    run.report = report
    run.status = "done"
    _remove_file(run)
    db.session.commit()
    return "done"


def consume(run: DryRun) -> dict:
    """The report of a finished run; the run is deleted (read once). Flushes."""
    report = dict(run.report or {})
    _remove_file(run)
    db.session.delete(run)
    db.session.flush()
    return report


def purge_expired(now=None) -> int:
    """Delete runs past their expiry (and their files); returns how many. Flushes."""
    now = now or utcnow()
    runs = db.session.scalars(select(DryRun).where(DryRun.expires_at < now)).all()
    for run in runs:
        _remove_file(run)
        db.session.delete(run)
    db.session.flush()
    # objects of runs whose row is gone (a crash between store and commit), past an hour on a local
    # folder (its mtime tells); an S3 store keeps them until the bucket's lifecycle rule (docs/deploy.md)
    store = storage("uploads")
    known = set(db.session.scalars(select(DryRun.path).where(DryRun.path.is_not(None))))
    try:
        keys = [k for k in store.iter_keys() if k.startswith(PREFIX + "/") and k not in known]
    except StorageError:
        return len(runs)
    for key in keys:
        local = store.local_path(key)
        if local is not None and now.timestamp() - os.stat(local).st_mtime > 3600:
            store.delete(key)
    return len(runs)
