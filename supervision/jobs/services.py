"""Running jobs exactly once, with retries, and the admin's controls (pause, resume, "run now").

:func:`execute` is the one way a job runs — scheduled, caught up after a restart, requested from
the admin page or started from the CLI:

1. a :class:`JobRun` row for (job id, scheduled instant) is inserted and **committed before any
   work**; a second scheduler, or a restart, hits the unique constraint and skips the run;
2. the job function runs and its work is committed together with the run's outcome (one commit);
3. on an exception the work is rolled back and the job retried (``SUPERVISION_JOB_RETRIES``,
   ``SUPERVISION_JOB_RETRY_DELAY`` seconds apart); the last failure is stored with its traceback,
   audited and notified to the administrators;
4. the session is closed, so no transaction stays open after a job.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from supervision.audit.services import record
from supervision.domain.enums import UNFINISHED_RUN_STATES, JobRunStatus, JobTrigger
from supervision.errors import ServiceError
from supervision.extensions import db
from supervision.jobs import definitions
from supervision.jobs.models import JobRun, ScheduledJobState, SchedulerProcess
from supervision.periods.models import Period
from supervision.timeutil import as_utc, utcnow

log = logging.getLogger(__name__)


class JobError(ServiceError):
    """A refused job request, e.g. an unknown job or period (bilingual message, HTTP status)."""


@dataclass(frozen=True)
class RunResult:
    """Plain values of a finished run (safe to use after the session is closed)."""

    id: int
    job_id: str
    scheduled_for: datetime
    status: str
    attempts: int
    duration_ms: int | None
    output: dict
    error: str | None

    def as_dict(self) -> dict:
        """JSON-able form (CLI output)."""
        return {"id": self.id, "job_id": self.job_id, "scheduled_for": self.scheduled_for.isoformat(),
                "status": self.status, "attempts": self.attempts, "duration_ms": self.duration_ms,
                "output": self.output, "error": self.error}


def runner_id() -> str:
    """``host:pid`` of this process."""
    return f"{socket.gethostname()}:{os.getpid()}"


def job_or_error(job_id: str) -> definitions.JobDef:
    """The job definition, or :class:`JobError`."""
    job = definitions.get(job_id)
    if job is None:
        raise JobError(f"未知任务 / unknown job {job_id!r}; known: {', '.join(definitions.BY_ID)}", 404)
    return job


def period_or_error(code: str | None) -> Period | None:
    """The period with this code (None when no code), or :class:`JobError`."""
    if not code:
        return None
    period = db.session.scalar(select(Period).where(Period.code == code.strip().upper()))
    if period is None:
        raise JobError(f"报送期不存在 / period not found: {code}", 404)
    return period


def state_of(job_id: str) -> ScheduledJobState | None:
    """The job's pause / request state (None when never changed)."""
    return db.session.get(ScheduledJobState, job_id)


def is_paused(job_id: str) -> bool:
    """Whether scheduled runs of the job are paused."""
    state = state_of(job_id)
    return bool(state and state.paused)


def _jsonable(value) -> dict:
    data = json.loads(json.dumps(value if isinstance(value, dict) else {"result": value}, default=str))
    return data


def claim(job_id: str, scheduled_for: datetime, trigger: str, period_code: str | None = None,
          actor=None) -> int | None:
    """Insert and commit the run row for (job, instant); None when it already exists."""
    run = JobRun(job_id=job_id, scheduled_for=scheduled_for, trigger=trigger, period_code=period_code,
                 requested_by_id=getattr(actor, "id", None),
                 requested_by_label=getattr(actor, "email", None)
                 or (None if trigger == JobTrigger.SCHEDULE else trigger),
                 status=JobRunStatus.RUNNING, attempts=0, runner=runner_id(), started_at=utcnow(), output={})
    db.session.add(run)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        log.info("job %s for %s already claimed; skipped by %s", job_id, scheduled_for.isoformat(), runner_id())
        return None
    log.info("job %s for %s claimed by %s (run %s)", job_id, scheduled_for.isoformat(), runner_id(), run.id)
    return run.id


