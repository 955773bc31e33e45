"""Issue 11 defect 3: a crash mid-ingest (real SIGKILL of the processes, thread and RQ back-ends)
leaves the version VALIDATING only until its processing lease runs out; then it becomes FAILED
(worker start, scheduler job, CLI, the pages), ``rerun`` accepts it, and re-uploading the same
bytes offers the re-run. Nothing of the killed run is stored."""

from __future__ import annotations

import contextlib
import io
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis
from sqlalchemy import func, select

from supervision.audit.models import AuditEvent
from supervision.extensions import db
from supervision.filings import services
from supervision.filings.content_models import ComplaintRow
from supervision.filings.models import FilingVersion
from supervision.filings.recovery import recover_job, recover_stalled
from supervision.filings.runner import run_version
from supervision.tasks import enqueue
from tests.conftest import PASSWORD, csrf_from, login
from tests.filings.workbooks import big_cmp_workbook

REDIS_URL = os.environ.get("SUPERVISION_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
LEASE = 2  # seconds: the killed job's lease runs out quickly

THREAD_HOST = """
import sys, time
from supervision.app import create_app
from supervision.tasks import enqueue
app = create_app()
with app.app_context():
    enqueue("supervision.filings.runner.run_version", int(sys.argv[1]))
time.sleep(600)
"""


def _env(app, **extra) -> dict:
    return {**os.environ, "SUPERVISION_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
            "SUPERVISION_INSTANCE_PATH": app.config["INSTANCE_PATH"],
            "SUPERVISION_SECRET_KEY": app.config["SECRET_KEY"], "SUPERVISION_INGEST_LEASE_SECONDS": str(LEASE),
            **extra}


def _workbook(world, tmp_path, inst, n=30_000) -> Path:
    p = world.current
    return big_cmp_workbook(tmp_path / f"crash-{inst.code}.xlsx", code=inst.code, name=inst.name, period=p.code,
                            period_start=p.start_date, n=n)


def _submit(world, inst, path) -> int:
    with path.open("rb") as fh:
        stored = services.store_original(fh)
    sub = services.submit(None, inst, world.current, "CMP", stored, path.name)
    db.session.commit()
    return sub.version.id


def _wait_mid_ingest(vid: int, timeout=180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        db.session.rollback()
        v = db.session.get(FilingVersion, vid)
        prog = v.progress or {}
        if v.status == "VALIDATING" and prog.get("rows_read", 0) >= 3000 and v.lease_until is not None:
            return
        assert v.status in ("RECEIVED", "VALIDATING"), (v.status, v.failure)
        time.sleep(0.05)
    pytest.fail("ingest never got going")


def _children_of(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            if ppid == pid:
                out.append(int(entry.name))
    return out


def _tree(pid: int) -> list[int]:
    found, stack = [], [pid]
    while stack:
        p = stack.pop()
        found.append(p)
        stack.extend(_children_of(p))
    return found


def _alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _rows(vid: int) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(ComplaintRow).where(ComplaintRow.version_id == vid))


def _stuck_then_expired(vid: int) -> None:
    """The killed run left the version VALIDATING with nothing stored; wait out its lease."""
    time.sleep(0.5)
    db.session.rollback()
    v = db.session.get(FilingVersion, vid)
    assert v.status == "VALIDATING" and _rows(vid) == 0
    time.sleep(LEASE + 1.5)


def _upload(client, path: Path, period: str):
    token = csrf_from(client.get("/filings/upload").get_data(as_text=True))
    return client.post("/filings/upload", data={"csrf_token": token, "period": period, "kind": "CMP",
                                                "file": (io.BytesIO(path.read_bytes()), path.name)},
                       content_type="multipart/form-data", follow_redirects=True)


def test_sigkill_of_thread_backend_process_recovers(ctx, tmp_path):
    app, world = ctx
    path = _workbook(world, tmp_path, world.inst_a)
    vid = _submit(world, world.inst_a, path)
    host = subprocess.Popen([sys.executable, "-c", THREAD_HOST, str(vid)],
                            env=_env(app, SUPERVISION_TASK_BACKEND="thread"), start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_mid_ingest(vid)
        tree = _tree(host.pid)
        assert len(tree) >= 2, "the ingest child runs beside the web process"
        os.killpg(host.pid, signal.SIGKILL)  # the web process of the thread back-end dies
    finally:
        host.kill()
        host.wait()
    deadline = time.monotonic() + 10
    while any(_alive(p) for p in tree) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(p) for p in tree), "the ingest child outlived its job"
    _stuck_then_expired(vid)
    # a re-upload of the identical bytes: the stalled version is recovered and its re-run offered
    client = app.test_client()
    login(client, world.users.filer_a.email, PASSWORD)
    page = _upload(client, path, world.current.code).get_data(as_text=True)
    db.session.rollback()
    v = db.session.get(FilingVersion, vid)
    assert v.status == "FAILED" and "lease" in v.failure
    assert f"/filings/versions/{vid}/rerun" in page
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "filing_failed",
                                                         AuditEvent.object_id == str(vid))).all()
    assert events
    # rerun accepts it (web, processed synchronously here) and the whole file is stored once
    token = csrf_from(client.get(f"/filings/versions/{vid}").get_data(as_text=True))
    client.post(f"/filings/versions/{vid}/rerun", data={"csrf_token": token})
    db.session.rollback()
    assert db.session.get(FilingVersion, vid).status == "ACCEPTED"
    assert _rows(vid) == 30_000


