"""Run records of the scheduled jobs, their pause / "run now" state and the scheduler heartbeat.

A :class:`JobRun` is inserted (and committed) *before* a job does its work; the unique constraint
on (``job_id``, ``scheduled_for``) makes a second scheduler process, or a restart, skip a run that
already exists, so every scheduled run is recorded — and done — exactly once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from supervision.domain.enums import JobRunStatus, JobTrigger
from supervision.extensions import db
from supervision.timeutil import utcnow


class JobRun(db.Model):
    """One run of a job for one scheduled instant: who/what started it, outcome, duration, output."""

    __tablename__ = "job_run"
    __table_args__ = (
        UniqueConstraint("job_id", "scheduled_for"),
        CheckConstraint(JobRunStatus.check("status"), name="status"),
        CheckConstraint(JobTrigger.check("trigger"), name="trigger"),
        Index("ix_job_run_job_id_started_at", "job_id", "started_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[str] = mapped_column(String(64))
    #: the instant the run is for (UTC): the trigger's fire time, or the request time for "run now"
    scheduled_for: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    trigger: Mapped[str] = mapped_column(String(12))
    period_code: Mapped[str | None] = mapped_column(String(6))
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    requested_by_label: Mapped[str | None] = mapped_column(String(254))
    status: Mapped[str] = mapped_column(String(10), default=JobRunStatus.RUNNING.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    #: ``host:pid`` of the process that claimed the run
    runner: Mapped[str] = mapped_column(String(200))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    duration_ms: Mapped[int | None] = mapped_column(Integer)
    output: Mapped[dict] = mapped_column(JSON, default=dict)
    error: Mapped[str | None] = mapped_column(Text)


class ScheduledJobState(db.Model):
    """Per job: paused or not, and a pending "run now" request picked up by the scheduler process."""

    __tablename__ = "scheduled_job_state"

    job_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    changed_by_label: Mapped[str | None] = mapped_column(String(254))
    run_requested_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    run_requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    run_requested_by_label: Mapped[str | None] = mapped_column(String(254))
    run_requested_period: Mapped[str | None] = mapped_column(String(6))


class SchedulerProcess(db.Model):
    """A running (or past) scheduler process and when it was last seen (heartbeat)."""

    __tablename__ = "scheduler_process"

    id: Mapped[int] = mapped_column(primary_key=True)
    runner: Mapped[str] = mapped_column(String(200))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    stopped_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
