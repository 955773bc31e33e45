"""Sector medians over ranked institutions (spec §8 "Sector medians")."""

from __future__ import annotations

from fractions import Fraction

from reports.league import compute_league, serialize_league
from reports.league.medians import median
from tests.reports.league_helpers import fig


def test_median_odd_and_even():
    assert median([3, 1, 2]) == 2
    assert median([10, 1, 3, 2]) == Fraction(5, 2)
    assert median([Fraction(1, 3), Fraction(1, 2)]) == Fraction(5, 12)
    assert median([7]) == 7
    assert median([]) is None
    assert median([None, 4, None]) == 4


def test_sector_median_odd_n_only_ranked_with_values():
    figures = [
        fig("A", received=10, closed=10, on_time=10),  # on_time 100
        fig("B", received=25, closed=4, on_time=1),  # 25
        fig("C", received=40, closed=0),  # on_time empty: not counted
        fig("D", received=12, closed=8, on_time=6),  # 75
        fig("SMALL", received=1000, active_customers=5, closed=1, on_time=0),  # not ranked
        fig("GONE", filed_cmp=False),
    ]
    result = compute_league(figures)
    cf = result.medians["CF"]
    assert cf["received"] == Fraction(12 + 25, 2)  # A, B, C, D: 10, 12, 25, 40 → 18.5
    assert cf["on_time_rate"] == 75  # 25, 75, 100
    assert cf["per_10k_customers"] == Fraction(12 + 25, 2) * 10_000 / 20_000
    assert cf["txn_bp"] is None


def test_sector_median_even_n_and_display_places():
    figures = [
        fig("A", received=10, closed=3, on_time=1),
        fig("B", received=15, closed=3, on_time=2),
    ]
    result = compute_league(figures)
    assert result.medians["CF"]["received"] == Fraction(25, 2)
    assert result.medians["CF"]["on_time_rate"] == Fraction(100, 2)  # (100/3 + 200/3) / 2
    shown = serialize_league(result, period="2024Q1", snapshot=1)["medians"]["CF"]
    assert shown["received"] == "12.5"  # one decimal for the median of received
    assert shown["on_time_rate"] == "50.00"
    assert shown["per_10k_customers"] == "6.25"  # (5 + 7.5) / 2
    assert shown["txn_bp"] is None


def test_median_display_half_up():
    # received 43 and 44 → 43.5; per_10k (43 + 44)/2 × 10,000/40,000 = 10.875 → "10.88" (half-up)
    figures = [fig("A", received=43, active_customers=40_000), fig("B", received=44, active_customers=40_000)]
    shown = serialize_league(compute_league(figures), period="2024Q1", snapshot=None)["medians"]["CF"]
    assert shown["received"] == "43.5"
    assert shown["per_10k_customers"] == "10.88"


def test_sector_without_ranked_institutions_has_empty_medians():
    result = compute_league([fig("A", "PAY", received=3), fig("B", "CF", active_customers=10)])
    assert set(result.medians) == {"PAY", "CF"}
    assert set(result.medians["CF"].values()) == {None}
    assert result.medians["PAY"]["received"] == 3
