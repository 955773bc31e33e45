"""The ten §8 metric formulas, hand-computed with Fraction from the spec's table."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from reports.league import METRIC_CODES, Better, InstitutionFigures
from reports.league.definitions import METRICS_BY_CODE
from reports.league.metrics import compute_metrics, disclosure_score
from tests.reports.league_helpers import fig


def _pay_institution(**overrides):
    fields = {
        "opening": 5,
        "received": 37,
        "closed": 30,
        "open_end": 12,
        "on_time": 27,
        "favourable": 19,
        "escalated": 2,
        "regulator": 4,
        "txn_received": 9,
        "txn_involved": 11,
        "active_customers": 123_457,
        "business_volume": Decimal("12.34"),
        "transactions": 987_654,
        "has_accepted_dsc": True,
        "open_d_high": 1,
        "open_d_medium": 1,
        "open_d_low": 1,
    }
    fields.update(overrides)
    return fig("P1", "PAY", **fields)


def test_every_metric_hand_computed():
    values = compute_metrics(_pay_institution())
    assert values == {
        "received": 37,
        "per_10k_customers": Fraction(37, 123_457) * 10_000,
        "per_100m_volume": Fraction(37) / Fraction(1234, 100),
        "on_time_rate": Fraction(27, 30) * 100,  # 90
        "closure_rate": Fraction(30, 5 + 37) * 100,
        "favourable_rate": Fraction(19, 30) * 100,
        "escalation_rate": Fraction(2, 30) * 100,
        "regulator_per_10k": Fraction(4, 123_457) * 10_000,
        "txn_bp": Fraction(11, 987_654) * 10_000,
        "disclosure_score": 100 - 20 - 10 - 5,  # 65
    }
    assert list(values) == list(METRIC_CODES)
    assert all(isinstance(v, Fraction) for v in values.values())


def test_business_volume_decimal_converted_exactly():
    # 0.1 has no binary representation: a float would not give exactly 370.
    values = compute_metrics(_pay_institution(business_volume=Decimal("0.1")))
    assert values["per_100m_volume"] == 370


def test_directions_match_the_spec_table():
    lower = {
        "received",
        "per_10k_customers",
        "per_100m_volume",
        "escalation_rate",
        "regulator_per_10k",
        "txn_bp",
    }
    for code in METRIC_CODES:
        expected = Better.LOWER if code in lower else Better.HIGHER
        assert METRICS_BY_CODE[code].better is expected, code


NO_CLOSED = {"closed": 0, "on_time": 0, "favourable": 0, "escalated": 0}
CLOSED_RATES = {"on_time_rate", "favourable_rate", "escalation_rate"}


@pytest.mark.parametrize(
    ("overrides", "empty"),
    [
        ({"active_customers": 0}, {"per_10k_customers", "regulator_per_10k"}),
        ({"active_customers": None}, {"per_10k_customers", "regulator_per_10k"}),
        ({"business_volume": Decimal("0.000")}, {"per_100m_volume"}),
        ({"business_volume": None}, {"per_100m_volume"}),
        (NO_CLOSED, CLOSED_RATES),
        ({**NO_CLOSED, "opening": 0, "received": 0, "regulator": 0}, {*CLOSED_RATES, "closure_rate"}),
        ({"transactions": 0}, {"txn_bp"}),
        ({"transactions": None}, {"txn_bp"}),
    ],
)
def test_zero_or_missing_denominator_is_empty_not_zero(overrides, empty):
    values = compute_metrics(_pay_institution(**overrides))
    for code in METRIC_CODES:
        if code in empty:
            assert values[code] is None, code
        else:
            assert values[code] is not None, code


def test_zero_received_is_zero_not_empty():
    values = compute_metrics(_pay_institution(received=0, opening=30))
    assert values["received"] == 0
    assert values["per_10k_customers"] == 0
    assert values["closure_rate"] == 100


def test_txn_bp_only_for_pay():
    fields = {"txn_involved": 5, "transactions": 1000}
    assert compute_metrics(fig("A", "PAY", **fields))["txn_bp"] == 50
    for sector in ("CF", "BANK", "INS", "AUTO"):
        assert compute_metrics(fig("A", sector, **fields))["txn_bp"] is None


@pytest.mark.parametrize(
    ("dsc", "high", "medium", "low", "expected"),
    [
        (True, 0, 0, 0, 100),
        (True, 1, 0, 0, 80),
        (True, 0, 1, 0, 90),
        (True, 0, 0, 1, 95),
        (True, 2, 3, 1, 100 - 40 - 30 - 5),
        (True, 5, 0, 0, 0),
        (True, 6, 2, 9, 0),  # floor at 0
        (False, 0, 0, 0, 0),  # no accepted DSC
        (False, 1, 0, 0, 0),
    ],
)
def test_disclosure_score(dsc, high, medium, low, expected):
    assert disclosure_score(dsc, high, medium, low) == expected
    institution = fig("A", has_accepted_dsc=dsc, open_d_high=high, open_d_medium=medium, open_d_low=low)
    assert compute_metrics(institution)["disclosure_score"] == expected


def test_no_accepted_cmp_has_no_figures():
    filed_only = fig("A", accepted_cmp=False, received=10, has_accepted_dsc=True)
    assert set(compute_metrics(filed_only).values()) == {None}
    not_filed = fig("B", filed_cmp=False)
    assert set(compute_metrics(not_filed).values()) == {None}


@pytest.mark.parametrize(
    "overrides",
    [
        {"received": -1},
        {"received": True},
        {"received": 1.0},
        {"active_customers": -5},
        {"business_volume": 1.5},
        {"business_volume": Decimal("-1")},
        {"business_volume": Decimal("NaN")},
        {"open_d_high": -1},
        {"filed_cmp": False, "accepted_cmp": True},
        {"sector": ""},
    ],
)
def test_invalid_figures_refused(overrides):
    fields = {"code": "X", "name": "x", "sector": "CF", "filed_cmp": True}
    fields.update(overrides)
    with pytest.raises(ValueError):
        InstitutionFigures(**fields)


def test_accepted_cmp_defaults_to_filed_cmp():
    assert fig("A").accepted_cmp is True
    assert fig("B", filed_cmp=False).accepted_cmp is False
    assert fig("C", accepted_cmp=False).accepted_cmp is False