def _finish(run: JobRun, status: str, started: float, output: dict | None = None) -> None:
    run.status = status
    run.finished_at = utcnow()
    run.duration_ms = int((time.monotonic() - started) * 1000)
    if output is not None:
        run.output = output
    record("job_run", actor_label=f"job:{run.job_id}", object_type="job_run", object_id=run.id,
           result="ok" if status in (JobRunStatus.SUCCESS, JobRunStatus.SKIPPED) else "failed",
           detail={"job_id": run.job_id, "scheduled_for": as_utc(run.scheduled_for).isoformat(),
                   "trigger": run.trigger, "status": status, "attempts": run.attempts,
                   "duration_ms": run.duration_ms, "period": run.period_code})
    from supervision.ops.metrics import observe_job_run

    observe_job_run(run.job_id, str(status))


def _result(run_id: int) -> RunResult:
    run = db.session.get(JobRun, run_id)
    result = RunResult(run.id, run.job_id, as_utc(run.scheduled_for), run.status, run.attempts, run.duration_ms,
                       dict(run.output or {}), run.error)
    db.session.rollback()
    return result


def execute(job_id: str, scheduled_for: datetime, *, trigger: str = JobTrigger.SCHEDULE, now: datetime | None = None,
            period_code: str | None = None, actor=None, retries: int | None = None,
            sleep: Callable[[float], None] = time.sleep) -> RunResult | None:
    """Run a job once for ``scheduled_for`` (see the module docstring); None when another process
    already has that run. ``now`` is the instant the job reasons about (default: ``scheduled_for``)."""
    job = job_or_error(job_id)
    scheduled_for = as_utc(scheduled_for)
    now = as_utc(now) if now else scheduled_for
    try:
        period = period_or_error(period_code)
        paused = trigger in (JobTrigger.SCHEDULE, JobTrigger.CATCH_UP) and is_paused(job_id)
        db.session.rollback()
        run_id = claim(job_id, scheduled_for, trigger, period.code if period else None, actor)
        if run_id is None:
            return None
        started = time.monotonic()
        if paused:
            run = db.session.get(JobRun, run_id)
            _finish(run, JobRunStatus.SKIPPED, started, {"skipped": "paused"})
            db.session.commit()
            return _result(run_id)
        retries = int(current_app.config["JOB_RETRIES"]) if retries is None else retries
        delay = float(current_app.config["JOB_RETRY_DELAY"])
        errors: list[str] = []
        for attempt in range(1, retries + 2):
            try:
                run = db.session.get(JobRun, run_id)
                run.attempts = attempt
                period = db.session.get(Period, period.id) if period is not None else None
                output = _jsonable(job.function()(now, period, run))
                _finish(run, JobRunStatus.SUCCESS, started, output)
                run.error = None
                db.session.commit()
                return _result(run_id)
            except Exception as exc:  # a job may fail in any way: record it, retry, report
                db.session.rollback()
                text = traceback.format_exc()
                errors.append(f"attempt {attempt}: {type(exc).__name__}: {exc}"[:1000])
                log.warning("job %s for %s failed (attempt %s): %s", job_id, scheduled_for.isoformat(), attempt, exc)
                run = db.session.get(JobRun, run_id)
                run.attempts, run.error = attempt, text[-16000:]
                if attempt <= retries:
                    run.status, run.output = JobRunStatus.RETRYING, {"errors": errors}
                    db.session.commit()
                    sleep(delay)
                    continue
                _finish(run, JobRunStatus.FAILED, started, {"errors": errors})
                from supervision.notifications.services import notify_job_failed

                notify_job_failed(run)
                db.session.commit()
                return _result(run_id)
        raise AssertionError("unreachable")  # pragma: no cover
    finally:
        db.session.close()


# ----------------------------------------------------------------------------- admin controls
def _state(job_id: str) -> ScheduledJobState:
    state = state_of(job_id)
    if state is None:
        state = ScheduledJobState(job_id=job_id, paused=False)
        db.session.add(state)
    return state


