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

from collections.abc import Hashable, Mapping
from fractions import Fraction
from typing import TypeVar

from reports.league.definitions import Better
from reports.numbers import Exact, to_fraction

__all__ = ["competition_ranks"]

K = TypeVar("K", bound=Hashable)


def competition_ranks(values: Mapping[K, Exact | None], better: Better) -> dict[K, int]:
    """Rank the non-empty ``values`` (key → exact value) 1 = best, ties sharing the lowest rank.

    Returns key → rank for every key with a value; keys whose value is ``None`` are left out.
    ``competition_ranks({"a": 5, "b": 7, "c": 7, "d": 9}, Better.LOWER)`` →
    ``{"a": 1, "b": 2, "c": 2, "d": 4}``. Raises ``TypeError`` on a float value.
    """
    present: list[tuple[Fraction, K]] = []
    for key, value in values.items():
        if value is None:
            continue
        exact = to_fraction(value)
        # Sort key: smaller is better. For "higher is better" negate (exact, so no tie is created).
        present.append((exact if better is Better.LOWER else -exact, key))
    # Sorting compares exact values; to keep that fast at thousands of institutions the key is
    # (floor(value · 10^12), value): the integer part is compared in C and, being a monotone
    # function of the value, never reorders it; only values equal in it fall back to the exact
    # Fraction comparison. The order is therefore exactly the order of the Fractions.
    present.sort(key=lambda pair: (pair[0].numerator * 10**12 // pair[0].denominator, pair[0]))
    ranks: dict[K, int] = {}
    previous: Fraction | None = None
    rank = 0
    for position, (sort_value, key) in enumerate(present, start=1):
        if previous is None or sort_value != previous:
            # A new (strictly worse) value: its rank is 1 + the number of items before it,
            # all of which are strictly better. Equal values keep the group's first rank.
            rank = position
            previous = sort_value
        ranks[key] = rank
    return ranks
