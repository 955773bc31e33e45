"""The scheduler process (``python -m scheduler``): an APScheduler ``BlockingScheduler`` that fires
the jobs of :mod:`supervision.jobs.definitions` at their Asia/Shanghai times. It never runs inside a
web worker.

Every fire goes through :func:`supervision.jobs.services.execute`, which claims the run in the
database first, so a second scheduler started by mistake (or a restart) does each run once. On
start it fails runs abandoned by a dead process of this host and catches up a fire time missed
while it was down (within ``SUPERVISION_JOB_MISFIRE_GRACE`` seconds). Every
``SUPERVISION_SCHEDULER_POLL_SECONDS`` it runs the admin's "run now" requests and sends pending
e-mails, and every ``SUPERVISION_SCHEDULER_HEARTBEAT_SECONDS`` it records a heartbeat (few writes:
the embedded SQLite default shares one writer with the web server).
"""

from __future__ import annotations

import logging
import signal
from datetime import datetime, timedelta
from functools import partial

from apscheduler.executors.base import run_job
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.interval import IntervalTrigger
from flask import Flask

from supervision.domain.calendar import TZ
from supervision.domain.enums import JobTrigger
from supervision.jobs import definitions
from supervision.timeutil import as_utc

log = logging.getLogger("supervision.scheduler")
POLL_ID = "__poll__"
BEAT_ID = "__heartbeat__"


class _Timed:
    """A job whose function also receives the run time it was fired for (``scheduled_for``)."""

    def __init__(self, job, run_time: datetime):
        self._job = job
        self.func = partial(job.func, scheduled_for=run_time)

    def __getattr__(self, name):
        return getattr(self._job, name)


def _run_timed(job, jobstore_alias, run_times, logger_name):
    events = []
    for run_time in run_times:
        events += run_job(_Timed(job, run_time), jobstore_alias, [run_time], logger_name)
    return events


class TimedExecutor(ThreadPoolExecutor):
    """APScheduler's thread pool, passing each job its scheduled fire time."""

    def _do_submit_job(self, job, run_times):
        def callback(f):
            """Report the finished run to the scheduler (events, instance count)."""
            exc = f.exception()
            if exc:
                self._run_job_error(job.id, exc, getattr(exc, "__traceback__", None))
            else:
                self._run_job_success(job.id, f.result())

        future = self._pool.submit(_run_timed, job, job._jobstore_alias, run_times, self._logger.name)
        future.add_done_callback(callback)


def fire(app: Flask, job_id: str, scheduled_for: datetime | None = None, trigger: str = JobTrigger.SCHEDULE) -> None:
    """Run one scheduled job for its fire time (passed by :class:`TimedExecutor`), then deliver the
    e-mails it queued."""
    from supervision.extensions import db
    from supervision.jobs.services import execute
    from supervision.notifications.services import deliver_pending

    if scheduled_for is None:  # only when called outside the executor
        scheduled_for = datetime.now(tz=TZ).replace(microsecond=0)
    with app.app_context():
        try:
            result = execute(job_id, scheduled_for, trigger=trigger)
            if result is not None:
                log.info("job %s for %s: %s", job_id, scheduled_for.isoformat(), result.status)
                deliver_pending()
        except Exception:
            log.exception("job %s for %s could not run", job_id, scheduled_for.isoformat())
        finally:
            db.session.remove()


def poll(app: Flask, process_id: int, scheduled_for: datetime | None = None) -> None:
    """"Run now" requests and pending e-mails (reads only when there is nothing to do)."""
    from supervision.extensions import db
    from supervision.jobs.services import run_requests
    from supervision.notifications.services import deliver_pending

    with app.app_context():
        try:
            for result in run_requests():
                log.info("requested job %s for %s: %s", result.job_id, result.scheduled_for.isoformat(),
                         result.status)
            deliver_pending()
        except Exception:
            log.exception("scheduler poll failed")
        finally:
            db.session.remove()


