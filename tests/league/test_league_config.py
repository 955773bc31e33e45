"""The §8 *(config)* values are read from the app config (``MIN_ACTIVE_CUSTOMERS``,
``COMPOSITE_WEIGHTS`` as ``code:weight,…``, ``GRADE_THRESHOLDS`` as ``A:80,…``)."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from reports.league import LeagueConfig
from supervision.league.inputs import config_json, league_config

DEFAULTS = {"MIN_ACTIVE_CUSTOMERS": 10_000,
            "COMPOSITE_WEIGHTS": "per_10k_customers:30,on_time_rate:25,favourable_rate:15,escalation_rate:15,"
                                 "disclosure_score:15",
            "GRADE_THRESHOLDS": "A:80,B:60,C:40"}


def test_defaults_are_the_spec_values():
    assert league_config(DEFAULTS) == LeagueConfig()


def test_custom_values_and_decimal_weights():
    cfg = league_config({"MIN_ACTIVE_CUSTOMERS": "500", "COMPOSITE_WEIGHTS": " on_time_rate : 2.5 , received:1 ",
                         "GRADE_THRESHOLDS": "A:90.5,B:50"})
    assert cfg.min_active_customers == 500
    assert dict(cfg.composite_weights) == {"on_time_rate": Fraction(5, 2), "received": Fraction(1)}
    assert cfg.grade_thresholds == (("A", Fraction(181, 2)), ("B", Fraction(50)))
    assert config_json(cfg)["composite_weights"] == {"on_time_rate": "5/2", "received": "1"}
    assert league_config({**DEFAULTS, "COMPOSITE_WEIGHTS": {"received": Decimal("2")}}).composite_weights == \
        {"received": Fraction(2)}


@pytest.mark.parametrize("bad", [{"COMPOSITE_WEIGHTS": "per_10k_customers"}, {"COMPOSITE_WEIGHTS": "nope:3"},
                                 {"COMPOSITE_WEIGHTS": "received:x"}, {"GRADE_THRESHOLDS": "A:40,B:60"}])
def test_invalid_configuration_is_refused(bad):
    with pytest.raises(ValueError):
        league_config({**DEFAULTS, **bad})
