"""Exact numbers and their display text (spec §8 "Display").

This module is the ONE place where an exact value becomes text. Two helpers:

* :func:`display` — half-up rounding (the semantics of ``decimal.ROUND_HALF_UP``: a tie rounds away
  from zero) of an exact value to *N* decimals, returned as text: ``Fraction(865, 20)`` (43.25) →
  ``"43.3"`` at 1 decimal, ``Decimal("86.15")`` → ``"86.2"``. Python's ``round()`` (half to even, and
  on binary floats) is never used: it would give ``43.2``.
* :func:`exact_str` — the exact value as a decimal string with at least 8 significant digits, which
  is how exact values travel in JSON exports (§8: "Exact values travel as decimal strings with at
  least 8 significant digits (``"0"`` for zero)").

Accepted inputs are the exact types ``int``, ``fractions.Fraction`` and ``decimal.Decimal`` (finite).
``None`` (an empty value) gives ``None``. ``float`` and ``bool`` are refused with ``TypeError`` so a
binary float can never sneak into a published figure.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

Exact = int | Fraction | Decimal
"""An exact number: what every ranked or published figure must be."""

MIN_SIGNIFICANT_DIGITS = 8
"""§8: exact values travel with at least this many significant digits."""

REPEATING_SIGNIFICANT_DIGITS = 15
"""Significant digits kept (rounded half-up) when a value has no finite decimal expansion (1/3)."""

ROUND_TRIP_PLACES = 6
"""An :func:`exact_str` string re-rounded to up to this many decimals matches :func:`display`."""

__all__ = [
    "MIN_SIGNIFICANT_DIGITS",
    "REPEATING_SIGNIFICANT_DIGITS",
    "ROUND_TRIP_PLACES",
    "Exact",
    "display",
    "exact_str",
    "quantize_half_up",
    "to_fraction",
]


def to_fraction(value: Exact) -> Fraction:
    """Convert an exact number to a ``Fraction`` without any loss.

    ``Decimal`` converts exactly (``Fraction(Decimal("0.1")) == Fraction(1, 10)``). Raises
    ``TypeError`` for ``float``, ``bool`` and anything that is not ``int``/``Fraction``/``Decimal``,
    and ``ValueError`` for a non-finite ``Decimal`` (NaN, Infinity).
    """
    if type(value) is Fraction:  # the common case in the league core: nothing to convert
        return value
    if isinstance(value, bool) or not isinstance(value, int | Fraction | Decimal):
        raise TypeError(f"exact number expected (int, Fraction or Decimal), got {type(value).__name__}")
    if isinstance(value, Decimal) and not value.is_finite():
        raise ValueError(f"finite Decimal expected, got {value}")
    return Fraction(value)


def _half_up_digits(numerator: int, denominator: int, places: int) -> tuple[bool, int]:
    """``(negative, magnitude)`` of ``numerator/denominator`` rounded half-up to ``places`` decimals,
    as the integer ``magnitude = round_half_up(|value| · 10^places)``; ``negative`` is False for a
    result of zero (never "-0"). Integer arithmetic only: no intermediate rounding can move a tie."""
    scaled = abs(numerator) * 10**places
    # floor(scaled/denominator + 1/2) == half-up on the magnitude, with integers only.
    magnitude = (2 * scaled + denominator) // (2 * denominator)
    return numerator < 0 and magnitude != 0, magnitude


def _positional(negative: bool, magnitude: int, places: int) -> str:
    """``magnitude · 10^-places`` written positionally with exactly ``places`` decimals (what
    ``format(Decimal, "f")`` gives for that value and exponent)."""
    digits = str(magnitude)
    if places:
        digits = digits.rjust(places + 1, "0")
        digits = f"{digits[:-places]}.{digits[-places:]}"
    return f"-{digits}" if negative else digits


def quantize_half_up(value: Exact, places: int) -> Decimal:
    """Round an exact value half-up (away from zero on a tie) to ``places`` decimals, exactly.

    Equivalent to ``Decimal.quantize(Decimal(10) ** -places, rounding=ROUND_HALF_UP)`` with unlimited
    precision, but also correct for a ``Fraction`` with no finite decimal expansion: the rounding is
    done in integer arithmetic on the exact value, so no intermediate binary or decimal rounding can
    move a tie. ``places`` must be ≥ 0. The result has exactly ``places`` digits after the point.
    """
    _check_places(places)
    exact = to_fraction(value)
    negative, magnitude = _half_up_digits(exact.numerator, exact.denominator, places)
    digits = tuple(int(d) for d in str(magnitude))
    return Decimal((1 if negative else 0, digits, -places))


def _check_places(places: int) -> None:
    if isinstance(places, bool) or not isinstance(places, int) or places < 0:
        raise ValueError(f"places must be an int >= 0, got {places!r}")


def display(value: Exact | None, places: int) -> str | None:
    """Display text of an exact value, rounded half-up to ``places`` decimals; ``None`` → ``None``.

    ``display(Fraction(865, 20), 1) == "43.3"``, ``display(Decimal("86.15"), 1) == "86.2"``,
    ``display(7, 2) == "7.00"``, ``display(Fraction(2, 3), 0) == "1"``. The text is plain positional
    notation (never an exponent), with no unit sign and no thousands separator. The same text as
    ``f"{quantize_half_up(value, places):f}"``, written from the integers directly.
    """
    if value is None:
        return None
    _check_places(places)
    exact = to_fraction(value)
    return _positional(*_half_up_digits(exact.numerator, exact.denominator, places), places)


def _decimal_exponent(positive: Fraction) -> int:
    """The integer ``e`` with ``10**e <= positive < 10**(e + 1)`` (``positive`` > 0), exactly
    (integer comparisons of ``numerator`` against ``denominator · 10^e``)."""
    num, den = positive.numerator, positive.denominator
    e = len(str(num)) - len(str(den))

    def at_most(k: int) -> bool:  # 10**k <= num/den
        return 10**k * den <= num if k >= 0 else den <= num * 10**-k

    while not at_most(e):
        e -= 1
    while at_most(e + 1):
        e += 1
    return e


def _terminating_places(exact: Fraction) -> int | None:
    """Decimals needed to write ``exact`` in full, or ``None`` when its expansion never ends."""
    den = exact.denominator
    twos = fives = 0
    while den % 2 == 0:
        den //= 2
        twos += 1
    while den % 5 == 0:
        den //= 5
        fives += 1
    return max(twos, fives) if den == 1 else None


def _is_tie_within(text: str, places: int) -> bool:
    """Whether a positional decimal string lies exactly halfway between two decimals of at most
    ``places`` decimals, i.e. its fraction (trailing zeros ignored) is ``…5`` at position ≤ places + 1.

    Rounding such a string to fewer decimals could differ from rounding the value it approximates.
    """
    if "." not in text:
        return False
    fraction = text.split(".", 1)[1].rstrip("0")
    return fraction.endswith("5") and len(fraction) <= places + 1


def exact_str(value: Exact | None) -> str | None:
    """The exact value as a decimal string with at least 8 significant digits; ``None`` → ``None``.

    Rules (§8 "Exact values travel as decimal strings"):

    * zero → ``"0"``;
    * an integral value → the integer in full (``12`` → ``"12"``, ``10**20`` → all 21 digits);
    * a value with a finite decimal expansion → that expansion in full, padded with trailing zeros to
      at least :data:`MIN_SIGNIFICANT_DIGITS` significant digits (``Fraction(1, 4)`` →
      ``"0.25000000"``, ``Fraction(1, 2**30)`` → all 30 decimals): still exactly the value;
    * a value with a repeating expansion (``1/3``) → rounded half-up to
      :data:`REPEATING_SIGNIFICANT_DIGITS` (15) significant digits (``"0.333333333333333"``), and at
      least 2 decimals; if that string is exactly a tie for rounding to at most
      :data:`ROUND_TRIP_PLACES` (6) decimals (its fraction, trailing zeros ignored, ends in a ``5``
      at position ≤ 7), digits are added until it is not. This rules out double rounding: rounding
      the string half-up to ``d`` ≤ 6 decimals gives the same text as :func:`display` of the exact
      value, so an export that re-rounds the string agrees with the web. (Why: the string ``s`` is
      the nearest decimal of its length to the value ``x``; a tie point ``t`` of ``d`` decimals
      between ``x`` and ``s`` would be nearer unless ``t == s``, which the loop excludes; ``x`` is
      never a tie itself, ties being terminating, so the loop ends.)

    Never exponent notation.
    """
    if value is None:
        return None
    exact = to_fraction(value)
    if exact.numerator == 0:
        return "0"
    if exact.denominator == 1:
        return str(exact.numerator)
    exponent = _decimal_exponent(abs(exact))
    needed = _terminating_places(exact)
    if needed is not None:
        return _fixed(exact, max(needed, MIN_SIGNIFICANT_DIGITS - 1 - exponent))
    places = max(REPEATING_SIGNIFICANT_DIGITS - 1 - exponent, 2)
    text = _fixed(exact, places)
    while _is_tie_within(text, ROUND_TRIP_PLACES):  # ends: a repeating value is never a tie
        places += 1
        text = _fixed(exact, places)
    return text


def _fixed(exact: Fraction, places: int) -> str:
    """``f"{quantize_half_up(exact, places):f}"``, written from the integers directly."""
    return _positional(*_half_up_digits(exact.numerator, exact.denominator, places), places)
