"""Time helpers: UTC storage, Asia/Shanghai display."""

from __future__ import annotations

from datetime import UTC, datetime

from supervision.domain.calendar import TZ


def utcnow() -> datetime:
    """The current instant, timezone-aware UTC (callable default for model columns)."""
    return datetime.now(tz=UTC)


def as_utc(value: datetime | None) -> datetime | None:
    """Treat a naive datetime read back from SQLite as UTC; convert aware ones to UTC."""
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def local(value: datetime | None) -> datetime | None:
    """Convert a stored instant to Asia/Shanghai for display."""
    v = as_utc(value)
    return v.astimezone(TZ) if v else None
