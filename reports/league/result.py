"""Output of the league-table computation: frozen, exact values (display happens in serialize)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from reports.league.eligibility import Status
from reports.league.inputs import LeagueConfig

__all__ = ["LeagueResult", "LeagueRow", "MetricResult"]


@dataclass(frozen=True)
class MetricResult:
    """One metric of one institution.

    ``value`` — exact value (``None`` = empty); ``rank_sector`` / ``rank_all`` — competition ranks
    within the sector and across all sectors (``None`` when not ranked or no value); ``score`` — the
    composite metric score 100 × (n − rank) ÷ (n − 1) when the metric is weighted in the composite
    and ranked, else ``None``.
    """

    value: Fraction | None
    rank_sector: int | None = None
    rank_all: int | None = None
    score: Fraction | None = None


@dataclass(frozen=True)
class LeagueRow:
    """One institution's line of the league table.

    ``code``, ``name``, ``sector``; ``status`` and, when not ranked, ``reason_code`` and bilingual
    ``reason``; ``metrics`` (metric code → :class:`MetricResult`, every §8 code, spec order);
    ``composite_exact`` (``Fraction``) and ``composite`` (rounded half-up to 2 decimals,
    ``Decimal``); ``grade``; ``rank_composite`` (sector rank on the rounded composite);
    ``previous_rank`` (composite rank in the previous published snapshot, if any) and ``movement``
    (previous − current, + = better); ``notice_rank`` and exact ``share`` (%) in the sector's 通报.
    """

    code: str
    name: str
    sector: str
    status: Status
    reason_code: str | None
    reason: str | None
    metrics: Mapping[str, MetricResult]
    composite_exact: Fraction | None = None
    composite: Decimal | None = None
    grade: str | None = None
    rank_composite: int | None = None
    previous_rank: int | None = None
    movement: int | None = None
    notice_rank: int | None = None
    share: Fraction | None = None


@dataclass(frozen=True)
class LeagueResult:
    """The computed table of one period.

    ``rows`` — every institution, ordered by sector (§1.2 order), then ranked rows by composite rank
    and code, then unranked and unfiled rows by code; ``medians`` — sector → metric code → exact
    median (``None`` when no ranked institution has a value); ``notice`` — sector → institution codes
    in 通报 order; ``config`` — the configuration used.
    """

    rows: tuple[LeagueRow, ...]
    medians: Mapping[str, Mapping[str, Fraction | None]]
    notice: Mapping[str, tuple[str, ...]]
    config: LeagueConfig

    def row(self, code: str) -> LeagueRow:
        """The row of the institution with this code (``KeyError`` if absent)."""
        for row in self.rows:
            if row.code == code:
                return row
        raise KeyError(code)
