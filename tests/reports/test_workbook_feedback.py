"""The per-institution feedback sheet 机构反馈."""

from __future__ import annotations

import io
from decimal import Decimal

import openpyxl
import pytest

from reports.workbook.feedback import write_feedback
from tests.reports.test_workbook_data import (
    INSTITUTIONS,
    formula_cells,
    half_up,
    make_findings,
    make_league,
    make_meta,
    unescape,
)

LABELS = [
    "投诉量",
    "万人投诉量",
    "亿元业务投诉量",
    "按时办结率%",
    "办结率%",
    "解决率%",
    "升级率%",
    "万人监管转办量",
    "交易类投诉涉及笔数占比(BP)",
    "信息披露得分",
]
CODES = [
    "received",
    "per_10k_customers",
    "per_100m_volume",
    "on_time_rate",
    "closure_rate",
    "favourable_rate",
    "escalation_rate",
    "regulator_per_10k",
    "txn_bp",
    "disclosure_score",
]


def _feedback(tmp_path, code, *, hostile=False):
    league = make_league(hostile=hostile)
    path = tmp_path / f"{code}.xlsx"
    write_feedback(path, league, make_meta(), code, make_findings(hostile=hostile))
    return path, league, next(r for r in league["rows"] if r["institution_code"] == code)


def _sections(path):
    ws = openpyxl.load_workbook(path)["机构反馈"]
    rows = list(ws.iter_rows(values_only=True))
    identity = {r[0]: r[1] for r in rows[3:] if r[0] and r[1] is not None and r[0] != "指标"}
    start = next(i for i, r in enumerate(rows) if r[0] == "指标")
    metrics = {r[0]: r for r in rows[start + 1 :] if r[0] in LABELS}
    findings_at = next(i for i, r in enumerate(rows) if r[0] == "规则")
    return ws, identity, metrics, [r for r in rows[findings_at + 1 :] if r[0]]


@pytest.mark.parametrize("hostile", [False, True])
def test_own_row_ranks_and_medians_side_by_side(tmp_path, hostile):
    """The institution's figures and ranks next to its sector's medians."""
    path, league, row = _feedback(tmp_path, "914403001922038216", hostile=hostile)
    ws, identity, metrics, _ = _sections(path)
    assert unescape(identity["机构名称"]) == row["name"]
    assert identity["机构代码"] == row["institution_code"]
    assert identity["行业"] == "非银行支付机构"
    assert Decimal(repr(identity["综合得分"])) == Decimal(row["composite"])
    assert identity["等级"] == row["grade"]
    assert identity["综合排名(行业)"] == row["rank_composite"]
    assert identity["排名变动"] == row["movement"]
    assert identity["行业已排名机构数"] == 4
    medians = league["medians"]["PAY"]
    for label, code in zip(LABELS, CODES, strict=True):
        got = metrics[label]
        metric = row["metrics"][code]
        places = 0 if code == "received" else 2
        expected = None if metric["value"] is None else half_up(metric["value"], places)
        assert (None if got[1] is None else Decimal(repr(got[1]))) == expected, code
        assert (got[2], got[3]) == (metric["rank_sector"], metric["rank_all"])
        median = None if medians[code] is None else Decimal(medians[code])
        assert (None if got[4] is None else Decimal(repr(got[4]))) == median, code
        assert got[5] == (
            "越高越好"
            if code in {"on_time_rate", "closure_rate", "favourable_rate", "disclosure_score"}
            else "越低越好"
        )
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref
    assert formula_cells(path) == []


def test_only_open_findings_of_this_institution(tmp_path):
    """Closed findings and other institutions' findings are left out."""
    path, _, _ = _feedback(tmp_path, "91350100M000100Y43")
    *_, findings = _sections(path)
    # S01 (OPEN) is listed, D02 (CLOSED) is not; other institutions' findings never appear
    assert [(f[0], f[1], f[2], f[4]) for f in findings] == [("S01", "高", "待处理", "101")]
    path, _, _ = _feedback(tmp_path, "BANK00000000000001")
    assert _sections(path)[3] == [("X02", "低", "已转办", "2024Q1", "107", "规则X02：请核实")]


def test_no_other_institution_leaks(tmp_path):
    """No other institution's code or name appears anywhere (spec §1.3)."""
    path, _, row = _feedback(tmp_path, "CF0000000000000001")
    cells = [c.value for ws in openpyxl.load_workbook(path).worksheets for r in ws.iter_rows() for c in r]
    texts = " ".join(str(v) for v in cells if v is not None)
    for code, name, *_ in INSTITUTIONS:
        if code != row["institution_code"]:
            assert code not in texts and name not in texts


def test_sector_without_txn_bp_and_institution_without_ranks(tmp_path):
    """A not-ranked institution; txn_bp only for PAY."""
    path, _, _ = _feedback(tmp_path, "PAY000000000000005")
    _, identity, metrics, findings = _sections(path)
    assert identity["状态"] == "未排名" and "综合排名(行业)" not in identity
    assert metrics["万人投诉量"][2] is None and metrics["万人投诉量"][1] is not None
    assert findings == [("无", None, None, None, None, None)]
    path, _, _ = _feedback(tmp_path, "CF0000000000000002")
    assert "交易类投诉涉及笔数占比(BP)" not in _sections(path)[2]


def test_hostile_findings_are_text(tmp_path):
    """Hostile finding messages are written as text."""
    path, _, _ = _feedback(tmp_path, "PAY000000000000004", hostile=True)
    *_, findings = _sections(path)
    expected = [f["message"] for f in make_findings(hostile=True) if f["institution_code"] == "PAY000000000000004"]
    assert [unescape(f[5]) for f in findings] == expected
    assert formula_cells(path) == []


def test_unknown_institution_is_refused():
    """An institution not in the table is an error."""
    with pytest.raises(LookupError):
        write_feedback(io.BytesIO(), make_league(), make_meta(), "NOPE", [])
