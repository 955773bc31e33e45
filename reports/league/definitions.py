"""The metrics of the league table (spec §8): codes, labels, direction and scope.

The codes are stable identifiers (spec preamble): keep them verbatim in code, API and exports.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from types import MappingProxyType

__all__ = [
    "METRICS",
    "METRICS_BY_CODE",
    "METRIC_CODES",
    "PAY_SECTOR",
    "Better",
    "MetricDef",
]

PAY_SECTOR = "PAY"
"""The sector whose institutions have the ``txn_bp`` metric (§8: "``PAY`` only")."""


class Better(Enum):
    """Which direction of a metric is better (§8 column "better"): rank 1 goes to that end."""

    LOWER = "lower"
    HIGHER = "higher"


@dataclass(frozen=True)
class MetricDef:
    """One §8 metric: ``code``, Chinese ``label``, ``better`` direction, and the ``sectors`` it
    exists for (``None`` = every sector; ``txn_bp`` exists for ``PAY`` only)."""

    code: str
    label: str
    better: Better
    sectors: frozenset[str] | None = None

    def applies_to(self, sector: str) -> bool:
        """Whether the metric exists for institutions of ``sector``."""
        return self.sectors is None or sector in self.sectors


METRICS: tuple[MetricDef, ...] = (
    MetricDef("received", "投诉量", Better.LOWER),
    MetricDef("per_10k_customers", "万人投诉量", Better.LOWER),
    MetricDef("per_100m_volume", "亿元业务投诉量", Better.LOWER),
    MetricDef("on_time_rate", "按时办结率", Better.HIGHER),
    MetricDef("closure_rate", "办结率", Better.HIGHER),
    MetricDef("favourable_rate", "解决率", Better.HIGHER),
    MetricDef("escalation_rate", "升级率", Better.LOWER),
    MetricDef("regulator_per_10k", "万人监管转办量", Better.LOWER),
    MetricDef("txn_bp", "交易类投诉涉及笔数占比(BP)", Better.LOWER, frozenset({PAY_SECTOR})),
    MetricDef("disclosure_score", "信息披露得分", Better.HIGHER),
)
"""The ten metrics of §8, in the spec's order."""

METRIC_CODES: tuple[str, ...] = tuple(m.code for m in METRICS)
"""The metric codes, in the spec's order."""

METRICS_BY_CODE = MappingProxyType({m.code: m for m in METRICS})
"""Metric code → :class:`MetricDef`."""
