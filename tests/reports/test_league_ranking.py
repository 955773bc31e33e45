"""Competition ranking (1, 2, 2, 4) within sectors and across all sectors."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from reports.league import Better, LeagueConfig, compute_league
from reports.league.ranking import competition_ranks
from tests.reports.league_helpers import by_code, fig


def test_ties_share_lowest_rank_lower_is_better():
    ranks = competition_ranks({"a": 5, "b": 7, "c": 7, "d": 9}, Better.LOWER)
    assert ranks == {"a": 1, "b": 2, "c": 2, "d": 4}


def test_ties_share_lowest_rank_higher_is_better():
    ranks = competition_ranks({"a": 9, "b": 7, "c": 7, "d": 5}, Better.HIGHER)
    assert ranks == {"a": 1, "b": 2, "c": 2, "d": 4}


def test_tie_at_the_top_and_bottom():
    ranks = competition_ranks({"a": 1, "b": 1, "c": 2, "d": 3, "e": 3}, Better.LOWER)
    assert ranks == {"a": 1, "b": 1, "c": 3, "d": 4, "e": 4}


def test_empty_values_are_not_ranked():
    ranks = competition_ranks({"a": None, "b": 3, "c": None, "d": 1}, Better.LOWER)
    assert ranks == {"d": 1, "b": 2}
    assert competition_ranks({}, Better.LOWER) == {}
    assert competition_ranks({"a": None}, Better.HIGHER) == {}


def test_exact_values_not_rounded():
    # Both display as 0.33, but 1/3 > 0.3333333333 exactly.
    ranks = competition_ranks({"third": Fraction(1, 3), "approx": Decimal("0.3333333333")}, Better.LOWER)
    assert ranks == {"approx": 1, "third": 2}


def test_equal_exact_values_of_different_types_tie():
    ranks = competition_ranks({"a": Decimal("0.5"), "b": Fraction(1, 2), "c": 1}, Better.LOWER)
    assert ranks == {"a": 1, "b": 1, "c": 3}


def test_float_refused():
    with pytest.raises(TypeError):
        competition_ranks({"a": 0.5}, Better.LOWER)


def test_sector_and_all_sector_ranks_in_the_table():
    # per_10k_customers = received / 20,000 × 10,000 = received / 2 for every institution here.
    figures = [
        fig("C1", "CF", received=10),  # 5
        fig("C2", "CF", received=14),  # 7
        fig("C3", "CF", received=14),  # 7
        fig("C4", "CF", received=18),  # 9
        fig("P1", "PAY", received=12),  # 6
        fig("P2", "PAY", received=14),  # 7
    ]
    rows = by_code(compute_league(figures, LeagueConfig()))
    sector = {code: rows[code].metrics["per_10k_customers"].rank_sector for code in rows}
    overall = {code: rows[code].metrics["per_10k_customers"].rank_all for code in rows}
    assert sector == {"C1": 1, "C2": 2, "C3": 2, "C4": 4, "P1": 1, "P2": 2}
    # all: 5, 6, 7, 7, 7, 9
    assert overall == {"C1": 1, "P1": 2, "C2": 3, "C3": 3, "P2": 3, "C4": 6}


def test_txn_bp_ranked_only_among_pay():
    figures = [
        fig("P1", "PAY", txn_involved=3, transactions=10_000),  # 3 BP
        fig("P2", "PAY", txn_involved=1, transactions=10_000),  # 1 BP
        fig("C1", "CF", txn_involved=0, transactions=10_000),  # would be best if it counted
    ]
    rows = by_code(compute_league(figures))
    assert rows["P2"].metrics["txn_bp"].rank_all == 1
    assert rows["P1"].metrics["txn_bp"].rank_all == 2
    assert rows["C1"].metrics["txn_bp"].value is None
    assert rows["C1"].metrics["txn_bp"].rank_all is None
    assert rows["C1"].metrics["txn_bp"].rank_sector is None


def test_unranked_institution_has_values_but_no_ranks():
    figures = [fig("A", received=10), fig("SMALL", received=1, active_customers=9_999)]
    rows = by_code(compute_league(figures))
    small = rows["SMALL"].metrics["per_10k_customers"]
    assert small.value == Fraction(1 * 10_000, 9_999)
    assert small.rank_sector is None
    assert small.rank_all is None
    assert rows["A"].metrics["per_10k_customers"].rank_sector == 1
    assert rows["A"].metrics["received"].rank_all == 1
