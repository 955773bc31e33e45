"""§10.1 measures of a cube cell, change against earlier periods and the "fastest growing" lists.

Pure: no Flask, no database. Every value is exact (``int``, ``Fraction``, ``Decimal``); a zero
denominator gives ``None`` (empty), never 0. Display follows §8 (:mod:`reports.numbers`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from reports.numbers import Exact

#: the additive counts and sums a cube cell carries
COUNTS: tuple[str, ...] = ("received", "closed", "on_time", "favourable", "escalated", "extended")
SUMS: tuple[str, ...] = ("amount_sum", "redress_sum")
#: every measure a view may show, in display order (§10.1)
MEASURES: tuple[str, ...] = ("received", "share", "per_10k_customers", "closed", "on_time", "favourable",
                             "escalated", "on_time_rate", "favourable_rate", "escalation_rate", "extension_rate",
                             "median_days", "p90_days", "amount_sum", "redress_sum")
#: measures shown with 0 decimals (counts); the others with 2 (§8 display)
INTEGER_MEASURES = frozenset({"received", "closed", "on_time", "favourable", "escalated"})


@dataclass
class Cell:
    """The additive content of one cell: counts, sums and the histogram of ``days_to_close`` of its
    closed rows (days → rows), from which median and p90 are exact."""

    received: int = 0
    closed: int = 0
    on_time: int = 0
    favourable: int = 0
    escalated: int = 0
    extended: int = 0
    amount_sum: Decimal = Decimal(0)
    redress_sum: Decimal = Decimal(0)
    days: dict[int, int] = field(default_factory=dict)
    #: active customers of the institutions the cell is about (None: none known)
    customers: int | None = None

    def add(self, other: Cell) -> None:
        """Add another cell's counts, sums and histogram into this one."""
        for name in COUNTS:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.amount_sum += other.amount_sum
        self.redress_sum += other.redress_sum
        for d, n in other.days.items():
            self.days[d] = self.days.get(d, 0) + n


def ratio(numerator: Exact, denominator: Exact | None, scale: int = 100) -> Fraction | None:
    """``numerator ÷ denominator × scale``; ``None`` when the denominator is empty or 0."""
    if not denominator:
        return None
    return Fraction(numerator) * scale / Fraction(denominator)


def histogram_median(days: Mapping[int, int]) -> Fraction | None:
    """Median of the values a histogram counts (§8: the mean of the two middle values)."""
    n = sum(days.values())
    if n == 0:
        return None
    lo, hi = (n - 1) // 2, n // 2  # 0-based positions of the middle value(s)
    return Fraction(_nth(days, lo) + _nth(days, hi), 2)


def histogram_p90(days: Mapping[int, int]) -> int | None:
    """90th percentile, nearest rank (§10.1): the smallest value with at least 90 % of values ≤ it."""
    n = sum(days.values())
    if n == 0:
        return None
    rank = -(-9 * n // 10)  # ceil(0.9 n), 1-based
    return _nth(days, rank - 1)


def _nth(days: Mapping[int, int], position: int) -> int:
    seen = 0
    for value in sorted(days):
        seen += days[value]
        if seen > position:
            return value
    raise IndexError(position)


def measures(cell: Cell, view_received: int | None = None) -> dict[str, Exact | None]:
    """Every §10.1 measure of a cell; ``view_received`` is the view's total for ``share``."""
    return {
        "received": cell.received,
        "share": ratio(cell.received, view_received),
        "per_10k_customers": ratio(cell.received, cell.customers, 10_000),
        "closed": cell.closed,
        "on_time": cell.on_time,
        "favourable": cell.favourable,
        "escalated": cell.escalated,
        "on_time_rate": ratio(cell.on_time, cell.closed),
        "favourable_rate": ratio(cell.favourable, cell.closed),
        "escalation_rate": ratio(cell.escalated, cell.closed),
        "extension_rate": ratio(cell.extended, cell.closed),
        "median_days": histogram_median(cell.days),
        "p90_days": histogram_p90(cell.days),
        "amount_sum": cell.amount_sum,
        "redress_sum": cell.redress_sum,
    }


def change(now: Exact | None, before: Exact | None) -> tuple[Exact | None, Fraction | None]:
    """§10.1 change: (``now − before``, that ÷ ``before`` × 100); both empty when the earlier value is
    empty or 0 (or the current one is empty)."""
    if now is None or before is None or before == 0:
        return None, None
    diff = now - before
    return diff, Fraction(diff) * 100 / Fraction(before)


@dataclass(frozen=True)
class Growth:
    """One entry of a fastest-growing list."""

    code: str
    received: int
    previous: int
    qoq: int
    qoq_pct: Fraction


def fastest_growing(now: Mapping[str, int], before: Mapping[str, int], *, min_now: int = 30,
                    min_before: int = 10, limit: int | None = 10) -> list[Growth]:
    """§10.1 "fastest growing": entries with ``received`` ≥ ``min_now`` in P and ≥ ``min_before`` in
    P−1, by ``qoq_pct`` descending, ties by larger absolute ``qoq``, then code."""
    out = []
    for code, n in now.items():
        p = before.get(code, 0)
        if n >= min_now and p >= min_before and p > 0:
            out.append(Growth(code, n, p, n - p, Fraction(n - p) * 100 / p))
    out.sort(key=lambda g: (-g.qoq_pct, -abs(g.qoq), g.code))
    return out[:limit] if limit is not None else out


def merge(cells: Iterable[tuple[object, Cell]]) -> dict[object, Cell]:
    """Add cells by key."""
    out: dict[object, Cell] = {}
    for key, cell in cells:
        out.setdefault(key, Cell()).add(cell)
    return out
