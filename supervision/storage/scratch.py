"""What a killed process leaves in this node's scratch folder (``instance/tmp``), removed later.

Every normal or failing path removes its own scratch files and folders: the ingest child's spool
(``sv-spool-*``), reader windows (``sv-windows-*``) and SQLite staging (``sv-stage-*``), the guard
helper's copy (``sv-guard-*``), an upload being hashed (``.upload-*``), a downloaded original
(``.object-*``) and an export being written (``.export-*``). A ``SIGKILL`` (the memory or time limit,
an operator) runs no clean-up, so these stay behind and, over months of large filings, fill the
disk. :func:`sweep_scratch` removes those that nothing has touched for :data:`MAX_AGE`; it runs with
the ``ingest_recovery`` job (the scheduler's node) and when ``supervision worker`` starts (each worker
node has its own scratch folder).
"""

from __future__ import annotations

import logging
import os
import shutil
import time
from datetime import datetime, timedelta
from pathlib import Path

log = logging.getLogger(__name__)

#: name prefixes of what the platform writes into the scratch folder (nothing else is touched)
PREFIXES = ("sv-", ".upload-", ".object-", ".export-")
#: untouched for this long, an entry belongs to no live work: an ingest child is stopped after
#: ``SUPERVISION_INGEST_TIME_LIMIT`` seconds of CPU (15 minutes by default), uploads and exports
#: take minutes
MAX_AGE = timedelta(hours=24)


def _last_touched(path: Path) -> float:
    """The latest modification time of ``path`` (not followed if a link) and, for a folder, of what
    is directly in it."""
    latest = path.lstat().st_mtime
    if path.is_dir() and not path.is_symlink():
        with os.scandir(path) as entries:
            for entry in entries:
                try:
                    latest = max(latest, entry.stat(follow_symlinks=False).st_mtime)
                except FileNotFoundError:
                    continue
    return latest


def sweep(folder: Path, now: datetime | None = None, max_age: timedelta = MAX_AGE) -> list[str]:
    """Remove from ``folder`` the entries named with one of :data:`PREFIXES` that nothing has touched
    for ``max_age`` before ``now``; return their names. Links are removed, never followed."""
    cutoff = (now.timestamp() if now is not None else time.time()) - max_age.total_seconds()
    removed: list[str] = []
    if not folder.is_dir():
        return removed
    for path in sorted(folder.iterdir()):
        if not path.name.startswith(PREFIXES):
            continue
        try:
            if _last_touched(path) >= cutoff:
                continue
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()
        except FileNotFoundError:  # removed meanwhile by its owner
            continue
        except OSError:
            log.warning("scratch entry %s could not be removed", path, exc_info=True)
            continue
        removed.append(path.name)
    if removed:
        log.info("removed %d stale scratch entries from %s: %s", len(removed), folder, ", ".join(removed))
    return removed


def sweep_scratch(now: datetime | None = None) -> list[str]:
    """:func:`sweep` of this node's scratch folder (``instance/tmp``, in an application context)."""
    from supervision.storage.service import scratch_dir

    return sweep(scratch_dir(), now)
