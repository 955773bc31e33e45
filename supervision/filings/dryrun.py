"""Dry runs as background work (issue 11, defect 2).

The web request only streams the file (size-limited, hashed) into ``instance/dryruns`` and queues
:func:`run_dry_run`; the job validates it in the limited child process (as an upload's ingest) and
keeps the report; the file is deleted as soon as the report exists. The page polls until the report
is there, shows it once and deletes the run; a run nobody reads is deleted after
``DRY_RUN_TTL_MINUTES`` (the ``ingest_recovery`` job). Nothing of a dry run ever counts.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from supervision.extensions import db
from supervision.filings.models import DryRun
from supervision.filings.storage import store_stream
from supervision.timeutil import utcnow


def area() -> Path:
    """The temporary area of dry-run files (never the originals' folder)."""
    return Path(current_app.config["INSTANCE_PATH"]) / "dryruns"


def create(actor, institution, period, kind: str, stream, filename: str) -> DryRun:
    """Keep the file in the temporary area (refused past the upload limit) and record the run; flushes."""
    from supervision.filings.services import FilingError, clean_filename

    limit = int(current_app.config["MAX_UPLOAD_BYTES"])
    try:
        stored = store_stream(area(), stream, limit=limit, hard_limit=limit + 16 * 1024 * 1024)
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
        if still_used is None:  # the same bytes dry-run twice share one file
            (area() / run.path).unlink(missing_ok=True)
        run.path = None


def run_dry_run(run_id: int) -> str:
    """Job: validate the run's file in the limited child process, keep the report, delete the file."""
    from supervision.filings.runner import dry_run_in_child
    from supervision.orgs.models import Institution

    run = db.session.get(DryRun, run_id)
    if run is None or run.status not in ("queued",) or not run.path:
        return "gone"
    run.status = "running"
    db.session.commit()
    inst = db.session.get(Institution, run.institution_id)
    try:
        report = dry_run_in_child(str(area() / run.path), inst.code, run.period.code, run.kind)
    except Exception as exc:  # never leave the page waiting
        report = {"status": "FAILED", "rows": {}, "errors": [], "failure": f"{type(exc).__name__}"}
    run = db.session.get(DryRun, run_id)
    if run is None:
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
    # files of runs whose row is gone (a crash between store and commit)
    folder = area()
    if folder.exists():
        known = set(db.session.scalars(select(DryRun.path).where(DryRun.path.is_not(None))))
        for p in folder.rglob("*"):
            if p.is_file() and str(p.relative_to(folder)) not in known and \
                    now.timestamp() - p.stat().st_mtime > 3600:
                os.unlink(p)
    return len(runs)
