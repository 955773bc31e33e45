"""Two real ``python -m scheduler`` processes against one PostgreSQL database, every job firing every
two seconds: each run exists exactly once (and was done by the process that claimed it), a "run
now" request is taken once, and no session is left idle inside a transaction."""

from __future__ import annotations

import datetime as dt
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.conftest import PG_TEST_DB, make_app
from tests.jobs.conftest import idle_in_transaction

DB = f"{PG_TEST_DB}_schedulers"
CLAIMED = re.compile(r"job (\S+) for (\S+) claimed by (\S+) \(run (\d+)\)")
SKIPPED = re.compile(r"job (\S+) for (\S+) already claimed; skipped by (\S+)")
OBSERVE = 9.0


@pytest.fixture(scope="module")
def pg_app(tmp_path_factory):
    """A migrated PostgreSQL database with the standard world and a period due in 7 days."""
    tmp = tmp_path_factory.mktemp("schedulers")
    app = make_app("postgresql", tmp, pg_db=DB, EXPORT_FOLDER=str(tmp / "exports"))
    with app.app_context():
        from supervision.domain.calendar import today_local
        from supervision.extensions import db
        from supervision.periods.models import Period
        from supervision.periods.services import add_period
        from tests.factories import build_world

        build_world(db)
        period = add_period(None, "2035Q1")  # a period whose due date is 7 days from today
        today = today_local()
        period.due_date = today + dt.timedelta(days=7)
        period.lock_date = today + dt.timedelta(days=80)
        db.session.query(Period).filter(Period.code != "2035Q1").update({"open": False})
        db.session.commit()
        db.session.remove()
    yield app, tmp
    with app.app_context():
        from supervision.extensions import db

        db.session.remove()
        db.engine.dispose()


def _env(app, tmp: Path) -> dict:
    env = dict(os.environ)
    every_two_seconds = "cron:*/2 * * * * *"
    env.update({
        "SUPERVISION_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "SUPERVISION_INSTANCE_PATH": str(tmp),
        "SUPERVISION_SECRET_KEY": "scheduler-test-" + "x1y2z3" * 8,
        "SUPERVISION_EXPORT_FOLDER": str(tmp / "exports"),
        "SUPERVISION_TASK_BACKEND": "sync",
        "SUPERVISION_JOB_PERIOD_LOCK_AT": every_two_seconds,
        "SUPERVISION_JOB_OVERDUE_AT": every_two_seconds,
        "SUPERVISION_JOB_POST_DEADLINE_AT": every_two_seconds,
        "SUPERVISION_JOB_REMINDERS_AT": every_two_seconds,
        "SUPERVISION_SCHEDULER_POLL_SECONDS": "1",
        "SUPERVISION_SCHEDULER_HEARTBEAT_SECONDS": "1",
        "SUPERVISION_JOB_MISFIRE_GRACE": "1",
        "SUPERVISION_JOB_RETRY_DELAY": "0",
    })
    env.pop("SUPERVISION_ENV", None)
    return env


def _wait_started(logs: list[Path], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(p.exists() and "scheduler started" in p.read_text() for p in logs):
            return
        time.sleep(0.2)
    raise AssertionError("schedulers did not start:\n" + "\n".join(p.read_text() for p in logs if p.exists()))


def test_two_schedulers_run_each_job_once(pg_app):
    from supervision.extensions import db
    from supervision.jobs.models import JobRun, SchedulerProcess
    from supervision.jobs.services import request_run
    from supervision.notifications.models import Notification

    app, tmp = pg_app
    env = _env(app, tmp)
    logs = [tmp / f"scheduler-{n}.log" for n in (1, 2)]
    procs = []
    for log in logs:
        with log.open("w") as out:
            procs.append(subprocess.Popen([sys.executable, "-m", "scheduler"], stdout=out, stderr=subprocess.STDOUT,
                                          env=env, cwd=str(tmp)))
    offenders = []
    try:
        _wait_started(logs)
        with app.app_context():
            request_run(None, "overdue_marking")
            db.session.commit()
            db.session.remove()
            end = time.monotonic() + OBSERVE
            while time.monotonic() < end:
                offenders += [r for r in idle_in_transaction(app) if r[2] > dt.timedelta(seconds=1)]
                time.sleep(0.25)
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        codes = [p.wait(timeout=30) for p in procs]
    text = [log.read_text() for log in logs]
    assert codes == [0, 0], text
    assert "Traceback" not in text[0] + text[1], text
    assert offenders == [], offenders

    claims = [(m.group(1), m.group(2), m.group(3), int(m.group(4))) for t in text for m in CLAIMED.finditer(t)]
    skips = [(m.group(1), m.group(2)) for t in text for m in SKIPPED.finditer(t)]
    pids = {p.pid for p in procs}
    with app.app_context():
        runs = db.session.scalars(select(JobRun).order_by(JobRun.id)).all()
        assert len(runs) == len(claims)
        assert Counter((r.job_id, r.scheduled_for) for r in runs).most_common(1)[0][1] == 1
        by_id = {r.id: r for r in runs}
        for job_id, when, runner, run_id in claims:
            run = by_id[run_id]
            assert run.job_id == job_id and run.scheduled_for == dt.datetime.fromisoformat(when)
            assert run.runner == runner and int(runner.rpartition(":")[2]) in pids
        assert Counter((j, w) for j, w, _r, _i in claims).most_common(1)[0][1] == 1  # claimed once each
        assert skips, "the two schedulers never contended for a run"
        assert set(skips) <= {(j, w) for j, w, _r, _i in claims}  # a skip is always of a run someone did
        for job in ("period_locking", "overdue_marking", "post_deadline", "reminders"):
            scheduled = [r for r in runs if r.job_id == job and r.trigger in ("schedule", "catch_up")]
            assert len(scheduled) >= 3, (job, len(scheduled))
        assert all(r.status == "success" for r in runs), [(r.job_id, r.status, r.error) for r in runs]
        manual = [r for r in runs if r.trigger == "manual"]
        assert [r.job_id for r in manual] == ["overdue_marking"]
        # reminders ran many times but notified each filer once
        reminders = [r for r in runs if r.job_id == "reminders"]
        assert sum(r.output["periods"]["2035Q1"]["notifications"] for r in reminders) == 2
        assert db.session.query(Notification).count() == 2
        procs_seen = db.session.scalars(select(SchedulerProcess)).all()
        assert len(procs_seen) == 2 and all(p.stopped_at is not None for p in procs_seen)
        db.session.remove()
