"""``exact_sort_keys``: integer keys with exactly the order and the ties of the exact values."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from reports.league.ranking import exact_sort_keys

EXACT = st.one_of(st.integers(-10**12, 10**12), st.fractions(max_denominator=10**9),
                  st.decimals(allow_nan=False, allow_infinity=False, places=6, min_value=-10**9, max_value=10**9))


@given(st.lists(EXACT, max_size=40))
def test_keys_order_and_ties_are_those_of_the_values(values):
    keys = exact_sort_keys(values)
    exact = [Fraction(v) for v in values]
    for i in range(len(values)):
        for j in range(len(values)):
            assert (keys[i] < keys[j]) == (exact[i] < exact[j])
            assert (keys[i] == keys[j]) == (exact[i] == exact[j])


def test_values_closer_than_any_fixed_scale_stay_apart():
    a, b = Fraction(10**15 + 1, 10**15), Fraction(10**15 + 2, 10**15 + 1)  # differ by ~1e-30
    ka, kb = exact_sort_keys([a, b, a, Decimal("1")])[:2]
    assert (ka < kb) == (a < b) and ka != kb
