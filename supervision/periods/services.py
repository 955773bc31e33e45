"""Period actions: add a quarter with its due/lock dates; lock and unlock a period (supervisors or
the console operator; audited). The web page and ``supervision periods lock|unlock`` call the same
functions."""

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


def check_can_manage(actor) -> None:
    """Supervisors and console operators (None) lock and unlock periods (§2)."""
    from supervision.domain.enums import Role

    if actor is not None and actor.role != Role.SUPERVISOR:
        raise PeriodError("只有审核员可以锁定或解锁报送期 / only supervisors lock and unlock periods", 403)


def unlock_period(actor, period: Period, until: date, reason: str | None = None, today: date | None = None) -> None:
    """A supervisor unlocks a period until ``until`` (inclusive) for late versions (§2); audited
    with the reason."""
    from supervision.domain.calendar import today_local

    check_can_manage(actor)
    today = today or today_local()
    if until < period.end_date:
        end = period.end_date.isoformat()
        raise PeriodError(f"解锁截止日 {until.isoformat()} 不能早于期末 {end} / the unlock date {until.isoformat()} is "
                          f"before the period end {end}")
    if until < today:
        raise PeriodError(f"解锁截止日 {until.isoformat()} 已过 / the unlock date {until.isoformat()} has passed")
    period.unlocked_until = until
    period.unlocked_by_id = getattr(actor, "id", None)
    record("period_unlock", actor=actor, object_type="period", object_id=period.id,
           actor_label=None if actor is not None else "console",
           detail={"code": period.code, "until": until.isoformat(), "reason": (reason or "").strip() or None})


def lock_period(actor, period: Period, reason: str | None = None, today: date | None = None) -> None:
    """Close a period for filing now (ending any unlock, even before its lock date); audited with
    the reason. A later version needs an unlock again."""
    from supervision.domain.calendar import today_local

    check_can_manage(actor)
    today = today or today_local()
    if period.is_locked(today):
        raise PeriodError(f"报送期 {period.code} 已锁定 / period {period.code} is locked already", 409)
    period.open = False
    period.unlocked_until = None
    record("period_lock", actor=actor, object_type="period", object_id=period.id,
           actor_label=None if actor is not None else "console",
           detail={"code": period.code, "lock_date": period.lock_date.isoformat(), "today": today.isoformat(),
                   "reason": (reason or "").strip() or None})


def lock_state(period: Period, today: date | None = None) -> str:
    """A one-line bilingual lock state for the console: open until the lock date, locked since, or
    unlocked until a day."""
    from supervision.domain.calendar import today_local

    today = today or today_local()
    if period.unlocked_until and today <= period.unlocked_until:
        return (f"已解锁至 {period.unlocked_until.isoformat()} / unlocked until {period.unlocked_until.isoformat()}")
    if period.is_locked(today):
        zh, en = ((f"锁定日 {period.lock_date.isoformat()}", f"since {period.lock_date.isoformat()}")
                  if today >= period.lock_date else ("提前锁定", "closed early"))
        return (f"已锁定（{zh}），补报须先解锁：supervision periods unlock {period.code} / locked ({en}); to file "
                f"late: supervision periods unlock {period.code}")
    return f"开放，锁定日 {period.lock_date.isoformat()} / open, locks on {period.lock_date.isoformat()}"
