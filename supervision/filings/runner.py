"""Run the ingest pipeline of a version in a child process with memory and time limits.

The job (thread, RQ worker or the CLI) calls :func:`run_version`; it starts
``python -m supervision.filings.child VERSION_ID`` with ``RLIMIT_AS`` set, waits up to the time
limit, and if the child dies (killed, out of memory, crashed) marks the version FAILED — the
child's own transaction was never committed, so nothing partial is stored.
"""

from __future__ import annotations

import logging
import os
import resource
import signal
import subprocess
import sys
import threading

from flask import current_app

from supervision.domain.enums import VersionStatus
from supervision.extensions import db
from supervision.filings.models import FilingVersion
from supervision.timeutil import utcnow
from supervision.transactions import begin_write

log = logging.getLogger(__name__)

#: ``app.extensions`` key: start the child by forking this process (``supervision ingest`` only, see
#: :mod:`supervision.filings.forked`) instead of a fresh interpreter
FORK_CHILD = "supervision_ingest_fork_child"


def child_env() -> dict[str, str]:
    """Environment for the child: the same database, folders and secret as this app."""
    c = current_app.config
    env = dict(os.environ)
    env.update({
        "SUPERVISION_DATABASE_URL": c["SQLALCHEMY_DATABASE_URI"],
        "SUPERVISION_INSTANCE_PATH": c["INSTANCE_PATH"],
        "SUPERVISION_UPLOAD_FOLDER": c["UPLOAD_FOLDER"],
        "SUPERVISION_SECRET_KEY": c["SECRET_KEY"],
        "SUPERVISION_AUTO_ACCEPT": "1" if c["AUTO_ACCEPT"] else "0",
        "SUPERVISION_ERROR_CAP_PER_RULE": str(c["ERROR_CAP_PER_RULE"]),
        "SUPERVISION_ENV": "production" if c["SUPERVISION_ENV"] == "production" else "development",
    })
    for key in ("MAX_UPLOAD_BYTES", "MAX_UNPACKED_BYTES", "MAX_COMPRESSION_RATIO", "MAX_ROWS", "MAX_COLUMNS",
                "DUE_DAYS", "LOCK_DAYS", "REDIS_URL", "RATELIMIT_STORAGE_URI", "EXPORT_FOLDER", "STORAGE_URL",
                "S3_ENDPOINT_URL", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY", "S3_REGION"):
        if c.get(key) is not None:
            env[f"SUPERVISION_{'RATELIMIT_STORAGE_URL' if key == 'RATELIMIT_STORAGE_URI' else key}"] = str(c[key])
    return env


def _die_with_parent() -> None:
    """Linux: the child gets SIGKILL when the thread that started it dies (a killed worker leaves no
    orphan child that could still write; its version is recovered by the lease)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: the lease alone recovers the version
        pass


def _limits(memory_mb: int):
    def apply():
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        os.setsid()
        _die_with_parent()

    return apply


def child_input(version: FilingVersion) -> tuple[str, str | None]:
    """The local path the child reads: the stored file of the local store, or a private copy streamed
    from object storage (checked against the version's SHA-256) that the caller removes; returns
    (path, copy to remove or None)."""
    from supervision.storage.service import download_copy, scratch_dir, storage

    store = storage("uploads")
    local = store.local_path(version.storage_path)
    if local is not None:
        return str(local), None
    copy = str(download_copy(store, version.storage_path, version.sha256, scratch_dir()))
    return copy, copy


def start_child(version_id: int, guard_fd: int | None = None) -> subprocess.Popen:
    """Start the child process for ``version_id`` (tests use this to kill it mid-way); it is given a
    local path of the original (:func:`child_input`) so that its guards start while it loads the
    application — or, with ``guard_fd``, the pipe of a guard helper already running on the same bytes
    (:func:`supervision.filings.child.guard_source`; closed here once handed over). An application
    with :data:`FORK_CHILD` set (the console command) forks the child instead of starting Python.
    ``proc.input_copy`` is the private copy :func:`wait_child` removes (or None)."""
    from supervision.filings.child import GUARD_FD_ENV

    copy = None
    try:
        path, copy = child_input(db.session.get(FilingVersion, version_id))
        limits = _limits(int(current_app.config["INGEST_MEMORY_LIMIT_MB"]))
        if current_app.extensions.get(FORK_CHILD) and threading.active_count() == 1:  # fork only threadless
            from supervision.filings.forked import fork_child

            proc = fork_child(version_id, path, guard_fd, limits)
            proc.input_copy = copy
            return proc
        env = child_env()
        if guard_fd is not None:
            env[GUARD_FD_ENV] = str(guard_fd)
        proc = subprocess.Popen([sys.executable, "-m", "supervision.filings.child", str(version_id), path],
                                env=env, preexec_fn=limits, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                pass_fds=() if guard_fd is None else (guard_fd,))
    except BaseException:
        if copy:
            os.unlink(copy)
        raise
    finally:
        if guard_fd is not None:
            os.close(guard_fd)
    proc.input_copy = copy
    return proc


def mark_failed(version_id: int, reason: str) -> None:
    """Record a dead child's version as FAILED (re-runnable), in its own transaction."""
    db.session.rollback()
    begin_write(db.session)  # read, then written while other ingests commit (supervision.transactions)
    v = db.session.get(FilingVersion, version_id)
    db.session.refresh(v)
    if v.status in (VersionStatus.RECEIVED, VersionStatus.VALIDATING):
        v.status = VersionStatus.FAILED
        v.failure = reason[:2000]
        v.status_changed_at = utcnow()
        v.processing_finished_at = utcnow()
        v.progress = {**(v.progress or {}), "stage": "failed"}
        from supervision.audit.services import record

        record("filing_failed", actor_label="ingest", object_type="filing_version", object_id=v.id,
               result="error", detail={"reason": reason[:500]})
        db.session.commit()
    else:
        db.session.rollback()  # finished meanwhile: nothing to record, the write lock is not kept


def describe_exit(code: int | None, stderr: bytes) -> str:
    """Bilingual reason for a child's exit."""
    tail = stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
    if code is not None and code < 0:
        name = signal.Signals(-code).name
        return f"处理进程被信号 {name} 终止 / processing was killed by {name}. " + " ".join(tail)
    if code == 3:
        return "处理进程内存或资源不足 / processing ran out of memory or resources. " + " ".join(tail)
    return f"处理进程异常退出（代码 {code}）/ processing exited with code {code}. " + " ".join(tail)


def time_limit(size_bytes: int) -> int:
    """Seconds a child may take: ``INGEST_TIME_LIMIT``, raised for big files by
    ``INGEST_SECONDS_PER_MIB`` per MiB so a file within the §3 limits is never killed for its size."""
    per_mib = float(current_app.config.get("INGEST_SECONDS_PER_MIB", 20))
    return max(int(current_app.config["INGEST_TIME_LIMIT"]), int(size_bytes / (1024 * 1024) * per_mib))


def _heartbeat(take_lease, version_id: int) -> None:
    """Renew the lease; a database busy with the child's own write (SQLite's single writer holds its
    lock while the version is stored) skips this beat instead of failing the job: the child then
    finishes the version, and the next beat renews the lease if it is still being processed."""
    from sqlalchemy.exc import OperationalError

    try:
        take_lease(version_id)
    except OperationalError:
        db.session.rollback()


def wait_child(proc: subprocess.Popen, version_id: int) -> str:
    """Wait for the child within the time limit, renewing the version's lease meanwhile, and return
    the version's final status."""
    import time

    from supervision.filings.recovery import lease_seconds, take_lease

    limit = time_limit(db.session.get(FilingVersion, version_id).size)
    deadline = time.monotonic() + limit
    beat = max(1.0, lease_seconds() / 4)
    try:
        while True:
            try:
                _out, err = proc.communicate(timeout=max(0.0, min(beat, deadline - time.monotonic())))
            except subprocess.TimeoutExpired:
                if time.monotonic() < deadline:
                    _heartbeat(take_lease, version_id)  # this job is alive
                    continue
                os.killpg(proc.pid, signal.SIGKILL)
                _out, err = proc.communicate()
                mark_failed(version_id, f"处理超时（{limit} 秒）/ processing exceeded the time limit of {limit} s")
            else:
                if proc.returncode != 0:
                    mark_failed(version_id, describe_exit(proc.returncode, err or b""))
                elif err and err.strip():  # done, but it said something (a helper that gave no answer…)
                    log.warning("ingest child of version %s wrote to stderr:\n%s", version_id,
                                err.decode("utf-8", "replace").strip()[-8000:])
            break
    finally:
        copy = getattr(proc, "input_copy", None)
        if copy and os.path.exists(copy):
            os.unlink(copy)
    db.session.rollback()
    v = db.session.get(FilingVersion, version_id)
    db.session.refresh(v)
    _observe(v)
    return v.status


def _observe(v: FilingVersion) -> None:
    """Ingest duration and rows by outcome (Prometheus)."""
    from supervision.ops.metrics import observe_ingest

    seconds = None
    if v.processing_started_at and v.processing_finished_at:
        seconds = max(0.0, (v.processing_finished_at - v.processing_started_at).total_seconds())
    rows = sum(int(n) for n in (v.row_counts or {}).values() if isinstance(n, int | float))
    observe_ingest(str(v.status), seconds, rows)


def run_version(version_id: int, guard_fd: int | None = None) -> str:
    """Job entry point: process ``version_id`` in a child process under a lease; returns its final
    status. An original that cannot be read from storage (missing, damaged, unreachable) fails the
    version with that reason (re-runnable once storage is back). ``guard_fd``: see :func:`start_child`."""
    from supervision.filings.recovery import take_lease
    from supervision.storage.base import StorageError

    take_lease(version_id)
    try:
        proc = start_child(version_id, guard_fd)
    except StorageError as exc:
        mark_failed(version_id, str(exc))
        v = db.session.get(FilingVersion, version_id)
        _observe(v)
        return v.status
    return wait_child(proc, version_id)


def dry_run_in_child(path: str, institution_code: str, period_code: str, kind: str) -> dict:
    """Validate ``path`` in a limited child process and return its report (nothing is stored)."""
    import json

    proc = subprocess.Popen([sys.executable, "-m", "supervision.filings.child", "--dry-run", str(path),
                             institution_code, period_code, kind], env=child_env(),
                            preexec_fn=_limits(int(current_app.config["INGEST_MEMORY_LIMIT_MB"])),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        out, err = proc.communicate(timeout=time_limit(os.path.getsize(path)))
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        return {"status": VersionStatus.FAILED, "rows": {}, "errors": [], "failure": "处理超时 / processing timed out"}
    if proc.returncode != 0:
        return {"status": VersionStatus.FAILED, "rows": {}, "errors": [], "failure": describe_exit(
proc.returncode, err)}
    return json.loads(out.decode("utf-8"))