def beat(app: Flask, process_id: int, scheduled_for: datetime | None = None) -> None:
    """Record that this scheduler process is alive (one small write a minute by default)."""
    from supervision.extensions import db
    from supervision.jobs.services import heartbeat

    with app.app_context():
        try:
            heartbeat(process_id)
        except Exception:
            log.exception("scheduler heartbeat failed")
        finally:
            db.session.remove()


def catch_up(app: Flask, now: datetime | None = None) -> list[tuple[str, datetime]]:
    """Fire times missed while no scheduler ran (within the misfire grace), run now; returns them."""
    from supervision.extensions import db
    from supervision.jobs.models import JobRun

    now = now or datetime.now(tz=TZ)
    grace = timedelta(seconds=int(app.config["JOB_MISFIRE_GRACE"]))
    missed = []
    with app.app_context():
        for job in definitions.JOBS:
            last = definitions.last_fire(definitions.trigger_of(job, app.config), now, grace)
            if last is None:
                continue
            exists = db.session.query(JobRun.id).filter(JobRun.job_id == job.id,
                                                        JobRun.scheduled_for == as_utc(last)).first()
            db.session.remove()
            if exists is None:
                missed.append((job.id, last))
    for job_id, last in missed:
        log.info("catching up job %s missed at %s", job_id, last.isoformat())
        fire(app, job_id, last, trigger=JobTrigger.CATCH_UP)

    return missed


def build(app: Flask, process_id: int) -> BlockingScheduler:
    """The configured scheduler: one cron job per definition plus the poll job."""
    grace = int(app.config["JOB_MISFIRE_GRACE"])
    scheduler = BlockingScheduler(timezone=TZ, executors={"default": TimedExecutor(max_workers=4)},
                                  job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": grace})
    for job in definitions.JOBS:
        scheduler.add_job(partial(fire, app, job.id), definitions.trigger_of(job, app.config), id=job.id,
                          name=str(job.id))
    scheduler.add_job(partial(poll, app, process_id), IntervalTrigger(seconds=int(app.config["SCHEDULER_POLL_SECONDS"]),
                                                                      timezone=TZ), id=POLL_ID, name=POLL_ID)
    scheduler.add_job(partial(beat, app, process_id),
                      IntervalTrigger(seconds=int(app.config["SCHEDULER_HEARTBEAT_SECONDS"]), timezone=TZ),
                      id=BEAT_ID, name=BEAT_ID)
    return scheduler


def run(app: Flask) -> None:
    """Run the scheduler until SIGTERM / SIGINT (blocking)."""
    from supervision.extensions import db
    from supervision.jobs.services import fail_abandoned_runs, heartbeat, register_process

    with app.app_context():
        for job in definitions.JOBS:  # refuse to start with an invalid schedule
            definitions.trigger_of(job, app.config)
        process_id = register_process()
        abandoned = fail_abandoned_runs()
        db.session.remove()
    if abandoned:
        log.warning("runs abandoned by a dead scheduler marked failed: %s", abandoned)
    scheduler = build(app, process_id)
    stop_requested: list[int] = []

    def _stop(signum, _frame):
        log.info("scheduler stopping (signal %s)", signum)
        stop_requested.append(signum)  # also before the scheduler runs: the catch-up below takes a while
        if scheduler.running:  # a second signal (Ctrl-C reaches the whole process group) changes nothing
            scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    catch_up(app)
    now = datetime.now(tz=TZ)
    for job in definitions.JOBS:
        log.info("job %s next run at %s", job.id, definitions.next_fire(job, app.config, now).isoformat())
    try:
        # a stop asked for while missed runs were caught up ends the process here (the scheduler would
        # otherwise start and run on: its shutdown needs it running). What is left is the instant
        # between this test and start() marking the scheduler running.
        if not stop_requested:
            log.info("scheduler started (process %s)", process_id)
            scheduler.start()
    finally:
        with app.app_context():
            heartbeat(process_id, stopped=True)
            db.session.remove()
        log.info("scheduler stopped")
