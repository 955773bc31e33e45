"""The runner: each run recorded exactly once, retries, visible failures, pause and resume, "run
now" requests, no transaction left open, the CLI and the admin page."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select

from supervision.timeutil import as_utc
from tests.conftest import PASSWORD, login, page_token
from tests.jobs.conftest import at, idle_in_transaction

DAY = dt.date(2030, 1, 10)


def _runs(job_id: str):
    from supervision.extensions import db
    from supervision.jobs.models import JobRun

    rows = db.session.scalars(select(JobRun).where(JobRun.job_id == job_id).order_by(JobRun.id)).all()
    db.session.rollback()
    return rows


def test_a_run_is_recorded_and_done_exactly_once(jctx):
    from supervision.jobs.services import execute

    first = execute("period_locking", at(DAY, 0, 30))
    assert first is not None and first.status == "success" and first.attempts == 1
    assert execute("period_locking", at(DAY, 0, 30)) is None  # another scheduler, or a restart
    assert execute("period_locking", at(DAY, 0, 30), trigger="catch_up") is None
    runs = _runs("period_locking")
    assert len(runs) == 1 and runs[0].trigger == "schedule" and runs[0].duration_ms is not None
    assert as_utc(runs[0].scheduled_for) == at(DAY, 0, 30).astimezone(dt.UTC)


def test_a_failing_job_is_retried_then_recorded_failed_and_notified(jctx, monkeypatch):
    from supervision.audit.models import AuditEvent
    from supervision.extensions import db
    from supervision.jobs import functions
    from supervision.jobs.services import execute
    from supervision.notifications.models import Notification
    from supervision.periods.models import Period

    app, world = jctx
    calls = []
    sleeps = []

    def broken(now, period=None, run=None):
        """Changes data, then fails."""
        calls.append(now)
        for p in db.session.scalars(select(Period)):
            p.open = False  # work done before the failure must be rolled back
        raise RuntimeError("register server unreachable")

    monkeypatch.setattr(functions, "lock_periods", broken)
    from sqlalchemy import func

    audit_before = db.session.scalar(select(func.max(AuditEvent.id))) or 0
    result = execute("period_locking", at(DAY, 1), sleep=sleeps.append)
    assert result.status == "failed" and result.attempts == 3 and len(calls) == 3
    assert sleeps == [0.0, 0.0]
    assert "RuntimeError: register server unreachable" in result.error
    assert [e.split(":")[0] for e in result.output["errors"]] == ["attempt 1", "attempt 2", "attempt 3"]
    assert all(p.open for p in db.session.scalars(select(Period)))
    admins = db.session.scalars(select(Notification).where(Notification.kind == "job_failed")).all()
    assert [n.user_id for n in admins] == [world.users["admin"][0]] and "period_locking" in admins[0].subject_en
    audit = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "job_run", AuditEvent.id > audit_before,
                                                        AuditEvent.object_id == str(result.id))).all()
    assert [a.result for a in audit] == ["failed"]

    flaky = iter([RuntimeError("once"), None])

    def recovers(now, period=None, run=None):
        """Fails once, then succeeds."""
        exc = next(flaky)
        if exc:
            raise exc
        return {"ok": True}

    monkeypatch.setattr(functions, "lock_periods", recovers)
    again = execute("period_locking", at(DAY, 2), sleep=sleeps.append)
    assert again.status == "success" and again.attempts == 2 and again.output == {"ok": True} and again.error is None
    monkeypatch.setitem(app.config, "JOB_RETRIES", 0)
    monkeypatch.setattr(functions, "lock_periods", broken)
    assert execute("period_locking", at(DAY, 3)).attempts == 1


def test_paused_jobs_skip_scheduled_runs_but_run_on_request(jctx):
    from supervision.extensions import db
    from supervision.jobs import services

    _app, _world = jctx
    services.set_paused(None, "reminders", True)
    db.session.commit()
    skipped = services.execute("reminders", at(DAY, 8))
    assert skipped.status == "skipped" and skipped.output == {"skipped": "paused"}
    manual = services.execute("reminders", at(DAY, 8, 5), trigger="manual")
    assert manual.status == "success"
    services.set_paused(None, "reminders", False)
    db.session.commit()
    assert services.execute("reminders", at(DAY + dt.timedelta(days=1), 8)).status == "success"


def test_run_now_requests_are_taken_once(jctx):
    from supervision.accounts.models import User
    from supervision.extensions import db
    from supervision.jobs import services

    _app, world = jctx
    admin = db.session.get(User, world.users["admin"][0])
    state = services.request_run(admin, "post_deadline", world.period_code)
    requested = state.run_requested_at
    db.session.commit()
    results = services.run_requests()
    assert [(r.job_id, r.status) for r in results] == [("post_deadline", "success")]
    assert results[0].scheduled_for == requested.astimezone(dt.UTC)
    assert list(results[0].output["periods"]) == [world.period_code]
    assert services.run_requests() == []
    run = _runs("post_deadline")[0]
    assert run.trigger == "manual" and run.requested_by_label == world.users["admin"][1] and run.period_code == "2024Q1"
    with pytest.raises(services.JobError):
        services.request_run(admin, "no_such_job")


def test_no_transaction_is_left_open_after_a_job(jctx):
    from supervision.jobs.services import execute

    app, _world = jctx
    for n, job in enumerate(("period_locking", "overdue_marking", "post_deadline", "reminders")):
        assert execute(job, at(DAY, 5, n)).status == "success"
        if app.config["BACKEND"] == "postgresql":
            assert idle_in_transaction(app) == []
        else:
            # SQLite: a job that left a write transaction open would hold the database lock, so
            # another connection could not take it at once
            import sqlite3

            path = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
            other = sqlite3.connect(path, timeout=0, isolation_level=None)
            try:
                other.execute("BEGIN IMMEDIATE")
                other.execute("ROLLBACK")
            finally:
                other.close()


def test_cli_lists_and_runs_jobs(jctx):
    from supervision.jobs.definitions import JOBS

    app, world = jctx
    runner = app.test_cli_runner()
    listed = runner.invoke(args=["jobs", "list", "--format", "json"])
    assert listed.exit_code == 0, listed.output
    rows = json.loads(listed.output)
    assert [r["id"] for r in rows] == [j.id for j in JOBS]
    assert all(r["next_run"] and r["next_run"].endswith("+08:00") and r["timezone"] == "Asia/Shanghai" for r in rows)
    out = runner.invoke(args=["jobs", "run", "post_deadline", "--period", world.period_code])
    assert out.exit_code == 0, out.output
    result = json.loads(out.output[out.output.index("{"):])
    assert result["status"] == "success" and world.period_code in result["output"]["periods"]
    assert _runs("post_deadline")[0].trigger == "cli"
    again = json.loads(runner.invoke(args=["jobs", "list", "--format", "json"]).output)
    assert next(r for r in again if r["id"] == "post_deadline")["last_run"]["status"] == "success"
    assert runner.invoke(args=["jobs", "run", "nope"]).exit_code == 2
    assert runner.invoke(args=["jobs", "run", "reminders", "--period", "1999Q1"]).exit_code == 2
    assert runner.invoke(args=["jobs", "pause", "reminders"]).exit_code == 0
    paused = json.loads(runner.invoke(args=["jobs", "list", "--format", "json"]).output)
    reminders = next(r for r in paused if r["id"] == "reminders")
    assert reminders["paused"] is True and reminders["next_run"] is None


def test_admin_page_shows_jobs_and_audits_actions(jctx):
    from supervision.audit.models import AuditEvent
    from supervision.extensions import db
    from supervision.jobs.definitions import JOBS
    from supervision.jobs.services import execute, state_of

    app, world = jctx
    execute("reminders", at(DAY, 8))
    client = app.test_client()
    assert login(client, world.users["admin"][1], PASSWORD).status_code == 302
    page = client.get("/admin/scheduler/").get_data(as_text=True)
    for job in ("period_locking", "overdue_marking", "post_deadline", "reminders", "remediation_tracking",
                "ingest_recovery"):
        assert f'id="job-{job}"' in page
    assert page.count('class="next-run"') == len(JOBS) and "2030-01-10 08:00" in page
    assert 'id="scheduler-state"' in page
    token = page_token(client, "/admin/scheduler/")
    assert client.post("/admin/scheduler/pause", data={"csrf_token": token, "job_id": "reminders"}).status_code == 302
    assert state_of("reminders").paused is True
    db.session.rollback()
    assert "badge text-bg-secondary" in client.get("/admin/scheduler/").get_data(as_text=True)
    assert client.post("/admin/scheduler/resume", data={"csrf_token": token, "job_id": "reminders"}).status_code == 302
    resp = client.post("/admin/scheduler/run", data={"csrf_token": token, "job_id": "post_deadline",
                                                     "period": world.period_code})
    assert resp.status_code == 302
    state = state_of("post_deadline")
    assert state.run_requested_at is not None and state.run_requested_period == world.period_code
    assert client.post("/admin/scheduler/run", data={"csrf_token": token, "job_id": "x"}).status_code == 400
    actions = [a.action for a in db.session.scalars(select(AuditEvent).where(
        AuditEvent.actor_id == world.users["admin"][0], AuditEvent.object_type == "job").order_by(AuditEvent.id))]
    assert actions[-3:] == ["job_paused", "job_resumed", "job_run_requested"]
    runs = client.get("/admin/scheduler/runs?job=reminders").get_data(as_text=True)
    assert 'data-status="success"' in runs


def test_every_job_has_its_translated_texts():
    from supervision.jobs.definitions import JOBS, TEXTS

    assert set(TEXTS) == {j.id for j in JOBS}
    for job in JOBS:
        title, description = TEXTS[job.id]
        assert (title._args[0], description._args[0]) == (job.title, job.description)


def test_a_restarted_scheduler_catches_up_a_missed_run_once(jctx, monkeypatch):
    from scheduler.process import catch_up

    app, _world = jctx
    monkeypatch.setitem(app.config, "JOB_REMINDERS_AT", "08:00")
    monkeypatch.setitem(app.config, "JOB_REMEDIATION_AT", "06:00")
    monkeypatch.setitem(app.config, "JOB_MISFIRE_GRACE", 3600)
    monkeypatch.setitem(app.config, "JOB_INGEST_RECOVERY_AT", "03:00")  # (every 5 minutes by default)
    missed = catch_up(app, now=at(DAY, 8, 30))
    assert missed == [("reminders", at(DAY, 8))]  # the 00:30, 01:00, 02:00 and 06:00 runs are past the grace
    run = _runs("reminders")[0]
    assert run.trigger == "catch_up" and run.status == "success"
    assert catch_up(app, now=at(DAY, 8, 40)) == []
    assert catch_up(app, now=at(DAY, 9, 1)) == []  # out of the grace: left for the next day


def test_runs_abandoned_by_a_dead_process_are_marked_failed(jctx):
    import socket
    import subprocess
    import sys

    from supervision.extensions import db
    from supervision.jobs.models import JobRun
    from supervision.jobs.services import fail_abandoned_runs, runner_id

    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    dead = JobRun(job_id="reminders", scheduled_for=at(DAY, 8), trigger="schedule", status="running",
                  runner=f"{socket.gethostname()}:{child.pid}", output={})
    alive = JobRun(job_id="reminders", scheduled_for=at(DAY, 9), trigger="schedule", status="running",
                   runner=runner_id(), output={})
    elsewhere = JobRun(job_id="reminders", scheduled_for=at(DAY, 10), trigger="schedule", status="running",
                       runner=f"another-host:{child.pid}", output={})
    db.session.add_all([dead, alive, elsewhere])
    db.session.commit()
    ids = (dead.id, alive.id, elsewhere.id)
    assert fail_abandoned_runs() == [ids[0]]
    states = {r.id: r.status for r in _runs("reminders")}
    assert states == {ids[0]: "failed", ids[1]: "running", ids[2]: "running"}


def test_every_job_output_shows_labels_not_keys(jctx):
    """A run's output on the scheduler pages names each figure in words: no key of any job's output
    reaches the page as it is stored (``recovered``, ``dry_runs_deleted`` …)."""
    import re

    from supervision.jobs.definitions import JOBS
    from supervision.jobs.services import execute
    from supervision.main.readable import KEY_LABELS

    def keys(value):
        if isinstance(value, dict):
            for k, v in value.items():
                yield k
                yield from keys(v)
        elif isinstance(value, list):
            for v in value:
                yield from keys(v)

    seen = set()
    for job in JOBS:
        execute(job.id, at(DAY, 8))
        run = _runs(job.id)[0]
        assert run.status == "success", (job.id, run.error)
        seen |= {k for k in keys(run.output) if not re.fullmatch(r"\d{4}Q[1-4]", k)}  # period codes are data
    assert {"recovered", "dry_runs_deleted", "scratch_removed"} <= seen
    assert sorted(seen - set(KEY_LABELS)) == []
