"""Eligibility for ranking and the reason an institution is not ranked (spec §8 "Eligibility").

Ranked iff the institution has an accepted ``CMP`` and ``active_customers`` ≥
``config.min_active_customers`` (10,000). Others are listed: 未报送 ``not_filed`` when no ``CMP`` was
filed for the period; 未排名 ``not_ranked`` otherwise, with one reason (first that applies):

* ``no_accepted_cmp`` — filed, but no version is accepted (rejected, returned or still pending);
* ``missing_active_customers`` — the accepted filing has no ``active_customers``;
* ``below_min_active_customers`` — ``active_customers`` below the threshold (both values given).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from reports.league.inputs import InstitutionFigures, LeagueConfig

__all__ = [
    "REASON_BELOW_MIN_ACTIVE_CUSTOMERS",
    "REASON_MISSING_ACTIVE_CUSTOMERS",
    "REASON_NOT_FILED",
    "REASON_NO_ACCEPTED_CMP",
    "Eligibility",
    "Status",
    "eligibility",
]

REASON_NOT_FILED = "not_filed"
REASON_NO_ACCEPTED_CMP = "no_accepted_cmp"
REASON_MISSING_ACTIVE_CUSTOMERS = "missing_active_customers"
REASON_BELOW_MIN_ACTIVE_CUSTOMERS = "below_min_active_customers"


class Status(StrEnum):
    """Listing status of an institution in the table (JSON value = the enum value)."""

    RANKED = "ranked"
    NOT_RANKED = "not_ranked"  # 未排名
    NOT_FILED = "not_filed"  # 未报送


@dataclass(frozen=True)
class Eligibility:
    """Outcome of :func:`eligibility`: ``status``, and for an unranked institution a stable
    ``reason_code`` and a bilingual ``reason`` text (Chinese / English); both ``None`` when ranked."""

    status: Status
    reason_code: str | None = None
    reason: str | None = None


def eligibility(figures: InstitutionFigures, config: LeagueConfig) -> Eligibility:
    """Decide whether ``figures``' institution is ranked and, if not, why (see module docstring)."""
    if not figures.filed_cmp:
        return Eligibility(Status.NOT_FILED, REASON_NOT_FILED, "未报送 / not filed")
    if not figures.accepted_cmp:
        return Eligibility(
            Status.NOT_RANKED,
            REASON_NO_ACCEPTED_CMP,
            "无已受理的投诉报表 / no accepted CMP filing",
        )
    if figures.active_customers is None:
        return Eligibility(
            Status.NOT_RANKED,
            REASON_MISSING_ACTIVE_CUSTOMERS,
            "未填报期末有效客户数 / active_customers missing",
        )
    minimum = config.min_active_customers
    if figures.active_customers < minimum:
        value = figures.active_customers
        return Eligibility(
            Status.NOT_RANKED,
            REASON_BELOW_MIN_ACTIVE_CUSTOMERS,
            f"期末有效客户数 {value} 低于排名门槛 {minimum} / "
            f"active_customers {value} below the ranking threshold {minimum}",
        )
    return Eligibility(Status.RANKED)
