"""Composite score and grade (spec §8 "Composite score").

* Metric score of a composite metric = 100 × (n − rank) ÷ (n − 1), where ``rank`` is the
  institution's *sector* rank on that metric and ``n`` the number of ranked institutions of the
  sector that have a value for it; 100 when n = 1. (With ties, every tied institution gets the score
  of the shared, lowest rank.)
* Composite = weighted mean of the metric scores that exist, weights renormalised over them,
  computed exactly as a ``Fraction``; then rounded half-up to 2 decimals. A metric with weight 0
  (or absent from the weights) does not take part.
* Composite ranks (by sector) and grades use the *rounded* composite.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from fractions import Fraction

from reports.numbers import Exact, quantize_half_up, to_fraction

__all__ = ["COMPOSITE_PLACES", "composite_score", "grade_for", "metric_score", "round_composite"]

COMPOSITE_PLACES = 2
"""Decimals of the rounded composite (§8)."""


def metric_score(rank: int, n: int) -> Fraction:
    """``100 × (n − rank) ÷ (n − 1)`` exactly; ``100`` when ``n == 1``. Requires 1 ≤ rank ≤ n."""
    if not 1 <= rank <= n:
        raise ValueError(f"rank {rank} outside 1..{n}")
    if n == 1:
        return Fraction(100)
    return Fraction(100 * (n - rank), n - 1)


def composite_score(
    scores: Mapping[str, Fraction | None], weights: Mapping[str, Fraction]
) -> Fraction | None:
    """Exact weighted mean of the existing metric scores, weights renormalised.

    ``scores`` maps metric code → metric score (``None`` or absent when the institution has no value
    for that metric); ``weights`` maps metric code → weight. Only metrics with a score *and* a weight
    > 0 count: Σ wᵢ·sᵢ ÷ Σ wᵢ over them. ``None`` when no metric counts.
    """
    # Integer accumulation over a common denominator, normalised once at the end: the same exact
    # value as Σ wᵢ·sᵢ ÷ Σ wᵢ in Fractions, without a gcd per operation.
    w_num, w_den = 0, 1
    s_num, s_den = 0, 1
    for code, weight in weights.items():
        score = scores.get(code)
        if score is None or weight <= 0:
            continue
        w = to_fraction(weight)
        sc = to_fraction(score)
        w_num, w_den = w_num * w.denominator + w.numerator * w_den, w_den * w.denominator
        p_num, p_den = w.numerator * sc.numerator, w.denominator * sc.denominator
        s_num, s_den = s_num * p_den + p_num * s_den, s_den * p_den
    if w_num == 0:
        return None
    return Fraction(s_num * w_den, s_den * w_num)


def round_composite(exact: Exact | None) -> Decimal | None:
    """The composite rounded half-up to 2 decimals (``Fraction(79995, 1000)`` → ``80.00``)."""
    if exact is None:
        return None
    return quantize_half_up(exact, COMPOSITE_PLACES)


def grade_for(rounded: Exact | None, thresholds: Sequence[tuple[str, Exact]], fallback: str) -> str | None:
    """Grade of a rounded composite: the first ``(grade, minimum)`` of ``thresholds`` (minima
    decreasing) with ``rounded ≥ minimum``, else ``fallback``; ``None`` for no composite.

    With the defaults: 80.00 → A, 79.99 → B, 60.00 → B, 40.00 → C, 39.99 → D.
    """
    if rounded is None:
        return None
    value = to_fraction(rounded)
    for grade, minimum in thresholds:
        if value >= to_fraction(minimum):
            return grade
    return fallback
