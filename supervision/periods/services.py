"""Period actions: add a quarter with its due/lock dates, unlock a locked period (audited)."""

from __future__ import annotations

from datetime import date

from flask import current_app
from sqlalchemy import select

from supervision.audit.services import record
from supervision.domain.calendar import PeriodCodeError, parse_period
from supervision.errors import ServiceError
from supervision.extensions import db
from supervision.periods.models import Period


class PeriodError(ServiceError):
    """A refused period action (bilingual message, HTTP status)."""


def get_period(code: str) -> Period | None:
    """Period by code (``2024Q1``)."""
    return db.session.scalar(select(Period).where(Period.code == (code or "").strip().upper()))


def add_period(actor, code: str, due_days: int | None = None, lock_days: int | None = None) -> Period:
    """Add a quarter; due date = end + DUE_DAYS, lock date = end + LOCK_DAYS (spec §2, config)."""
    try:
        qp = parse_period(code)
    except PeriodCodeError as exc:
        raise PeriodError(str(exc)) from exc
    if get_period(qp.code):
        raise PeriodError(f"报送期已存在 / period already exists: {qp.code}")
    due_days = current_app.config["DUE_DAYS"] if due_days is None else due_days
    lock_days = current_app.config["LOCK_DAYS"] if lock_days is None else lock_days
    p = Period(code=qp.code, year=qp.year, quarter=qp.quarter, start_date=qp.start, end_date=qp.end,
               due_date=qp.due_date(due_days), lock_date=qp.lock_date(lock_days), open=True)
    db.session.add(p)
    db.session.flush()
    record("period_add", actor=actor, object_type="period", object_id=p.id,
           detail={"code": p.code, "due_date": p.due_date.isoformat(), "lock_date": p.lock_date.isoformat()})
    return p


def unlock_period(actor, period: Period, until: date) -> None:
    """A supervisor unlocks a locked period until ``until`` (inclusive) for late versions."""
    if until < period.end_date:
        raise PeriodError("解锁截止日不能早于期末 / unlock date before the period end")
    period.unlocked_until = until
    period.unlocked_by_id = actor.id
    record("period_unlock", actor=actor, object_type="period", object_id=period.id,
           detail={"code": period.code, "until": until.isoformat()})
