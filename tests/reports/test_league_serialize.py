"""serialize_league: the JSON-ready shape and its display texts."""

from __future__ import annotations

import json
from decimal import Decimal

from reports.league import METRIC_CODES, compute_league, serialize_league
from tests.reports.league_helpers import fig

ROW_KEYS = {
    "institution_code",
    "name",
    "sector",
    "status",
    "reason",
    "composite",
    "grade",
    "rank_composite",
    "movement",
    "notice_rank",
    "share",
    "metrics",
}


def _table():
    figures = [
        # per_10k = 13 × 10,000 / 30,000 = 4.333…; on_time = 2/3 × 100; closure = 3/13 × 100
        fig(
            "A",
            "PAY",
            name="甲支付",
            received=13,
            closed=3,
            on_time=2,
            favourable=3,
            active_customers=30_000,
            business_volume=Decimal("4"),
            transactions=8_000,
            txn_involved=1,
            has_accepted_dsc=True,
        ),
        fig("B", "PAY", received=7, closed=0, active_customers=20_000, transactions=0),
        fig("S", "PAY", received=20, active_customers=100),
        fig("N", "CF", filed_cmp=False),
    ]
    return serialize_league(compute_league(figures, previous_ranks={"A": 2}), period="2024Q1", snapshot=4)


def test_top_level_shape_is_json_ready():
    data = _table()
    assert set(data) == {"period", "snapshot", "rows", "medians"}
    assert (data["period"], data["snapshot"]) == ("2024Q1", 4)
    assert json.loads(json.dumps(data, ensure_ascii=False)) == data  # no Decimal/Fraction left


def test_row_shape_and_values():
    rows = {row["institution_code"]: row for row in _table()["rows"]}
    assert [row["institution_code"] for row in _table()["rows"]] == ["A", "B", "S", "N"]
    a = rows["A"]
    assert set(a) == ROW_KEYS
    assert list(a["metrics"]) == list(METRIC_CODES)
    assert all(set(m) == {"value", "display", "rank_sector", "rank_all"} for m in a["metrics"].values())
    assert (a["name"], a["sector"], a["status"], a["reason"]) == ("甲支付", "PAY", "ranked", None)
    assert a["metrics"]["received"] == {"value": "13", "display": "13", "rank_sector": 2, "rank_all": 2}
    assert a["metrics"]["per_10k_customers"]["value"] == "4.33333333333333"
    assert a["metrics"]["per_10k_customers"]["display"] == "4.33"
    assert a["metrics"]["on_time_rate"]["display"] == "66.67"
    assert a["metrics"]["per_100m_volume"] == {
        "value": "3.2500000",
        "display": "3.25",
        "rank_sector": 1,
        "rank_all": 1,
    }
    assert a["metrics"]["txn_bp"]["value"] == "1.2500000"  # 1 × 10,000 / 8,000
    assert a["metrics"]["txn_bp"]["display"] == "1.25"
    assert a["metrics"]["disclosure_score"]["value"] == "100"
    assert a["metrics"]["disclosure_score"]["display"] == "100.00"
    assert a["movement"] == 2 - a["rank_composite"]
    assert a["notice_rank"] == 2  # S 20, A 13, B 7
    assert a["share"] == "32.50"  # 13 / 40 × 100


def test_composite_display_two_decimals():
    rows = {row["institution_code"]: row for row in _table()["rows"]}
    # Two ranked PAY institutions (n = 2 on per_10k and disclosure; B has no on_time etc.):
    # A: per_10k 4.33 vs B 3.5 → A rank 2 (score 0); on_time, favourable, escalation only A → 100;
    #    disclosure A 100 vs B 0 → A 100.  A = (0×30 + 100×25 + 100×15 + 100×15 + 100×15) / 100 = 70
    # B: per_10k rank 1 → 100; disclosure rank 2 → 0.  B = (100×30 + 0×15) / 45 = 66.666…
    assert rows["A"]["composite"] == "70.00"
    assert rows["A"]["grade"] == "B"
    assert rows["B"]["composite"] == "66.67"
    assert (rows["A"]["rank_composite"], rows["B"]["rank_composite"]) == (1, 2)


def test_empty_values_are_null():
    rows = {row["institution_code"]: row for row in _table()["rows"]}
    b = rows["B"]
    for code in ("on_time_rate", "favourable_rate", "escalation_rate", "per_100m_volume", "txn_bp"):
        assert b["metrics"][code] == {"value": None, "display": None, "rank_sector": None, "rank_all": None}
    assert b["movement"] is None


def test_unranked_and_unfiled_rows():
    rows = {row["institution_code"]: row for row in _table()["rows"]}
    s, n = rows["S"], rows["N"]
    assert s["status"] == "not_ranked"
    assert "100" in s["reason"] and "10000" in s["reason"]
    assert s["metrics"]["received"] == {"value": "20", "display": "20", "rank_sector": None, "rank_all": None}
    assert (s["composite"], s["grade"], s["rank_composite"], s["movement"]) == (None, None, None, None)
    assert s["notice_rank"] == 1 and s["share"] == "50.00"
    assert n["status"] == "not_filed"
    assert n["reason"] == "未报送 / not filed"
    assert all(m["value"] is None and m["display"] is None for m in n["metrics"].values())
    assert (n["notice_rank"], n["share"]) == (None, None)


def test_medians_per_sector():
    medians = _table()["medians"]
    assert list(medians) == ["PAY", "CF"]
    assert medians["PAY"]["received"] == "10.0"  # (13 + 7) / 2 over the ranked A and B
    assert medians["PAY"]["per_10k_customers"] == "3.92"  # (4.333… + 3.5) / 2 = 3.91666…
    assert medians["PAY"]["on_time_rate"] == "66.67"
    assert set(medians["CF"].values()) == {None}


def test_draft_snapshot_is_null():
    data = serialize_league(compute_league([fig("A")]), period="2024Q2", snapshot=None)
    assert data["snapshot"] is None
    assert data["rows"][0]["composite"] == "100.00"
