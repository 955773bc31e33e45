"""The 通报 ordering: received desc, then per_100m_volume desc (empty last), then code."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from reports.league import compute_league
from reports.league.notice import NoticeEntry, notice_order
from tests.reports.league_helpers import by_code, fig


def test_notice_order_and_ties():
    lines = notice_order(
        [
            NoticeEntry("A", 10, Fraction(5)),
            NoticeEntry("C", 10, None),
            NoticeEntry("D", 10, Fraction(10)),
            NoticeEntry("B", 10, Fraction(10)),
            NoticeEntry("E", 20, None),
            NoticeEntry("F", 0, Fraction(1)),
        ]
    )
    assert [line.code for line in lines] == ["E", "B", "D", "A", "C", "F"]
    assert [line.notice_rank for line in lines] == [1, 2, 3, 4, 5, 6]
    assert lines[0].share == Fraction(20 * 100, 60)
    assert lines[1].share == Fraction(10 * 100, 60)
    assert lines[-1].share == 0


def test_notice_ties_compare_exact_volume():
    # 1/3 vs 0.3333333333: equal when rounded, but 1/3 is higher and goes first.
    lines = notice_order([NoticeEntry("A", 5, Decimal("0.3333333333")), NoticeEntry("B", 5, Fraction(1, 3))])
    assert [line.code for line in lines] == ["B", "A"]


def test_zero_total_gives_empty_share():
    lines = notice_order([NoticeEntry("A", 0, None), NoticeEntry("B", 0, None)])
    assert [line.code for line in lines] == ["A", "B"]
    assert [line.share for line in lines] == [None, None]


def test_notice_in_the_table_includes_unranked_filers_only():
    figures = [
        fig("P1", "PAY", received=30, business_volume=Decimal("3")),  # 10 per 亿元
        fig("P2", "PAY", received=30, business_volume=Decimal("2")),  # 15 per 亿元
        fig("P3", "PAY", received=40, active_customers=500),  # below threshold: still a filer
        fig("P4", "PAY", received=99, accepted_cmp=False),  # filed, nothing accepted
        fig("P5", "PAY", filed_cmp=False),
        fig("C1", "CF", received=7),
    ]
    result = compute_league(figures)
    assert result.notice["PAY"] == ("P3", "P2", "P1")
    assert result.notice["CF"] == ("C1",)
    rows = by_code(result)
    assert [rows[c].notice_rank for c in ("P3", "P2", "P1")] == [1, 2, 3]
    total = 40 + 30 + 30
    assert rows["P3"].share == Fraction(40 * 100, total)
    assert rows["P2"].share == Fraction(30 * 100, total)
    assert rows["P4"].notice_rank is None and rows["P4"].share is None
    assert rows["P5"].notice_rank is None and rows["P5"].share is None
    assert rows["C1"].share == 100
