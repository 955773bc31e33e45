"""Composite score, rounding, composite rank and grades (spec §8 "Composite score")."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from reports.league import LeagueConfig, compute_league
from reports.league.composite import composite_score, grade_for, metric_score, round_composite
from reports.league.inputs import DEFAULT_GRADE_THRESHOLDS
from tests.reports.league_helpers import by_code, fig


def _grade(value):
    return grade_for(value, DEFAULT_GRADE_THRESHOLDS, "D")


@pytest.mark.parametrize(
    ("rank", "n", "expected"),
    [(1, 1, 100), (1, 2, 100), (2, 2, 0), (1, 4, 100), (2, 4, Fraction(200, 3)), (4, 4, 0), (3, 5, 50)],
)
def test_metric_score(rank, n, expected):
    assert metric_score(rank, n) == expected


def test_metric_score_rejects_rank_outside_n():
    with pytest.raises(ValueError):
        metric_score(3, 2)


def test_composite_renormalises_over_existing_scores():
    weights = {"a": Fraction(30), "b": Fraction(25), "c": Fraction(15)}
    assert composite_score({"a": Fraction(100), "b": None, "c": Fraction(0)}, weights) == Fraction(3000, 45)
    assert composite_score({"a": Fraction(50)}, weights) == 50
    assert composite_score({}, weights) is None


@pytest.mark.parametrize(
    ("exact", "rounded", "grade"),
    [
        (Fraction(80), "80.00", "A"),
        (Fraction(79995, 1000), "80.00", "A"),  # rounds half-up onto the boundary
        (Fraction(79994999, 1000000), "79.99", "B"),
        (Fraction(7999, 100), "79.99", "B"),
        (Fraction(60), "60.00", "B"),
        (Fraction(5999, 100), "59.99", "C"),
        (Fraction(40), "40.00", "C"),
        (Fraction(3999, 100), "39.99", "D"),
        (Fraction(0), "0.00", "D"),
        (Fraction(100), "100.00", "A"),
    ],
)
def test_grade_uses_rounded_composite(exact, rounded, grade):
    assert round_composite(exact) == Decimal(rounded)
    assert f"{round_composite(exact):f}" == rounded
    assert _grade(round_composite(exact)) == grade


def test_configured_grade_thresholds():
    thresholds = (("优", 90), ("良", 70))
    assert grade_for(Decimal("90.00"), thresholds, "差") == "优"
    assert grade_for(Decimal("89.99"), thresholds, "差") == "良"
    assert grade_for(Decimal("69.99"), thresholds, "差") == "差"
    with pytest.raises(ValueError):
        LeagueConfig(grade_thresholds=(("A", 60), ("B", 80)))


def _three_cf():
    """Three ranked CF institutions; scores worked out by hand in the test below."""
    return [
        # per_10k 5; on_time 90; favourable 60; escalation 10; disclosure 100
        fig("X", received=10, closed=10, on_time=9, favourable=6, escalated=1, has_accepted_dsc=True),
        # per_10k 15; on_time 100; favourable 50; escalation 0; disclosure 90
        fig("Y", received=30, closed=20, on_time=20, favourable=10, has_accepted_dsc=True, open_d_medium=1),
        # per_10k 5; closed 0 → three rates empty; no DSC → disclosure 0
        fig("Z", received=20, active_customers=40_000),
    ]


def test_composite_end_to_end_with_missing_metrics():
    rows = by_code(compute_league(_three_cf()))
    # Sector scores 100×(n−rank)/(n−1):
    # per_10k (n=3): X 5 → rank 1, Z 5 → rank 1, Y 15 → rank 3  ⇒ X 100, Z 100, Y 0
    # on_time (n=2): Y 100 → 1, X 90 → 2 ⇒ Y 100, X 0
    # favourable (n=2): X 60 → 1, Y 50 → 2 ⇒ X 100, Y 0
    # escalation (n=2, lower better): Y 0 → 1, X 10 → 2 ⇒ Y 100, X 0
    # disclosure (n=3): X 100 → 1, Y 90 → 2, Z 0 → 3 ⇒ X 100, Y 50, Z 0
    x = Fraction(30 * 100 + 25 * 0 + 15 * 100 + 15 * 0 + 15 * 100, 100)
    y = Fraction(30 * 0 + 25 * 100 + 15 * 0 + 15 * 100 + 15 * 50, 100)
    z = Fraction(30 * 100 + 15 * 0, 30 + 15)  # weights renormalised over the two metrics Z has
    assert rows["X"].composite_exact == x == 60
    assert rows["Y"].composite_exact == y
    assert rows["Z"].composite_exact == z
    assert (rows["X"].composite, rows["Y"].composite, rows["Z"].composite) == (
        Decimal("60.00"),
        Decimal("47.50"),
        Decimal("66.67"),
    )
    assert (rows["X"].grade, rows["Y"].grade, rows["Z"].grade) == ("B", "C", "B")
    assert (rows["Z"].rank_composite, rows["X"].rank_composite, rows["Y"].rank_composite) == (1, 2, 3)
    assert rows["Y"].metrics["disclosure_score"].score == 50
    assert rows["Z"].metrics["on_time_rate"].score is None


def test_n_equals_one_sector_scores_100():
    rows = by_code(compute_league([fig("ONLY", received=50, closed=10, on_time=1, has_accepted_dsc=False)]))
    only = rows["ONLY"]
    assert only.metrics["per_10k_customers"].score == 100
    assert only.metrics["disclosure_score"].score == 100  # n = 1, even with a score value of 0
    assert only.composite == Decimal("100.00")
    assert only.grade == "A"
    assert only.rank_composite == 1


def test_n_equals_two_sector_scores_100_and_0():
    figures = [fig("GOOD", received=10, closed=10, on_time=10), fig("BAD", received=20, closed=10, on_time=5)]
    config = LeagueConfig(composite_weights={"per_10k_customers": 1, "on_time_rate": 1})
    rows = by_code(compute_league(figures, config))
    assert rows["GOOD"].composite == Decimal("100.00")
    assert rows["BAD"].composite == Decimal("0.00")
    assert rows["BAD"].grade == "D"


def _two_with_weights(best_weight, worst_weight):
    """A is best on per_10k and worst on on_time; n = 2 so its scores are 100 and 0."""
    figures = [
        fig("A", received=10, closed=10, on_time=5),
        fig("B", received=20, closed=10, on_time=10),
    ]
    config = LeagueConfig(composite_weights={"per_10k_customers": best_weight, "on_time_rate": worst_weight})
    return by_code(compute_league(figures, config))["A"]


def test_boundary_79_995_rounds_to_80_and_grades_a():
    row = _two_with_weights(15999, 4001)
    assert row.composite_exact == Fraction(15999 * 100, 20000)  # 79.995
    assert row.composite == Decimal("80.00")
    assert row.grade == "A"


def test_boundary_79_99_grades_b():
    row = _two_with_weights(7999, 2001)
    assert row.composite == Decimal("79.99")
    assert row.grade == "B"


def test_boundary_exactly_80_grades_a():
    row = _two_with_weights(4, 1)
    assert row.composite == Decimal("80.00")
    assert row.grade == "A"


def test_composite_rank_uses_rounded_composite():
    # n = 3, scores 100 / 50 / 0 by rank. A: per_10k rank 1, on_time rank 2; C: the reverse.
    # With weights 100001 : 99999 the exact composites differ only beyond 2 decimals.
    figures = [
        fig("A", received=10, closed=3, on_time=2),
        fig("B", received=30, closed=3, on_time=1),
        fig("C", received=20, closed=3, on_time=3),
    ]
    config = LeagueConfig(composite_weights={"per_10k_customers": 100001, "on_time_rate": 99999})
    rows = by_code(compute_league(figures, config))
    assert rows["A"].composite_exact == Fraction(100 * 100001 + 50 * 99999, 200000)  # 75.00025
    assert rows["C"].composite_exact == Fraction(50 * 100001 + 100 * 99999, 200000)  # 74.99975
    assert rows["A"].composite == rows["C"].composite == Decimal("75.00")
    assert rows["A"].rank_composite == rows["C"].rank_composite == 1
    assert rows["B"].composite == Decimal("0.00")
    assert rows["B"].rank_composite == 3


def test_zero_weight_metric_does_not_count():
    figures = [fig("A", received=10, closed=10, on_time=0), fig("B", received=20, closed=10, on_time=10)]
    config = LeagueConfig(composite_weights={"per_10k_customers": 1, "on_time_rate": 0})
    rows = by_code(compute_league(figures, config))
    assert rows["A"].composite == Decimal("100.00")
    assert rows["A"].metrics["on_time_rate"].score is None


def test_unknown_or_negative_weight_refused():
    with pytest.raises(ValueError):
        LeagueConfig(composite_weights={"per_10k": 30})
    with pytest.raises(ValueError):
        LeagueConfig(composite_weights={"on_time_rate": -1})
    with pytest.raises(TypeError):
        LeagueConfig(composite_weights={"on_time_rate": 0.5})


def test_default_config_is_the_spec():
    config = LeagueConfig()
    assert config.min_active_customers == 10_000
    assert dict(config.composite_weights) == {
        "per_10k_customers": 30,
        "on_time_rate": 25,
        "favourable_rate": 15,
        "escalation_rate": 15,
        "disclosure_score": 15,
    }
    assert config.grade_thresholds == (("A", 80), ("B", 60), ("C", 40))
    assert config.fallback_grade == "D"