def set_paused(actor, job_id: str, paused: bool) -> ScheduledJobState:
    """Pause or resume the scheduled runs of a job (audited ``job_paused`` / ``job_resumed``)."""
    job_or_error(job_id)
    state = _state(job_id)
    state.paused, state.changed_at = paused, utcnow()
    state.changed_by_label = getattr(actor, "email", None) or "console"
    record("job_paused" if paused else "job_resumed", actor=actor, object_type="job", object_id=job_id,
           actor_label=None if actor is not None else "console", detail={"job_id": job_id})
    db.session.flush()
    return state


def request_run(actor, job_id: str, period_code: str | None = None) -> ScheduledJobState:
    """Ask the scheduler process to run a job now (audited ``job_run_requested``); the run is for the
    instant of the request."""
    job_or_error(job_id)
    period = period_or_error(period_code)
    state = _state(job_id)
    state.run_requested_at = utcnow()
    state.run_requested_by_id = getattr(actor, "id", None)
    state.run_requested_by_label = getattr(actor, "email", None) or "console"
    state.run_requested_period = period.code if period else None
    record("job_run_requested", actor=actor, object_type="job", object_id=job_id,
           actor_label=None if actor is not None else "console",
           detail={"job_id": job_id, "period": state.run_requested_period,
                   "requested_at": state.run_requested_at.isoformat()})
    db.session.flush()
    return state


def take_requests() -> list[tuple[str, datetime, str | None, int | None]]:
    """Claim the pending "run now" requests (one process wins each); commits. Returns
    (job id, requested at, period code, requester id)."""
    pending = db.session.execute(select(ScheduledJobState.job_id, ScheduledJobState.run_requested_at,
                                        ScheduledJobState.run_requested_period, ScheduledJobState.run_requested_by_id)
                                 .where(ScheduledJobState.run_requested_at.is_not(None))).all()
    db.session.commit()  # each claim below starts its own write (SQLite: no stale read snapshot)
    taken = []
    for job_id, at, period, by in pending:
        won = db.session.execute(update(ScheduledJobState).where(
            ScheduledJobState.job_id == job_id, ScheduledJobState.run_requested_at == at)
            .values(run_requested_at=None, run_requested_period=None)).rowcount == 1
        db.session.commit()
        if won:
            taken.append((job_id, as_utc(at), period, by))
    return taken


def run_requests() -> list[RunResult]:
    """Run every pending "run now" request (scheduler process)."""
    from supervision.accounts.models import User

    results = []
    for job_id, at, period, by in take_requests():
        actor = db.session.get(User, by) if by else None
        try:
            result = execute(job_id, at, trigger=JobTrigger.MANUAL, period_code=period, actor=actor)
        except JobError as exc:
            log.warning("requested run of %s refused: %s", job_id, exc)
            continue
        if result is not None:
            results.append(result)
    return results


# ------------------------------------------------------------------------------- processes
def register_process() -> int:
    """Record this scheduler process; commits. Returns its id."""
    proc = SchedulerProcess(runner=runner_id(), started_at=utcnow(), seen_at=utcnow())
    db.session.add(proc)
    db.session.commit()
    return proc.id


def heartbeat(process_id: int, stopped: bool = False) -> None:
    """The scheduler process is alive (or stopping); commits."""
    values = {"seen_at": utcnow()}
    if stopped:
        values["stopped_at"] = utcnow()
    db.session.execute(update(SchedulerProcess).where(SchedulerProcess.id == process_id).values(**values))
    db.session.commit()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def fail_abandoned_runs() -> list[int]:
    """Runs left ``running``/``retrying`` by a process of this host that no longer exists become
    ``failed`` (a crash or kill during the run); commits. Returns their ids."""
    host = socket.gethostname()
    ids = []
    for run in db.session.scalars(select(JobRun).where(JobRun.status.in_(UNFINISHED_RUN_STATES))):
        rhost, _, pid = run.runner.rpartition(":")
        if rhost == host and pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
            run.status, run.finished_at = JobRunStatus.FAILED, utcnow()
            run.error = (run.error or "") + f"\nscheduler process {run.runner} ended during the run"
            record("job_run", actor_label=f"job:{run.job_id}", object_type="job_run", object_id=run.id,
                   result="failed", detail={"job_id": run.job_id, "status": JobRunStatus.FAILED, "reason": "abandoned"})

            ids.append(run.id)
    db.session.commit()
    return ids
