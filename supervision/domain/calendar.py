"""Reporting calendar of spec §2: quarter period codes, due dates and lock dates.

All dates are calendar dates in Asia/Shanghai. A due date is "end of that day": the deadline
instant is the following midnight in Asia/Shanghai.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Asia/Shanghai")
_PERIOD_RE = re.compile(r"^(\d{4})Q([1-4])$")


class PeriodCodeError(ValueError):
    """Raised when a period code is not of the form ``YYYYQn``."""


@dataclass(frozen=True)
class QuarterPeriod:
    """A quarter such as ``2024Q1`` with its first and last calendar day."""

    code: str
    year: int
    quarter: int
    start: date
    end: date

    def due_date(self, due_days: int) -> date:
        """Due date: period end + ``due_days`` calendar days (spec §2, config)."""
        return self.end + timedelta(days=due_days)

    def lock_date(self, lock_days: int) -> date:
        """Lock date: period end + ``lock_days`` calendar days (spec §2, config)."""
        return self.end + timedelta(days=lock_days)

    def previous(self) -> QuarterPeriod:
        """The quarter before this one."""
        if self.quarter == 1:
            return parse_period(f"{self.year - 1}Q4")
        return parse_period(f"{self.year}Q{self.quarter - 1}")

    def next(self) -> QuarterPeriod:
        """The quarter after this one."""
        if self.quarter == 4:
            return parse_period(f"{self.year + 1}Q1")
        return parse_period(f"{self.year}Q{self.quarter + 1}")


def parse_period(code: str) -> QuarterPeriod:
    """Parse ``YYYYQn`` (upper-case Q, n in 1..4) into a :class:`QuarterPeriod`."""
    m = _PERIOD_RE.match((code or "").strip().upper())
    if not m:
        raise PeriodCodeError(f"期间代码应为 YYYYQn，例如 2024Q1 / period code must look like 2024Q1: {code!r}")
    year, quarter = int(m.group(1)), int(m.group(2))
    if year < 2000 or year > 2100:
        raise PeriodCodeError(f"年份超出范围 / year out of range: {code!r}")
    start = date(year, 3 * quarter - 2, 1)
    next_start = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
    end = next_start - timedelta(days=1)
    return QuarterPeriod(code=f"{year}Q{quarter}", year=year, quarter=quarter, start=start, end=end)


def period_of(day: date) -> QuarterPeriod:
    """The quarter containing ``day``."""
    return parse_period(f"{day.year}Q{(day.month - 1) // 3 + 1}")


def end_of_day(day: date) -> datetime:
    """The instant a due date ends: the next midnight in Asia/Shanghai (timezone-aware)."""
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=TZ)


def today_local(now: datetime | None = None) -> date:
    """Today's calendar date in Asia/Shanghai."""
    now = now or datetime.now(tz=TZ)
    return now.astimezone(TZ).date()


def last_completed_quarters(n: int, today: date) -> list[QuarterPeriod]:
    """The ``n`` most recent quarters that ended before ``today``, oldest first."""
    p = period_of(today).previous()
    out = []
    for _ in range(n):
        out.append(p)
        p = p.previous()
    return list(reversed(out))
