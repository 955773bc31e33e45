"""Run the ingest pipeline of a version in a child process with memory and time limits.

The job (thread, RQ worker or the CLI) calls :func:`run_version`; it starts
``python -m supervision.filings.child VERSION_ID`` with ``RLIMIT_AS`` set, waits up to the time
limit, and if the child dies (killed, out of memory, crashed) marks the version FAILED — the
child's own transaction was never committed, so nothing partial is stored.
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys

from flask import current_app

from supervision.domain.enums import VersionStatus
from supervision.extensions import db
from supervision.filings.models import FilingVersion
from supervision.timeutil import utcnow


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
                "DUE_DAYS", "LOCK_DAYS", "REDIS_URL", "RATELIMIT_STORAGE_URI"):
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


def start_child(version_id: int, guard_fd: int | None = None) -> subprocess.Popen:
    """Start the child process for ``version_id`` (tests use this to kill it mid-way); it is given the
    stored file's path so that its guards start while it loads the application — or, with
    ``guard_fd``, the pipe of a guard helper already running on the same bytes
    (:func:`supervision.filings.child.guard_source`; closed here once handed over)."""
    from supervision.filings.child import GUARD_FD_ENV
    from supervision.filings.services import version_path

    path = str(version_path(db.session.get(FilingVersion, version_id)))
    env = child_env()
    if guard_fd is not None:
        env[GUARD_FD_ENV] = str(guard_fd)
    try:
        return subprocess.Popen([sys.executable, "-m", "supervision.filings.child", str(version_id), path],
                                env=env, preexec_fn=_limits(int(current_app.config["INGEST_MEMORY_LIMIT_MB"])),
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                pass_fds=() if guard_fd is None else (guard_fd,))
    finally:
        if guard_fd is not None:
            os.close(guard_fd)


def mark_failed(version_id: int, reason: str) -> None:
    """Record a dead child's version as FAILED (re-runnable), in its own transaction."""
    db.session.rollback()
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


def wait_child(proc: subprocess.Popen, version_id: int) -> str:
    """Wait for the child within the time limit, renewing the version's lease meanwhile, and return
    the version's final status."""
    import time

    from supervision.filings.recovery import lease_seconds, take_lease

    limit = time_limit(db.session.get(FilingVersion, version_id).size)
    deadline = time.monotonic() + limit
    beat = max(1.0, lease_seconds() / 4)
    while True:
        try:
            _out, err = proc.communicate(timeout=max(0.0, min(beat, deadline - time.monotonic())))
        except subprocess.TimeoutExpired:
            if time.monotonic() < deadline:
                take_lease(version_id)  # the heartbeat: this job is alive
                continue
            os.killpg(proc.pid, signal.SIGKILL)
            _out, err = proc.communicate()
            mark_failed(version_id, f"处理超时（{limit} 秒）/ processing exceeded the time limit of {limit} s")
        else:
            if proc.returncode != 0:
                mark_failed(version_id, describe_exit(proc.returncode, err or b""))
        break
    db.session.rollback()
    v = db.session.get(FilingVersion, version_id)
    db.session.refresh(v)
    return v.status


def run_version(version_id: int, guard_fd: int | None = None) -> str:
    """Job entry point: process ``version_id`` in a child process under a lease; returns its final status
    (``guard_fd``: see :func:`start_child`)."""
    from supervision.filings.recovery import take_lease

    take_lease(version_id)
    return wait_child(start_child(version_id, guard_fd), version_id)


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
