"""Sector medians (spec §8 "Sector medians").

For every sector and metric: the median over the sector's *ranked* institutions that have a value
for the metric — the middle value for odd n, the exact mean of the two middle values for even n,
``None`` when no institution has a value. Exact (``Fraction``) throughout.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from fractions import Fraction

from reports.league.ranking import exact_sort_keys
from reports.numbers import Exact, to_fraction

__all__ = ["median", "sector_medians"]


def median(values: Iterable[Exact | None]) -> Fraction | None:
    """Exact median of the non-empty ``values``; ``None`` if there are none.

    ``median([1, 3, 2]) == 2``; ``median([1, 2, 3, 10]) == Fraction(5, 2)``.
    """
    present = [to_fraction(v) for v in values if v is not None]
    ordered = [present[i] for _key, i in sorted(zip(exact_sort_keys(present), range(len(present)), strict=True))]
    n = len(ordered)
    if n == 0:
        return None
    middle = n // 2
    if n % 2 == 1:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def sector_medians(
    metrics_by_institution: Mapping[str, Mapping[str, Fraction | None]],
    ranked_by_sector: Mapping[str, Iterable[str]],
    metric_codes: Iterable[str],
) -> dict[str, dict[str, Fraction | None]]:
    """Sector → metric code → median over that sector's ranked institutions having a value.

    ``metrics_by_institution`` maps institution code → metric code → exact value;
    ``ranked_by_sector`` lists, for every sector to report (possibly with no ranked institution),
    the codes of its *ranked* institutions — the only ones that count.
    """
    codes = tuple(metric_codes)
    result: dict[str, dict[str, Fraction | None]] = {}
    for sector, institutions in ranked_by_sector.items():
        members = tuple(institutions)
        result[sector] = {
            code: median(metrics_by_institution[inst][code] for inst in members) for code in codes
        }
    return result
