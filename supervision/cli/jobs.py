"""Job commands::

    supervision jobs list [--format table|json]
    supervision jobs run JOB_ID [--period 2024Q1]     # now, recorded like a scheduled run (scheduled_for = now)
    supervision jobs pause JOB_ID | resume JOB_ID

``jobs run`` exits 0 when the run succeeded, 1 when it failed (after its retries), 2 on a usage error.
The scheduler process itself is ``python -m scheduler`` (or ``supervision-scheduler``).
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import datetime

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from supervision.domain.calendar import TZ
from supervision.domain.enums import JobRunStatus, JobTrigger
from supervision.extensions import db


def _fail(message: str, code: int = 2):
    click.echo(message, err=True)
    sys.exit(code)


def job_rows(now: datetime) -> list[dict]:
    """Every job with its schedule, next run time, pause state and last run."""
    from supervision.jobs import definitions
    from supervision.jobs.models import JobRun
    from supervision.jobs.services import is_paused
    from supervision.timeutil import as_utc

    rows = []
    for job in definitions.JOBS:
        last = db.session.scalar(select(JobRun).where(JobRun.job_id == job.id)
                                 .order_by(JobRun.started_at.desc(), JobRun.id.desc()).limit(1))
        paused = is_paused(job.id)
        nxt = definitions.next_fire(job, current_app.config, now)
        rows.append({"id": job.id, "title": str(job.title), "schedule": job.schedule(current_app.config),
                     "timezone": "Asia/Shanghai", "paused": paused,
                     "next_run": None if paused or nxt is None else nxt.isoformat(),
                     "last_run": None if last is None else {
                         "scheduled_for": as_utc(last.scheduled_for).astimezone(TZ).isoformat(),
                         "status": last.status, "trigger": last.trigger, "attempts": last.attempts,
                         "duration_ms": last.duration_ms}})
    db.session.rollback()
    return rows


@click.group("jobs", cls=AppGroup)
def jobs():
    """Scheduled jobs: list, run now, pause, resume."""


@jobs.command("list")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
def jobs_list(fmt):
    """List the jobs with their next run time (Asia/Shanghai) and last run."""
    rows = job_rows(datetime.now(tz=TZ))
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for r in rows:
        last = r["last_run"]
        last_text = f"{last['status']} {last['scheduled_for']}" if last else "—"
        nxt = "paused" if r["paused"] else (r["next_run"] or "—")
        click.echo(f"{r['id']:<16} {r['schedule']:<14} next {nxt:<26} last {last_text}")


@jobs.command("run")
@click.argument("job_id")
@click.option("--period", "period_code", default=None, help="Only this period (e.g. 2024Q1).")
def jobs_run(job_id, period_code):
    """Run a job now (recorded like a scheduled run, scheduled_for = now); prints the run as JSON."""
    from supervision.jobs.services import JobError, execute
    from supervision.notifications.services import deliver_pending
    from supervision.timeutil import utcnow

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s %(message)s")
    try:
        result = execute(job_id, utcnow(), trigger=JobTrigger.CLI, period_code=period_code)
    except JobError as exc:
        _fail(str(exc))
    if result is None:
        _fail("该次运行已存在 / this run already exists", 1)
    deliver_pending()
    click.echo(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
    sys.exit(0 if result.status == JobRunStatus.SUCCESS else 1)



def _pause(job_id: str, paused: bool) -> None:
    from supervision.jobs.services import JobError, set_paused

    try:
        set_paused(None, job_id, paused)
    except JobError as exc:
        _fail(str(exc))
    db.session.commit()
    click.echo(f"{job_id}: {'paused' if paused else 'resumed'}")


@jobs.command("pause")
@click.argument("job_id")
def jobs_pause(job_id):
    """Pause the scheduled runs of a job (audited)."""
    _pause(job_id, True)


@jobs.command("resume")
@click.argument("job_id")
def jobs_resume(job_id):
    """Resume the scheduled runs of a job (audited)."""
    _pause(job_id, False)

