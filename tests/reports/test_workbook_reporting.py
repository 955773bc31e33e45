"""Reporting statistics (spec §2) against hand-computed values."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from reports.workbook.reporting import ReportingLine, late_and_missing, summarise_reporting
from tests.reports.test_workbook_data import make_reporting


def entry(code, status, sector="PAY", kind="CMP"):
    """One reporting entry."""
    return {
        "institution_code": code,
        "name": code,
        "sector": sector,
        "kind": kind,
        "status": status,
        "received_at": None,
    }


def test_counts_and_rates_per_kind_and_sector():
    """Counts and exact rates of the builder's data, by hand."""
    lines = {(line.kind, line.sector): line for line in summarise_reporting(make_reporting())}
    cf = lines[("CMP", "CF")]
    assert (cf.expected, cf.on_time, cf.late, cf.missing, cf.reported) == (3, 1, 1, 1, 2)
    assert cf.reporting_rate == Fraction(200, 3) and cf.on_time_rate == Fraction(100, 3)
    assert (cf.reporting_rate_display, cf.on_time_rate_display) == (Decimal("66.67"), Decimal("33.33"))
    total = lines[("DSC", None)]
    assert (total.expected, total.on_time, total.late, total.missing) == (10, 6, 2, 2)
    assert (total.reporting_rate_display, total.on_time_rate_display) == (Decimal("80.00"), Decimal("60.00"))
    assert list(lines) == [
        ("CMP", "PAY"),
        ("CMP", "CF"),
        ("CMP", "BANK"),
        ("CMP", None),
        ("DSC", "PAY"),
        ("DSC", "CF"),
        ("DSC", "BANK"),
        ("DSC", None),
    ]


def test_rates_round_half_up_exactly():
    # 1 of 32 reported: 3.125 % → 3.13 (round-half-even would give 3.12)
    """A 3.125 % rate is shown as 3.13."""
    entries = [entry("A00", "late")] + [entry(f"A{i:02}", "missing") for i in range(1, 32)]
    (line, total) = summarise_reporting(entries)
    assert line.reporting_rate == Fraction(25, 8)
    assert line.reporting_rate_display == Decimal("3.13")
    assert line.on_time_rate_display == Decimal("0.00")
    assert total.sector is None and total.expected == 32


def test_nothing_expected_gives_empty_rates():
    """No expected filing: rates are empty, not zero."""
    line = ReportingLine("CMP", "PAY", 0, 0, 0, 0)
    assert line.reporting_rate is None and line.on_time_rate_display is None
    assert summarise_reporting([]) == []


def test_kind_without_entries_is_left_out():
    """Only kinds with entries get lines."""
    lines = summarise_reporting([entry("A", "on_time", kind="DSC")])
    assert [(line.kind, line.sector) for line in lines] == [("DSC", "PAY"), ("DSC", None)]
    assert lines[0].on_time_rate_display == Decimal("100.00")


@pytest.mark.parametrize(
    "entries",
    [
        [entry("A", "on_time"), entry("A", "late")],  # same institution and kind twice
        [entry("A", "accepted")],
        [entry("A", "on_time", sector="XX")],
        [entry("A", "on_time", kind="ABC")],
        [entry("", "on_time")],
    ],
)
def test_invalid_entries_are_refused(entries):
    """Duplicates and unknown codes are refused."""
    with pytest.raises(ValueError):
        summarise_reporting(entries)


def test_late_and_missing_list_order():
    """Missing first, then late; by kind, sector and institution."""
    entries = [
        entry("B", "late"),
        entry("A", "missing", kind="DSC"),
        entry("C", "on_time"),
        entry("D", "missing", sector="CF"),
        entry("E", "missing"),
    ]
    assert [(e.status, e.kind, e.institution_code) for e in late_and_missing(entries)] == [
        ("missing", "CMP", "E"),
        ("missing", "CMP", "D"),
        ("missing", "DSC", "A"),
        ("late", "CMP", "B"),
    ]
