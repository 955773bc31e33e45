"""Inputs of the league-table computation: one institution's figures and the configuration.

Everything here is a frozen dataclass validated on construction, so the computation can trust it.
The figures are those the platform derives (§4.4) from the institution's latest accepted ``CMP``
of the period, plus the open ``D`` findings and whether an accepted ``DSC`` exists (§8).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from itertools import pairwise
from types import MappingProxyType

from reports.league.definitions import METRIC_CODES, PAY_SECTOR
from reports.numbers import Exact, to_fraction

__all__ = [
    "DEFAULT_COMPOSITE_WEIGHTS",
    "DEFAULT_GRADE_THRESHOLDS",
    "PAY_SECTOR",
    "SECTOR_ORDER",
    "InstitutionFigures",
    "LeagueConfig",
]

SECTOR_ORDER = ("PAY", "CF", "BANK", "INS", "AUTO")
"""Order of the sectors of §1.2, used to order output; an unknown sector sorts after, by code."""

DEFAULT_COMPOSITE_WEIGHTS: Mapping[str, int] = MappingProxyType(
    {
        "per_10k_customers": 30,
        "on_time_rate": 25,
        "favourable_rate": 15,
        "escalation_rate": 15,
        "disclosure_score": 15,
    }
)
"""§8 composite weights *(config)*."""

DEFAULT_GRADE_THRESHOLDS: tuple[tuple[str, int], ...] = (("A", 80), ("B", 60), ("C", 40))
"""§8 grades *(config)*: the first grade whose minimum the rounded composite reaches; else ``D``."""

_CMP_COUNTS = (
    "opening",
    "received",
    "closed",
    "open_end",
    "on_time",
    "favourable",
    "escalated",
    "regulator",
    "txn_received",
    "txn_involved",
)
_FINDING_COUNTS = ("open_d_high", "open_d_medium", "open_d_low")


def _check_count(name: str, value: object, *, optional: bool = False) -> None:
    """Raise unless ``value`` is an ``int`` ≥ 0 (or ``None`` when ``optional``)."""
    if value is None and optional:
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{name} must be an int >= 0, got {value!r}")


@dataclass(frozen=True, kw_only=True)
class InstitutionFigures:
    """One expected institution's figures for the period (keyword-only, frozen).

    Identity: ``code`` (USCC), ``name``, ``sector`` (``PAY``, ``CF``, ``BANK``, ``INS``, ``AUTO``).

    Filing state: ``filed_cmp`` — a ``CMP`` was uploaded for the period (``False`` → 未报送
    ``not_filed``); ``accepted_cmp`` — one version of it is accepted (defaults to ``filed_cmp``; a
    filer whose versions were all rejected/returned/pending has ``filed_cmp=True,
    accepted_cmp=False`` and is listed 未排名 with reason "no accepted CMP"). The count fields below
    are read only when ``accepted_cmp`` is true.

    Figures of the latest accepted ``CMP`` (§4.4), all ``int`` ≥ 0: ``opening``, ``received``,
    ``closed``, ``open_end``, ``on_time``, ``favourable``, ``escalated``, ``regulator``,
    ``txn_received``, ``txn_involved``; from its cover (§4.1): ``active_customers`` (``int`` or
    ``None``), ``business_volume`` (亿元, ``Decimal``/``int`` or ``None``; never a float),
    ``transactions`` (``int`` or ``None``).

    Disclosure (§8 ``disclosure_score``): ``has_accepted_dsc`` and the numbers of *open* ``D``
    findings (D02–D07) by level: ``open_d_high``, ``open_d_medium``, ``open_d_low``.
    """

    code: str
    name: str
    sector: str
    filed_cmp: bool
    accepted_cmp: bool | None = None
    opening: int = 0
    received: int = 0
    closed: int = 0
    open_end: int = 0
    on_time: int = 0
    favourable: int = 0
    escalated: int = 0
    regulator: int = 0
    txn_received: int = 0
    txn_involved: int = 0
    active_customers: int | None = None
    business_volume: Decimal | int | None = None
    transactions: int | None = None
    has_accepted_dsc: bool = False
    open_d_high: int = 0
    open_d_medium: int = 0
    open_d_low: int = 0

    def __post_init__(self) -> None:
        """Validate every field; normalise ``accepted_cmp=None`` to ``filed_cmp``."""
        for name in ("code", "name", "sector"):
            if not isinstance(getattr(self, name), str) or not getattr(self, name):
                raise ValueError(f"{name} must be a non-empty str")
        if not isinstance(self.filed_cmp, bool):
            raise ValueError("filed_cmp must be a bool")
        if self.accepted_cmp is None:
            object.__setattr__(self, "accepted_cmp", self.filed_cmp)
        if not isinstance(self.accepted_cmp, bool):
            raise ValueError("accepted_cmp must be a bool or None")
        if self.accepted_cmp and not self.filed_cmp:
            raise ValueError(f"{self.code}: an accepted CMP implies a filed CMP")
        if not isinstance(self.has_accepted_dsc, bool):
            raise ValueError("has_accepted_dsc must be a bool")
        for name in _CMP_COUNTS + _FINDING_COUNTS:
            _check_count(name, getattr(self, name))
        _check_count("active_customers", self.active_customers, optional=True)
        _check_count("transactions", self.transactions, optional=True)
        volume = self.business_volume
        if volume is not None:
            if isinstance(volume, bool) or not isinstance(volume, Decimal | int):
                raise ValueError(f"business_volume must be a Decimal, int or None, got {volume!r}")
            if (isinstance(volume, Decimal) and not volume.is_finite()) or volume < 0:
                raise ValueError(f"business_volume must be finite and >= 0, got {volume!r}")


def _freeze_weights(weights: Mapping[str, Exact]) -> Mapping[str, Fraction]:
    """Validate composite weights (known metric codes, exact, ≥ 0) and freeze them as Fractions."""
    frozen: dict[str, Fraction] = {}
    for code, weight in weights.items():
        if code not in METRIC_CODES:
            raise ValueError(f"unknown metric in composite weights: {code!r}")
        exact = to_fraction(weight)
        if exact < 0:
            raise ValueError(f"composite weight of {code} must be >= 0, got {weight!r}")
        frozen[code] = exact
    return MappingProxyType(frozen)


@dataclass(frozen=True, kw_only=True)
class LeagueConfig:
    """The *(config)* values of §8, with the spec's defaults.

    * ``min_active_customers`` — eligibility threshold: ranked iff accepted ``CMP`` and
      ``active_customers`` ≥ this (10,000).
    * ``composite_weights`` — metric code → exact weight ≥ 0 (30/25/15/15/15 over
      ``per_10k_customers``, ``on_time_rate``, ``favourable_rate``, ``escalation_rate``,
      ``disclosure_score``). Stored as a read-only mapping of ``Fraction``.
    * ``grade_thresholds`` — ``(grade, minimum)`` pairs, minima strictly decreasing
      (A ≥ 80, B ≥ 60, C ≥ 40); ``fallback_grade`` (``D``) below the last one.
    """

    min_active_customers: int = 10_000
    composite_weights: Mapping[str, Exact] = field(
        default_factory=lambda: DEFAULT_COMPOSITE_WEIGHTS, hash=False
    )
    grade_thresholds: tuple[tuple[str, Exact], ...] = DEFAULT_GRADE_THRESHOLDS
    fallback_grade: str = "D"

    def __post_init__(self) -> None:
        """Validate the configuration and freeze the weights."""
        _check_count("min_active_customers", self.min_active_customers)
        object.__setattr__(self, "composite_weights", _freeze_weights(self.composite_weights))
        thresholds = tuple((grade, to_fraction(minimum)) for grade, minimum in self.grade_thresholds)
        for (_, higher), (_, lower) in pairwise(thresholds):
            if not higher > lower:
                raise ValueError("grade_thresholds must have strictly decreasing minima")
        object.__setattr__(self, "grade_thresholds", thresholds)
