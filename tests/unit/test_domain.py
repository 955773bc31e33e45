"""Pure domain helpers: USCC check character (§1.2) and the reporting calendar (§2)."""

from datetime import date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from supervision.domain.calendar import (
    TZ,
    PeriodCodeError,
    end_of_day,
    last_completed_quarters,
    parse_period,
    period_of,
)
from supervision.domain.uscc import ALPHABET, generate_uscc, is_valid_uscc, uscc_check_char


def independent_check_char(first17: str) -> str:
    """Spec §1.2 written out again: weights 3^(i-1) mod 31, check = (31 - sum mod 31) mod 31."""
    weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
    total = sum(ALPHABET.index(c) * w for c, w in zip(first17, weights, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def test_spec_examples_are_valid():
    assert is_valid_uscc("91350100M000100Y43")
    assert is_valid_uscc("914403001922038216")


@pytest.mark.parametrize("bad", ["91350100M000100Y44", "91350100M000100Y4", "91350100m000100Y43", "",
                                 None, "9135010OM000100Y43", "91350100M000100Y43X"])
def test_invalid_codes(bad):
    assert not is_valid_uscc(bad)


@given(st.text(alphabet=ALPHABET, min_size=17, max_size=17))
def test_check_char_matches_independent_formula(first17):
    assert uscc_check_char(first17) == independent_check_char(first17)
    assert is_valid_uscc(first17 + independent_check_char(first17))


def test_generated_codes_pass_and_differ():
    codes = {generate_uscc(i, "11") for i in range(200)}
    assert len(codes) == 200
    assert all(is_valid_uscc(c) and c.startswith("91110100") for c in codes)


def test_quarters_and_due_dates():
    p = parse_period("2024Q1")
    assert (p.start, p.end) == (date(2024, 1, 1), date(2024, 3, 31))
    assert p.due_date(15) == date(2024, 4, 15)
    assert p.lock_date(90) == date(2024, 3, 31) + timedelta(days=90)
    q4 = parse_period("2024q4")
    assert q4.code == "2024Q4" and q4.end == date(2024, 12, 31) and q4.due_date(15) == date(2025, 1, 15)
    assert parse_period("2024Q1").previous().code == "2023Q4"
    assert parse_period("2023Q4").next().code == "2024Q1"
    assert period_of(date(2024, 5, 17)).code == "2024Q2"


@pytest.mark.parametrize("bad", ["2024Q5", "2024Q0", "24Q1", "2024-Q1", "", "1999Q1"])
def test_bad_period_codes(bad):
    with pytest.raises(PeriodCodeError):
        parse_period(bad)


def test_due_date_ends_at_shanghai_midnight():
    deadline = end_of_day(date(2024, 4, 15))
    assert deadline == datetime(2024, 4, 16, 0, 0, tzinfo=TZ)
    assert deadline.utcoffset() == timedelta(hours=8)


def test_last_completed_quarters():
    got = [p.code for p in last_completed_quarters(4, date(2026, 11, 26))]
    assert got == ["2025Q4", "2026Q1", "2026Q2", "2026Q3"]
