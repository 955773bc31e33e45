"""The declarative list of scheduled jobs: stable ids, the function each runs, and the configuration
key of its trigger (Asia/Shanghai). The scheduler process, the admin page and the CLI all read it.

A schedule is ``HH:MM`` (every day at that local time) or ``cron:SEC MIN HOUR DAY MONTH DOW``
(APScheduler cron fields, for unusual schedules and tests).
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from apscheduler.triggers.cron import CronTrigger
from flask_babel import lazy_gettext as _l

from supervision.domain.calendar import TZ


class ScheduleError(ValueError):
    """A schedule setting that cannot be parsed."""


@dataclass(frozen=True)
class JobDef:
    """One scheduled job. ``func`` is ``module.function(now, period, run) -> dict`` (the output);
    ``title`` and ``description`` in English (translated through :data:`TEXTS`)."""

    id: str
    func: str
    schedule_key: str
    title: str
    description: str

    def function(self):
        """The job function."""
        module, _, name = self.func.rpartition(".")
        return getattr(importlib.import_module(module), name)

    def schedule(self, config: Mapping) -> str:
        """The configured schedule text."""
        return str(config[self.schedule_key])


JOBS: tuple[JobDef, ...] = (
    JobDef("period_locking", "supervision.jobs.functions.lock_periods", "JOB_PERIOD_LOCK_AT", "Period locking",
           "Periods past their lock date are closed for filing (open = no); audited."),
    JobDef("overdue_marking", "supervision.jobs.functions.mark_overdue", "JOB_OVERDUE_AT", "Overdue marking",
           "Rule T01 (late / missing filings) for every period past its due date."),
    JobDef("post_deadline", "supervision.jobs.functions.post_deadline", "JOB_POST_DEADLINE_AT", "Post-deadline run",
           "The day after a due date: every cross-check of the period, the league table draft and the "
           "summary workbook into the export archive."),
    JobDef("reminders", "supervision.jobs.functions.send_reminders", "JOB_REMINDERS_AT", "Filing reminders",
           "Days before a due date: filers whose institution has nothing accepted for the period and kind."),
    JobDef("remediation_tracking", "supervision.jobs.functions.track_remediations", "JOB_REMEDIATION_AT",
           "Remediation tracking",
           "Findings under remediation: the institution is reminded 7, 3 and 1 days before the due date; "
           "after it the finding is marked overdue."),
    JobDef("ingest_recovery", "supervision.filings.recovery.recover_job", "JOB_INGEST_RECOVERY_AT",
           "Ingest recovery",
           "Versions still being validated past their processing lease (their process died) are marked "
           "failed, so they can be re-run; expired dry runs and stale scratch files are removed; the "
           "summaries of new versions are added to the search index."),
)
BY_ID: dict[str, JobDef] = {j.id: j for j in JOBS}

#: the same titles and descriptions, translated for the admin page (kept in step by a test)
TEXTS = {
    "period_locking": (_l("Period locking"),
                       _l("Periods past their lock date are closed for filing (open = no); audited.")),
    "overdue_marking": (_l("Overdue marking"),
                        _l("Rule T01 (late / missing filings) for every period past its due date.")),
    "post_deadline": (_l("Post-deadline run"),
                      _l("The day after a due date: every cross-check of the period, the league table draft and the "
                         "summary workbook into the export archive.")),
    "reminders": (_l("Filing reminders"),
                  _l("Days before a due date: filers whose institution has nothing accepted for the period and kind.")),
    "remediation_tracking": (_l("Remediation tracking"),
                             _l("Findings under remediation: the institution is reminded 7, 3 and 1 days before the "
                                "due date; after it the finding is marked overdue.")),
    "ingest_recovery": (_l("Ingest recovery"),
                        _l("Versions still being validated past their processing lease (their process died) are "
                           "marked failed, so they can be re-run; expired dry runs and stale scratch files are "
                           "removed; the summaries of new versions are added to the search index.")),
}


def get(job_id: str) -> JobDef | None:
    """The job with this id, or None."""
    return BY_ID.get(job_id)


def parse_schedule(text: str) -> CronTrigger:
    """``HH:MM`` or ``cron:SEC MIN HOUR DAY MONTH DOW`` → a cron trigger in Asia/Shanghai."""
    text = (text or "").strip()
    try:
        if text.startswith("cron:"):
            fields = text[5:].split()
            if len(fields) != 6:
                raise ScheduleError(f"cron schedule needs 6 fields (sec min hour day month dow): {text!r}")
            sec, minute, hour, day, month, dow = fields
            return CronTrigger(second=sec, minute=minute, hour=hour, day=day, month=month, day_of_week=dow,
                               timezone=TZ)
        hour, sep, minute = text.partition(":")
        if not sep or not hour.isdigit() or not minute.isdigit() or int(hour) > 23 or int(minute) > 59:
            raise ScheduleError(f"schedule must be HH:MM or cron:…, got {text!r}")
        return CronTrigger(hour=int(hour), minute=int(minute), second=0, timezone=TZ)
    except ValueError as exc:
        if isinstance(exc, ScheduleError):
            raise
        raise ScheduleError(f"invalid schedule {text!r}: {exc}") from exc


def trigger_of(job: JobDef, config: Mapping) -> CronTrigger:
    """The job's trigger from the configuration."""
    return parse_schedule(job.schedule(config))


def next_fire(job: JobDef, config: Mapping, now: datetime) -> datetime | None:
    """The job's next fire time after ``now`` (aware)."""
    return trigger_of(job, config).get_next_fire_time(None, now)


def last_fire(trigger: CronTrigger, now: datetime, lookback: timedelta) -> datetime | None:
    """The latest fire time of ``trigger`` in ``(now − lookback, now]``, or None."""
    t = trigger.get_next_fire_time(None, now - lookback)
    last = None
    while t is not None and t <= now:
        last = t
        t = trigger.get_next_fire_time(t, t)
    return last
