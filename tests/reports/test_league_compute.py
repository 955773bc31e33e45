"""compute_league: eligibility, not-ranked reasons, movement, row order."""

from __future__ import annotations

import pytest

from reports.league import LeagueConfig, Status, compute_league
from tests.reports.league_helpers import by_code, fig


def _statuses():
    figures = [
        fig("OK", received=5),
        fig("EDGE", received=5, active_customers=10_000),  # exactly the threshold: ranked
        fig("SMALL", received=5, active_customers=9_999),
        fig("NOCUST", received=5, active_customers=None),
        fig("PENDING", accepted_cmp=False),
        fig("ABSENT", filed_cmp=False),
    ]
    return by_code(compute_league(figures))


def test_statuses():
    rows = _statuses()
    assert {code: row.status for code, row in rows.items()} == {
        "OK": Status.RANKED,
        "EDGE": Status.RANKED,
        "SMALL": Status.NOT_RANKED,
        "NOCUST": Status.NOT_RANKED,
        "PENDING": Status.NOT_RANKED,
        "ABSENT": Status.NOT_FILED,
    }


def test_reasons():
    rows = _statuses()
    assert rows["OK"].reason is None and rows["OK"].reason_code is None
    assert rows["EDGE"].reason is None
    assert rows["SMALL"].reason_code == "below_min_active_customers"
    assert "9999" in rows["SMALL"].reason and "10000" in rows["SMALL"].reason
    assert "期末有效客户数" in rows["SMALL"].reason and "threshold" in rows["SMALL"].reason
    assert rows["NOCUST"].reason_code == "missing_active_customers"
    assert "active_customers" in rows["NOCUST"].reason and "未填报" in rows["NOCUST"].reason
    assert rows["PENDING"].reason_code == "no_accepted_cmp"
    assert "CMP" in rows["PENDING"].reason
    assert rows["ABSENT"].reason_code == "not_filed"
    assert rows["ABSENT"].reason == "未报送 / not filed"


def test_unranked_rows_have_no_composite_grade_or_ranks():
    rows = _statuses()
    for code in ("SMALL", "NOCUST", "PENDING", "ABSENT"):
        row = rows[code]
        assert row.composite is None and row.grade is None and row.rank_composite is None, code
        assert all(m.rank_sector is None and m.rank_all is None for m in row.metrics.values()), code
    assert rows["SMALL"].metrics["received"].value == 5  # still computed for display


def test_configured_threshold():
    figures = [fig("A", active_customers=500), fig("B", active_customers=499)]
    rows = by_code(compute_league(figures, LeagueConfig(min_active_customers=500)))
    assert rows["A"].status is Status.RANKED
    assert rows["B"].status is Status.NOT_RANKED
    assert "500" in rows["B"].reason and "499" in rows["B"].reason


def _ranked_abc():
    # Composite ranks: A (received 5) 1, B (10) 2, C (20) 3 — per_10k alone decides.
    config = LeagueConfig(composite_weights={"per_10k_customers": 1})
    return [
        fig("A", received=5),
        fig("B", received=10),
        fig("C", received=20),
        fig("S", active_customers=1),
    ], config


def test_movement_against_previous_ranks():
    figures, config = _ranked_abc()
    rows = by_code(compute_league(figures, config, previous_ranks={"A": 3, "B": 1, "S": 2}))
    assert [rows[c].rank_composite for c in "ABC"] == [1, 2, 3]
    assert rows["A"].movement == 2  # 3 → 1: up two places
    assert rows["B"].movement == -1  # 1 → 2: down one
    assert rows["C"].movement is None  # not in the previous snapshot
    assert rows["S"].movement is None  # not ranked now
    assert rows["A"].previous_rank == 3


def test_movement_without_previous_snapshot():
    figures, config = _ranked_abc()
    for previous in (None, {}):
        rows = by_code(compute_league(figures, config, previous_ranks=previous))
        assert {row.movement for row in rows.values()} == {None}


def test_movement_zero_when_unchanged():
    figures, config = _ranked_abc()
    rows = by_code(compute_league(figures, config, previous_ranks={"B": 2}))
    assert rows["B"].movement == 0


def test_invalid_previous_rank_refused():
    figures, config = _ranked_abc()
    with pytest.raises(ValueError):
        compute_league(figures, config, previous_ranks={"A": 0})


def test_duplicate_codes_refused():
    with pytest.raises(ValueError):
        compute_league([fig("A"), fig("A")])


def test_row_order():
    figures = [
        fig("Z9", "CF", filed_cmp=False),
        fig("C2", "CF", received=50),
        fig("C1", "CF", received=10),
        fig("C0", "CF", active_customers=1),
        fig("X1", "ZZZ", received=1),
        fig("P1", "PAY", received=3),
        fig("I1", "INS", received=3),
    ]
    result = compute_league(figures)
    assert [row.code for row in result.rows] == ["P1", "C1", "C2", "C0", "Z9", "I1", "X1"]


def test_empty_input():
    result = compute_league([])
    assert result.rows == ()
    assert dict(result.medians) == {}


def test_result_row_lookup():
    result = compute_league([fig("A")])
    assert result.row("A").code == "A"
    with pytest.raises(KeyError):
        result.row("B")
