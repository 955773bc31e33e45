"""JSON-ready form of a :class:`LeagueResult` (spec §8 "Display").

Shape::

    {"period": "2024Q1", "snapshot": 3 | None,
     "rows": [{"institution_code", "name", "sector", "status", "reason", "composite", "grade",
               "rank_composite", "movement", "notice_rank", "share",
               "metrics": {<metric code>: {"value", "display", "rank_sector", "rank_all"}}}],
     "medians": {<sector>: {<metric code>: <display text or None>}}}

``value`` is the exact value as a decimal string (:func:`reports.numbers.exact_str`); every display
text is rounded half-up (:func:`reports.numbers.display`): ``received`` as an integer, every other
metric, the composite and the share with 2 decimals, medians with 2 decimals except the median of
``received`` with 1. An empty value is ``None`` (JSON ``null``). No unit signs.
"""

from __future__ import annotations

from typing import Any

from reports.league.composite import COMPOSITE_PLACES
from reports.league.definitions import METRIC_CODES
from reports.league.result import LeagueResult, LeagueRow
from reports.numbers import display, exact_str

__all__ = ["metric_places", "serialize_league", "serialize_row"]

DEFAULT_PLACES = 2
RECEIVED = "received"


def metric_places(code: str, *, median: bool = False) -> int:
    """Display decimals of a metric: ``received`` 0 (its median 1), every other metric 2."""
    if code == RECEIVED:
        return 1 if median else 0
    return DEFAULT_PLACES


#: Display decimals of every metric (row values).
PLACES = {code: metric_places(code) for code in METRIC_CODES}


def serialize_row(row: LeagueRow) -> dict[str, Any]:
    """One row as a JSON-ready dict (keys as in the module docstring)."""
    return {
        "institution_code": row.code,
        "name": row.name,
        "sector": row.sector,
        "status": row.status.value,
        "reason": row.reason,
        "composite": display(row.composite, COMPOSITE_PLACES),
        "grade": row.grade,
        "rank_composite": row.rank_composite,
        "movement": row.movement,
        "notice_rank": row.notice_rank,
        "share": display(row.share, DEFAULT_PLACES),
        "metrics": {
            code: {
                "value": exact_str(row.metrics[code].value),
                "display": display(row.metrics[code].value, PLACES[code]),
                "rank_sector": row.metrics[code].rank_sector,
                "rank_all": row.metrics[code].rank_all,
            }
            for code in METRIC_CODES
        },
    }


def serialize_league(result: LeagueResult, *, period: str, snapshot: int | None) -> dict[str, Any]:
    """The JSON-ready dict ``{period, snapshot, rows, medians}`` of a computed table.

    ``period`` is the period code (``2024Q1``); ``snapshot`` the published snapshot number, or
    ``None`` for a draft. Rows keep the result's order; medians list every sector of the result.
    """
    return {
        "period": period,
        "snapshot": snapshot,
        "rows": [serialize_row(row) for row in result.rows],
        "medians": {
            sector: {code: display(medians[code], metric_places(code, median=True)) for code in METRIC_CODES}
            for sector, medians in result.medians.items()
        },
    }
