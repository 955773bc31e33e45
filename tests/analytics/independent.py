"""Breakdowns computed independently from generated workbook rows with the spec's formulas (§10.1),
for comparison with the cube's pages and CLI. Not a test module."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

FAVOURABLE = ("UPHELD", "PARTIAL", "SETTLED")
DEADLINE = {"NONE": 15, "EXT30": 30, "EXT60": 60}
BUCKETS = [("D0_1", 1), ("D2_3", 3), ("D4_7", 7), ("D8_15", 15), ("D16_30", 30), ("D31_60", 60)]


def value(row: dict, dim: str, period_start) -> str:
    """The §10.1 dimension value of a generated row (the spec's reading, written again here)."""
    if dim == "handling":
        if row["status"] != "CLOSED":
            return ""
        days = (row["closed_date"] - row["received_date"]).days
        return next((code for code, high in BUCKETS if days <= high), "D61P")
    if dim == "outcome":
        return row["outcome"] or "" if row["status"] == "CLOSED" else ""
    if dim == "extension":
        return row["extension"] or "NONE"
    v = row.get(dim)
    return "" if v is None else str(v)


def median(values: list[int]) -> Fraction | None:
    """§8 median: the middle value, or the mean of the two middle values."""
    s = sorted(values)
    if not s:
        return None
    m = len(s) // 2
    return Fraction(s[m]) if len(s) % 2 else Fraction(s[m - 1] + s[m], 2)


def p90(values: list[int]) -> int | None:
    """Nearest rank: the smallest value with at least 90 % of values ≤ it."""
    s = sorted(values)
    for v in s:
        if sum(1 for x in s if x <= v) * 10 >= 9 * len(s):
            return v
    return None


def breakdown(filings, rows_dim: str, cols_dim: str | None, key_values: dict | None = None) -> dict:
    """(row, col) → received, closed, on_time, favourable, escalated, amount_sum, redress_sum,
    median_days, p90_days over the rows of several generated filings. ``rows_dim``/``cols_dim`` may be
    ``institution`` (``key_values`` maps each filing's index to its value)."""
    acc: dict = {}
    for i, f in enumerate(filings):
        start = f.period.start
        for row in f.rows:
            key = tuple(None if dim is None else key_values[i] if dim in ("institution", "sector", "period")
                        else value(row, dim, start) for dim in (rows_dim, cols_dim))
            c = acc.setdefault(key, {"received": 0, "closed": 0, "on_time": 0, "favourable": 0, "escalated": 0,
                                     "amount_sum": Decimal(0), "redress_sum": Decimal(0), "days": []})
            received = row["received_date"] >= start
            if received:
                c["received"] += 1
                c["amount_sum"] += Decimal(str(row["amount"] or 0))
            if row["status"] == "CLOSED":
                days = (row["closed_date"] - row["received_date"]).days
                c["closed"] += 1
                c["on_time"] += days <= DEADLINE[row["extension"] or "NONE"]
                c["favourable"] += row["outcome"] in FAVOURABLE
                c["escalated"] += bool(row["escalated"])
                c["redress_sum"] += Decimal(str(row["redress"] or 0))
                c["days"].append(days)
    out = {}
    for key, c in acc.items():
        if not c["received"] and not c["closed"]:
            continue
        days = c.pop("days")
        out[key] = {**c, "median_days": median(days), "p90_days": p90(days)}
    return out


def cube_snapshot(vid: int):
    """The stored cube of version ``vid`` as sorted tuples (cells, days), to compare two derivations."""
    from sqlalchemy import select

    from supervision.analytics.models import CubeCell, CubeDays
    from supervision.extensions import db

    cells = sorted((c.dim_a, c.val_a, c.dim_b, c.val_b, c.received, c.closed, c.on_time, c.favourable,
                    c.escalated, c.extended, c.amount_sum, c.redress_sum)
                   for c in db.session.scalars(select(CubeCell).where(CubeCell.version_id == vid)))
    days = sorted((d.dim_a, d.val_a, d.dim_b, d.val_b, d.days, d.closed_rows)
                  for d in db.session.scalars(select(CubeDays).where(CubeDays.version_id == vid)))
    return cells, days
