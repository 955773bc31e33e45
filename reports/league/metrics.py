"""The ten metric formulas of spec §8, as exact ``Fraction`` values.

A metric whose denominator is zero (or missing: ``active_customers``, ``business_volume`` or
``transactions`` left empty) is *empty* — ``None`` — never zero (§8). ``txn_bp`` is empty for every
sector but ``PAY``. ``business_volume`` (a ``Decimal``) is converted to ``Fraction`` exactly.
"""

from __future__ import annotations

from fractions import Fraction

from reports.league.definitions import METRIC_CODES, PAY_SECTOR
from reports.league.inputs import InstitutionFigures
from reports.numbers import Exact, to_fraction

__all__ = ["compute_metrics", "disclosure_score", "ratio"]

TEN_THOUSAND = 10_000
HUNDRED = 100


def ratio(numerator: Exact, denominator: Exact | None, scale: int = 1) -> Fraction | None:
    """``numerator ÷ denominator × scale`` exactly; ``None`` when the denominator is 0 or ``None``."""
    if denominator is None:
        return None
    den_n, den_d = _parts(denominator)
    if den_n == 0:
        return None
    num_n, num_d = _parts(numerator)
    # one normalised construction instead of a division and a product (the same exact value)
    return Fraction(num_n * den_d * scale, num_d * den_n)


def _parts(value: Exact) -> tuple[int, int]:
    """Numerator and denominator of an exact value (ints directly; others through ``to_fraction``)."""
    if type(value) is int:
        return value, 1
    exact = to_fraction(value)
    return exact.numerator, exact.denominator


def disclosure_score(has_accepted_dsc: bool, high: int, medium: int, low: int) -> Fraction:
    """§8 ``disclosure_score``: ``max(0, 100 − 20·high − 10·medium − 5·low)`` over the *open* ``D``
    findings of the period, and **0** when the period has no accepted ``DSC``."""
    if not has_accepted_dsc:
        return Fraction(0)
    return Fraction(max(0, 100 - 20 * high - 10 * medium - 5 * low))


def compute_metrics(figures: InstitutionFigures) -> dict[str, Fraction | None]:
    """Every §8 metric of one institution, keyed by metric code in the spec's order.

    Formulas (exact): ``received``; ``per_10k_customers`` = received ÷ active_customers × 10,000;
    ``per_100m_volume`` = received ÷ business_volume (亿元); ``on_time_rate`` = on_time ÷ closed × 100;
    ``closure_rate`` = closed ÷ (opening + received) × 100; ``favourable_rate`` = favourable ÷ closed
    × 100; ``escalation_rate`` = escalated ÷ closed × 100; ``regulator_per_10k`` = regulator ÷
    active_customers × 10,000; ``txn_bp`` = txn_involved ÷ transactions × 10,000 (``PAY`` only);
    ``disclosure_score`` (see :func:`disclosure_score`).

    An institution without an accepted ``CMP`` has no figures: every metric is ``None``.
    """
    if not figures.accepted_cmp:
        return dict.fromkeys(METRIC_CODES)
    f = figures
    values: dict[str, Fraction | None] = {
        "received": Fraction(f.received),
        "per_10k_customers": ratio(f.received, f.active_customers, TEN_THOUSAND),
        "per_100m_volume": ratio(f.received, f.business_volume),
        "on_time_rate": ratio(f.on_time, f.closed, HUNDRED),
        "closure_rate": ratio(f.closed, f.opening + f.received, HUNDRED),
        "favourable_rate": ratio(f.favourable, f.closed, HUNDRED),
        "escalation_rate": ratio(f.escalated, f.closed, HUNDRED),
        "regulator_per_10k": ratio(f.regulator, f.active_customers, TEN_THOUSAND),
        "txn_bp": (ratio(f.txn_involved, f.transactions, TEN_THOUSAND) if f.sector == PAY_SECTOR else None),
        "disclosure_score": disclosure_score(
            f.has_accepted_dsc, f.open_d_high, f.open_d_medium, f.open_d_low
        ),
    }
    assert tuple(values) == METRIC_CODES
    return values
