"""Pure league-table computation (spec §8): no Flask, no database.

Entry points: :func:`compute_league` (figures → :class:`LeagueResult`) and
:func:`serialize_league` (result → JSON-ready dict). Modules: ``definitions`` (metric codes and
directions), ``inputs`` (figures and configuration), ``metrics`` (formulas), ``eligibility``,
``ranking`` (competition ranking), ``composite`` (scores and grades), ``medians``, ``notice`` (通报
order), ``compute`` and ``serialize``. Display rounding lives in :mod:`reports.numbers`.
"""

from reports.league.compute import compute_league
from reports.league.definitions import METRIC_CODES, METRICS, Better, MetricDef
from reports.league.eligibility import Status
from reports.league.inputs import InstitutionFigures, LeagueConfig
from reports.league.result import LeagueResult, LeagueRow, MetricResult
from reports.league.serialize import serialize_league

__all__ = [
    "METRICS",
    "METRIC_CODES",
    "Better",
    "InstitutionFigures",
    "LeagueConfig",
    "LeagueResult",
    "LeagueRow",
    "MetricDef",
    "MetricResult",
    "Status",
    "compute_league",
    "serialize_league",
]
