"""Trends, fastest-growing lists and handling speed (spec §10.1), read from the cube."""

from __future__ import annotations

from dataclasses import dataclass

from supervision.analytics.dims import HANDLING_BUCKETS
from supervision.analytics.measures import Growth, fastest_growing
from supervision.analytics.queries import Result, View, ViewError, read_view
from supervision.domain.calendar import PeriodCodeError
from supervision.domain.calendar import parse_period as _parse_period


def parse_period(code: str):
    """The quarter of ``code``; a malformed code is a :class:`ViewError` (400), as in the explorer."""
    try:
        return _parse_period(code)
    except PeriodCodeError as exc:
        raise ViewError("期间代码无效 / invalid period code", 400) from exc


#: the dimensions §10.1 lists fastest growing entries of
GROWTH_DIMS: tuple[str, ...] = ("institution", "business_category", "cause", "province")


def growth_lists(period: str, sector: str | None, scope, *, min_now: int, min_before: int,
                 limit: int = 10) -> dict[str, list[Growth]]:
    """Dimension → fastest growing entries in ``period`` (within a sector or the whole scope):
    ``received`` ≥ ``min_now`` in P and ≥ ``min_before`` in P−1, by ``qoq_pct`` descending, ties by
    larger absolute ``qoq``, then code."""
    try:
        prev = parse_period(period).previous().code
    except PeriodCodeError:  # the first quarter the calendar knows: nothing before it
        prev = None
    out = {}
    for dim in GROWTH_DIMS:
        now = read_view(View(period=period, rows=dim, sector=sector), scope)
        try:
            if prev is None:
                raise ViewError("没有更早的季度 / no earlier quarter", 404)
            before = read_view(View(period=prev, rows=dim, sector=sector), scope)
        except ViewError:  # no earlier period: nothing grows
            out[dim] = []
            continue
        out[dim] = fastest_growing({r: d["received"] for r, d in now.row_totals.items()},
                                   {r: d["received"] for r, d in before.row_totals.items()},
                                   min_now=min_now, min_before=min_before, limit=limit)
    return out


def trend(period: str, quarters: int, rows: str, sector: str | None, scope,
          institutions: list[str] | None = None) -> Result:
    """``received`` (and every measure) per quarter over the ``quarters`` up to ``period``, by
    ``rows`` (e.g. sector, business_category)."""
    p = parse_period(period)
    first = p
    for _ in range(quarters - 1):
        try:
            first = first.previous()
        except PeriodCodeError:  # before the calendar's first quarter
            break
    return read_view(View(period=first.code, period_to=p.code, rows="period", cols=rows, sector=sector,
                          institutions=list(institutions or [])), scope)


@dataclass
class SpeedRow:
    """Handling speed of one institution or sector: closed rows per bucket, extension rate, median
    and p90 of days to close."""

    code: str | None
    closed: int
    buckets: dict[str, int]
    on_time_rate: object
    extension_rate: object
    median_days: object
    p90_days: object


def handling_speed(period: str, rows: str, sector: str | None, scope) -> list[SpeedRow]:
    """§10.1 handling-speed table by ``rows`` (institution or sector), with the total last."""
    by_bucket = read_view(View(period=period, rows=rows, cols="handling", sector=sector), scope)
    overall = read_view(View(period=period, rows=rows, sector=sector), scope)
    out = []
    for code in [*overall.row_values, None]:
        d = overall.row_totals.get(code) if code is not None else overall.total
        if d is None:
            continue
        buckets = {b: ((by_bucket.cells.get((code, b)) if code is not None else by_bucket.col_totals.get(b)) or {})
                   .get("closed", 0) for b, _lo, _hi in HANDLING_BUCKETS}
        out.append(SpeedRow(code, d["closed"], buckets, d["on_time_rate"], d["extension_rate"], d["median_days"],
                            d["p90_days"]))
    return out
