"""Read side of the scheduler admin page: jobs with next run time, state and last runs, and the
scheduler processes seen."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from supervision.extensions import db
from supervision.jobs import definitions
from supervision.jobs.models import JobRun, ScheduledJobState, SchedulerProcess
from supervision.timeutil import as_utc


@dataclass
class JobView:
    """One row of the admin page."""

    job: definitions.JobDef
    schedule: str
    next_run: datetime | None
    schedule_error: str | None
    state: ScheduledJobState | None
    runs: list[JobRun]

    @property
    def paused(self) -> bool:
        """Scheduled runs are paused."""
        return bool(self.state and self.state.paused)

    @property
    def requested(self) -> datetime | None:
        """A "run now" request not yet picked up by the scheduler."""
        return self.state.run_requested_at if self.state else None


def job_views(now: datetime, runs_per_job: int = 5) -> list[JobView]:
    """Every job of the declarative list with its next run time and latest runs."""
    out = []
    for job in definitions.JOBS:
        error, nxt = None, None
        try:
            nxt = definitions.next_fire(job, current_app.config, now)
        except definitions.ScheduleError as exc:
            error = str(exc)
        runs = list(db.session.scalars(select(JobRun).where(JobRun.job_id == job.id)
                                       .order_by(JobRun.scheduled_for.desc(), JobRun.id.desc()).limit(runs_per_job)))
        out.append(JobView(job, job.schedule(current_app.config), nxt, error,
                           db.session.get(ScheduledJobState, job.id), runs))
    return out


def processes(limit: int = 5) -> list[SchedulerProcess]:
    """The scheduler processes seen most recently."""
    return list(db.session.scalars(select(SchedulerProcess).order_by(SchedulerProcess.seen_at.desc()).limit(limit)))


def scheduler_alive(now: datetime) -> bool:
    """Whether a scheduler process sent a heartbeat recently (two heartbeat intervals)."""
    window = timedelta(seconds=2 * int(current_app.config["SCHEDULER_HEARTBEAT_SECONDS"]) + 5)
    latest = db.session.scalar(select(SchedulerProcess).where(SchedulerProcess.stopped_at.is_(None))
                               .order_by(SchedulerProcess.seen_at.desc()).limit(1))
    return latest is not None and as_utc(latest.seen_at) >= now - window


def runs(job_id: str | None, limit: int = 200) -> list[JobRun]:
    """The latest runs (of one job, or all)."""
    q = select(JobRun).order_by(JobRun.scheduled_for.desc(), JobRun.id.desc()).limit(limit)
    if job_id:
        q = q.where(JobRun.job_id == job_id)
    return list(db.session.scalars(q))