def test_sigkill_of_rq_worker_horse_and_child_recovered_by_next_worker(ctx, tmp_path):
    app, world = ctx
    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.exceptions.ConnectionError:
        pytest.fail(f"Redis is not reachable at {REDIS_URL}")
    queue = f"test-{uuid.uuid4().hex[:8]}"
    path = _workbook(world, tmp_path, world.inst_c)
    vid = _submit(world, world.inst_c, path)
    saved = {k: app.config.get(k) for k in ("TASK_BACKEND", "REDIS_URL", "TASK_QUEUE")}
    app.config.update(TASK_BACKEND="rq", REDIS_URL=REDIS_URL, TASK_QUEUE=queue)
    try:
        enqueue("supervision.filings.runner.run_version", vid)
    finally:
        app.config.update(saved)
    env = _env(app, SUPERVISION_REDIS_URL=REDIS_URL, SUPERVISION_TASK_QUEUE=queue, SUPERVISION_TASK_BACKEND="rq")
    bin_ = str(Path(sys.executable).parent / "supervision")
    worker = subprocess.Popen([bin_, "worker"], env=env, start_new_session=True, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        _wait_mid_ingest(vid)
        tree = _tree(worker.pid)
        assert len(tree) >= 3, "worker, work-horse and ingest child"
        for pid in tree:  # the worker, its work-horse and the ingest child
            # one already gone died with its parent (PR_SET_PDEATHSIG) and was reaped
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    finally:
        worker.kill()
        worker.wait()
    deadline = time.monotonic() + 10
    while any(_alive(p) for p in tree) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(p) for p in tree), "a process of the killed worker survived"
    _stuck_then_expired(vid)
    assert db.session.get(FilingVersion, vid).status == "VALIDATING"  # nothing else recovers it yet
    done = subprocess.run([bin_, "worker", "--burst"], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    db.session.rollback()
    v = db.session.get(FilingVersion, vid)
    assert v.status == "FAILED", (v.status, v.failure)
    assert _rows(vid) == 0
    # the CLI re-run accepts it
    rerun = subprocess.run([bin_, "filings", "rerun", str(vid)], env=env, capture_output=True, text=True,
                           timeout=300)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr[-2000:]
    db.session.rollback()
    assert db.session.get(FilingVersion, vid).status == "ACCEPTED" and _rows(vid) == 30_000


def test_scheduler_job_and_live_lease(ctx, tmp_path):
    """The scheduler job recovers a version past its lease and leaves one whose lease is live."""
    from datetime import timedelta

    from supervision.timeutil import utcnow

    _app, world = ctx
    path = _workbook(world, tmp_path, world.inst_b, n=10)
    vid = _submit(world, world.inst_b, path)
    v = db.session.get(FilingVersion, vid)
    v.status, v.lease_until = "VALIDATING", utcnow() + timedelta(minutes=5)
    db.session.commit()
    assert recover_stalled() == [] and db.session.get(FilingVersion, vid).status == "VALIDATING"
    out = recover_job(utcnow() + timedelta(minutes=6))
    db.session.commit()
    assert out["recovered"] == [vid]
    db.session.rollback()
    assert db.session.get(FilingVersion, vid).status == "FAILED"
    assert run_version(vid) in ("ACCEPTED", "REJECTED")  # processed again (B is a payment firm)


def test_recovery_job_and_command_sweep_the_nodes_scratch(ctx):
    """``ingest_recovery`` and ``supervision filings recover`` remove what a killed child left."""
    from datetime import UTC, datetime

    from supervision.cli.filings import filings_recover
    from supervision.storage.service import scratch_dir
    from tests.storage.test_scratch import _folder

    app, _world = ctx
    scratch = scratch_dir()
    now = datetime.now(UTC)
    left = _folder(scratch / "sv-spool-killed", 30.0, {"w00000.arrow": 30.0}, now)
    live = _folder(scratch / "sv-spool-live", 0.5, {}, now)
    out = recover_job(now)
    assert out["scratch_removed"] == 1 and not left.exists() and live.exists()
    left = _folder(scratch / "sv-stage-killed", 30.0, {"rows.db": 30.0}, now)
    result = app.test_cli_runner().invoke(filings_recover)
    assert result.exit_code == 0, result.output
    assert "removed 1 stale scratch entry: sv-stage-killed" in result.output and not left.exists()
    live.rmdir()
