"""Competition ranking (spec §8 "Ranks").

Rules, as coded in :func:`competition_ranks`:

* rank 1 is the best value, respecting the metric's direction (:class:`Better`);
* ranks are computed on exact values (``int``, ``Fraction``, ``Decimal``; all compared as exact
  ``Fraction``) — never on rounded or binary-float values, so two values that display alike but
  differ in the exact value get different ranks;
* equal exact values share the lowest (best) rank of their group and the next rank skips, i.e.
  "standard competition ranking" 1, 2, 2, 4: an item's rank is 1 + the number of items strictly
  better than it. This makes ranks a function of the multiset of values only (independent of the
  order or identity of the items) and monotone: improving an item's value never worsens its rank;
* items whose value is ``None`` (empty) are not ranked and get no entry.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from fractions import Fraction
from typing import TypeVar

from reports.league.definitions import Better
from reports.numbers import Exact, to_fraction

__all__ = ["competition_ranks", "exact_sort_keys"]

K = TypeVar("K", bound=Hashable)


def exact_sort_keys(values: Sequence[Exact]) -> list[int]:
    """Integer keys with exactly the order and the equalities of the exact ``values``.

    ``floor(v · S)`` with ``S = D²``, ``D`` the largest denominator: two distinct fractions differ by
    at least ``1 / (d₁·d₂) ≥ 1 / S``, so their scaled values differ by at least 1 and their floors
    differ, in the same direction; equal fractions (always in lowest terms) get equal keys. Sorting
    and comparing these integers is done in C and never rounds, so no tie is created or broken.
    """
    exact = [to_fraction(v) for v in values]
    if not exact:
        return []
    scale = max(v.denominator for v in exact) ** 2
    return [v.numerator * scale // v.denominator for v in exact]


def competition_ranks(values: Mapping[K, Exact | None], better: Better) -> dict[K, int]:
    """Rank the non-empty ``values`` (key → exact value) 1 = best, ties sharing the lowest rank.

    Returns key → rank for every key with a value; keys whose value is ``None`` are left out.
    ``competition_ranks({"a": 5, "b": 7, "c": 7, "d": 9}, Better.LOWER)`` →
    ``{"a": 1, "b": 2, "c": 2, "d": 4}``. Raises ``TypeError`` on a float value.
    """
    keys: list[K] = []
    exact: list[Fraction] = []
    for key, value in values.items():
        if value is None:
            continue
        keys.append(key)
        exact.append(to_fraction(value))
    # Sort key: smaller is better. For "higher is better" negate (exact, so no tie is created).
    sign = 1 if better is Better.LOWER else -1
    order = sorted(zip((sign * k for k in exact_sort_keys(exact)), range(len(keys)), strict=True))
    ranks: dict[K, int] = {}
    previous: int | None = None
    rank = 0
    for position, (sort_value, index) in enumerate(order, start=1):
        if sort_value != previous:
            # A new (strictly worse) value: its rank is 1 + the number of items before it,
            # all of which are strictly better. Equal values keep the group's first rank.
            rank = position
            previous = sort_value
        ranks[keys[index]] = rank
    return ranks
