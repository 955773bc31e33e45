"""reports.numbers: half-up display and exact decimal strings (spec §8 "Display")."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reports.numbers import display, exact_str, quantize_half_up, to_fraction


def _oracle(value: Decimal, places: int) -> str:
    """Independent reference: the decimal module's own ROUND_HALF_UP with ample precision."""
    with localcontext() as ctx:
        ctx.prec = 200
        rounded = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return f"{abs(rounded) if rounded == 0 else rounded:f}"  # display never shows "-0"


@pytest.mark.parametrize(
    ("value", "places", "expected"),
    [
        (Fraction(865, 20), 1, "43.3"),  # 43.25: round() would give 43.2
        (Decimal("43.25"), 1, "43.3"),
        (Decimal("86.15"), 1, "86.2"),  # 86.15 as a float is 86.1499999…
        (Fraction(8615, 100), 1, "86.2"),
        (Decimal("0.125"), 2, "0.13"),
        (Fraction(2, 3), 2, "0.67"),
        (Fraction(1, 3), 2, "0.33"),
        (7, 2, "7.00"),
        (Fraction(5, 2), 0, "3"),
        (Fraction(7, 2), 0, "4"),  # half-even would give 4 too; 5/2 above is the telling one
        (Decimal("-2.5"), 0, "-3"),  # half away from zero, as ROUND_HALF_UP
        (Fraction(-1, 1000), 2, "0.00"),  # never "-0.00"
        (Decimal("123456789012345678901234567890.125"), 2, "123456789012345678901234567890.13"),
        (Decimal("1E+3"), 1, "1000.0"),
    ],
)
def test_display_rounds_half_up(value, places, expected):
    assert display(value, places) == expected


def test_python_round_would_be_wrong_here():
    """Guard that the cases above actually distinguish half-up from Python's round()."""
    assert round(43.25, 1) == 43.2  # 43.25 is exact in binary: round() goes half to even
    assert display(Decimal("43.25"), 1) != f"{round(43.25, 1)}"


def test_none_is_none():
    assert display(None, 2) is None
    assert exact_str(None) is None


@pytest.mark.parametrize("bad", [0.5, True, "1.5"])
def test_floats_bools_and_text_refused(bad):
    with pytest.raises(TypeError):
        display(bad, 2)
    with pytest.raises(TypeError):
        exact_str(bad)


def test_non_finite_decimal_refused():
    with pytest.raises(ValueError):
        to_fraction(Decimal("NaN"))
    with pytest.raises(ValueError):
        display(Decimal("Infinity"), 2)


def test_negative_places_refused():
    with pytest.raises(ValueError):
        quantize_half_up(1, -1)


@given(
    st.decimals(allow_nan=False, allow_infinity=False, places=6, min_value=-(10**9), max_value=10**9),
    st.integers(min_value=0, max_value=6),
)
def test_display_matches_decimal_round_half_up(value, places):
    assert display(value, places) == _oracle(value, places)


@given(
    st.fractions(min_value=-(10**6), max_value=10**6, max_denominator=10**6),
    st.integers(min_value=0, max_value=5),
)
def test_display_of_fraction_is_nearest_with_ties_away_from_zero(value, places):
    shown = Fraction(Decimal(display(value, places)))
    unit = Fraction(1, 10**places)
    assert abs(shown - value) <= unit / 2
    if abs(shown - value) == unit / 2:
        assert abs(shown) > abs(value)
    assert shown * 10**places == int(shown * 10**places)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, "0"),
        (Fraction(0), "0"),
        (Decimal("0.000"), "0"),
        (12, "12"),
        (Fraction(36, 3), "12"),
        (Decimal("1E+3"), "1000"),
        (10**20, "100000000000000000000"),
        (Fraction(1, 4), "0.25000000"),
        (Decimal("43.25"), "43.250000"),
        (Fraction(123456789, 1000), "123456.789"),
        (Fraction(1, 2**30), "0.000000000931322574615478515625"),
        (Fraction(1, 3), "0.333333333333333"),
        (Fraction(2, 3), "0.666666666666667"),
        (Fraction(200, 3), "66.6666666666667"),
        (Fraction(-1, 3), "-0.333333333333333"),
        (Fraction(10**20, 3), "33333333333333333333.33"),
    ],
)
def test_exact_str(value, expected):
    assert exact_str(value) == expected


def test_exact_str_never_double_rounds():
    """A repeating value just below a tie must not travel as the tie itself."""
    value = Fraction(125, 1000) - Fraction(1, 3 * 10**17)
    text = exact_str(value)
    assert display(value, 2) == "0.12"
    assert display(Decimal(text), 2) == "0.12"


def _significant_digits(text: str) -> int:
    digits = text.lstrip("-").replace(".", "").lstrip("0")
    return len(digits)


@given(st.fractions(min_value=-(10**9), max_value=10**9, max_denominator=10**9))
def test_exact_str_properties(value):
    text = exact_str(value)
    assert "e" not in text.lower()
    if value == 0:
        assert text == "0"
        return
    parsed = Fraction(Decimal(text))
    if value.denominator == 1:
        assert text == str(value.numerator)
        return
    assert _significant_digits(text) >= 8
    decimals = len(text.split(".")[1])
    den = value.denominator
    while den % 2 == 0:
        den //= 2
    while den % 5 == 0:
        den //= 5
    if den == 1:
        assert parsed == value  # terminating: exact
    else:
        assert abs(parsed - value) <= Fraction(1, 2 * 10**decimals)
    for places in range(7):  # ROUND_TRIP_PLACES: re-rounding the string matches the exact value
        assert display(Decimal(text), places) == display(value, places)


def test_exact_str_of_a_value_whose_digits_always_end_in_5():
    # 1/22 = 0.0454545…: every rounding ends in 5; only ties within 6 decimals are extended.
    assert exact_str(Fraction(1, 22)) == "0.0454545454545455"
    assert display(Decimal(exact_str(Fraction(1, 22))), 3) == display(Fraction(1, 22), 3) == "0.045"
