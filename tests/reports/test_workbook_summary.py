"""The summary workbook (spec §9), re-read with openpyxl."""

from __future__ import annotations

import copy
import hashlib
import io
import zipfile
from datetime import datetime
from decimal import Decimal

import openpyxl
import pytest

from reports.workbook.safe import DisplayMismatch
from reports.workbook.summary import write_summary
from tests.reports.test_workbook_data import (
    HOSTILE,
    formula_cells,
    half_up,
    make_findings,
    make_league,
    make_meta,
    make_reporting,
    unescape,
)

SHEETS = [
    "说明",
    "排行榜",
    "非银行支付机构",
    "消费金融公司",
    "银行",
    "通报",
    "报送情况",
    "监管发现",
    "图表",
    "图表数据",
]
SECTOR_SHEETS = {
    "PAY": "非银行支付机构",
    "CF": "消费金融公司",
    "BANK": "银行",
    "INS": "保险公司",
    "AUTO": "汽车金融公司",
}
LABELS = {
    "received": ("投诉量", 0),
    "per_10k_customers": ("万人投诉量", 2),
    "per_100m_volume": ("亿元业务投诉量", 2),
    "on_time_rate": ("按时办结率%", 2),
    "closure_rate": ("办结率%", 2),
    "favourable_rate": ("解决率%", 2),
    "escalation_rate": ("升级率%", 2),
    "regulator_per_10k": ("万人监管转办量", 2),
    "txn_bp": ("交易类投诉涉及笔数占比(BP)", 2),
    "disclosure_score": ("信息披露得分", 2),
}
STATUS = {"ranked": "已排名", "not_ranked": "未排名", "not_filed": "未报送"}


def _write(tmp_path, name="s.xlsx", **kwargs):
    hostile = kwargs.pop("hostile", False)
    league = kwargs.pop("league", None) or make_league(hostile=hostile)
    path = tmp_path / name
    result = write_summary(
        path, league, make_meta(league["snapshot"]), make_reporting(hostile=hostile), make_findings(hostile=hostile)
    )
    return path, league, result


@pytest.fixture(scope="module", params=[False, True], ids=["plain", "hostile"])
def written(request, tmp_path_factory):
    """The summary workbook of the plain and the hostile data, written once per module."""
    path, league, result = _write(tmp_path_factory.mktemp("summary"), hostile=request.param)
    return path, league, result, openpyxl.load_workbook(path)


def table(ws, header_row=1):
    """Rows below ``header_row`` as dicts keyed by header text."""
    rows = list(ws.iter_rows(min_row=header_row, values_only=True))
    headers = rows[0]
    return [dict(zip(headers, r, strict=True)) for r in rows[1:]]


def num(value):
    """A numeric cell value as Decimal (None stays None)."""
    if value is None:
        return None
    assert isinstance(value, int | float), value
    return Decimal(repr(value))


def text(value):
    """A text cell with OOXML escapes undone."""
    return None if value is None else unescape(value)


def test_every_sheet_present_with_its_chinese_name(written):
    """All sheets, Chinese names, spec order."""
    assert written[3].sheetnames == SHEETS


def test_sector_sheets_follow_the_sectors_present(tmp_path):
    """One sheet per sector present, in spec order."""
    league = make_league()
    for row in league["rows"]:
        if row["institution_code"] == "BANK00000000000002":
            row["sector"] = "INS"
        if row["sector"] == "CF":
            row["sector"] = "AUTO"
    path, _, _ = _write(tmp_path, league=league)
    names = openpyxl.load_workbook(path).sheetnames
    assert names[2:6] == ["非银行支付机构", "银行", "保险公司", "汽车金融公司"]
    assert "消费金融公司" not in names


def _check_row(got, row):
    assert text(got["机构名称"]) == row["name"]
    assert got["状态"] == STATUS[row["status"]]
    assert text(got["未排名原因"]) == row["reason"]
    assert num(got["综合得分"]) == (None if row["composite"] is None else Decimal(row["composite"]))
    assert got["等级"] == row["grade"]
    assert got["综合排名(行业)"] == row["rank_composite"]
    assert got["排名变动"] == row["movement"]
    assert got["通报排名"] == row["notice_rank"]
    assert num(got["投诉量占比%"]) == (None if row["share"] is None else Decimal(row["share"]))
    for code, metric in row["metrics"].items():
        if f"{LABELS[code][0]}·行业排名" not in got:
            assert code == "txn_bp" and row["sector"] != "PAY"
            continue
        label, places = LABELS[code]
        expected = None if metric["value"] is None else half_up(metric["value"], places)
        assert expected == (None if metric["display"] is None else Decimal(metric["display"]))
        assert num(got[label]) == expected, (row["institution_code"], code)
        assert got[f"{label}·行业排名"] == metric["rank_sector"]
        if f"{label}·全部排名" in got or "行业" in got:  # sector sheets have neither
            assert got[f"{label}·全部排名"] == metric["rank_all"]


def test_league_figures_equal_the_input(written):
    """Every figure and rank of 排行榜 equals the input."""
    _, league, _, book = written
    got = {r["机构代码"]: r for r in table(book["排行榜"])}
    assert set(got) == {r["institution_code"] for r in league["rows"]}
    for row in league["rows"]:
        _check_row(got[row["institution_code"]], row)
    # the half-up traps really are in the data: 0.125 → 0.13
    assert num(got["91350100M000100Y43"]["万人投诉量"]) == Decimal("0.13")


def test_sector_sheets_hold_their_own_institutions(written):
    """Each sector sheet holds its institutions, in composite-rank order."""
    _, league, _, book = written
    for sector, name in SECTOR_SHEETS.items():
        rows = [r for r in league["rows"] if r["sector"] == sector]
        if not rows:
            assert name not in book.sheetnames
            continue
        got = table(book[name])
        assert [r["机构代码"] for r in got] == [
            r["institution_code"]
            for r in sorted(
                rows,
                key=lambda r: (
                    list(STATUS).index(r["status"]),
                    r["rank_composite"] is None,
                    r["rank_composite"] or 0,
                    r["institution_code"],
                ),
            )
        ]
        assert ("交易类投诉涉及笔数占比(BP)" in got[0]) == (sector == "PAY")
        assert "行业" not in got[0] and not any(h.endswith("全部排名") for h in got[0])
        by_code = {r["机构代码"]: r for r in got}
        for row in rows:
            _check_row(by_code[row["institution_code"]], row)


def test_notice_view(written):
    """通报: notice order, share, volume metric and rank, total and medians."""
    _, league, _, book = written
    got = table(book["通报"])
    for sector, name in SECTOR_SHEETS.items():
        block = [r for r in got if r["行业"] == name]
        filers = [r for r in league["rows"] if r["sector"] == sector and r["status"] != "not_filed"]
        if not filers:
            assert not block
            continue
        assert [r["排名"] for r in block[:-2]] == list(range(1, len(filers) + 1))
        by_code = {r["institution_code"]: r for r in filers}
        for r in block[:-2]:
            row = by_code[r["机构代码"]]
            assert r["排名"] == row["notice_rank"]
            assert text(r["机构名称"]) == row["name"]
            assert r["投诉量"] == int(row["metrics"]["received"]["display"])
            assert num(r["占比%"]) == Decimal(row["share"])
            volume = row["metrics"]["per_100m_volume"]
            assert num(r["亿元业务投诉量"]) == (None if volume["display"] is None else Decimal(volume["display"]))
            assert r["亿元业务投诉量排名"] == volume["rank_sector"]
        total, median = block[-2], block[-1]
        assert total["机构名称"] == "合计"
        assert total["投诉量"] == sum(int(r["metrics"]["received"]["value"]) for r in filers)
        assert median["机构名称"] == "行业中位数"
        medians = league["medians"][sector]
        assert num(median["投诉量"]) == Decimal(medians["received"])
        assert num(median["亿元业务投诉量"]) == (
            None if medians["per_100m_volume"] is None else Decimal(medians["per_100m_volume"])
        )
    # received more, and on a tie the higher per_100m_volume, comes first
    pay = [r["机构代码"] for r in got if r["行业"] == "非银行支付机构"][:3]
    assert pay == ["PAY000000000000003", "914403001922038216", "PAY000000000000004"]


def test_notice_median_of_received_has_one_decimal(written):
    """The received median is shown with one decimal, counts with none."""
    ws = written[3]["通报"]
    median_rows = [r for r in ws.iter_rows(min_row=2) if r[3].value == "行业中位数"]
    assert median_rows and all(r[4].number_format == "0.0" for r in median_rows)
    data_rows = [r for r in ws.iter_rows(min_row=2) if isinstance(r[1].value, int)]
    assert all(r[4].number_format == "0" and r[5].number_format == "0.00" for r in data_rows)


def test_reporting_sheet_against_hand_computed_values(written):
    """报送情况 equals hand-computed counts and rates."""
    rows = list(written[3]["报送情况"].iter_rows(values_only=True))
    assert rows[0] == ("报表类型", "行业", "应报", "按时", "逾期", "未报送", "报送率%", "按时报送率%")
    expected = [
        ("投诉数据报表", "非银行支付机构", 5, 4, 1, 0, 100, 80),
        ("投诉数据报表", "消费金融公司", 3, 1, 1, 1, 66.67, 33.33),
        ("投诉数据报表", "银行", 2, 1, 0, 1, 50, 50),
        ("投诉数据报表", "合计", 10, 6, 2, 2, 80, 60),
        ("信息披露报表", "非银行支付机构", 5, 2, 2, 1, 80, 40),
        ("信息披露报表", "消费金融公司", 3, 2, 0, 1, 66.67, 66.67),
        ("信息披露报表", "银行", 2, 2, 0, 0, 100, 100),
        ("信息披露报表", "合计", 10, 6, 2, 2, 80, 60),
    ]
    assert [r[:8] for r in rows[1:9]] == expected
    listing = rows[rows.index(next(r for r in rows if r[0] == "状态")) + 1 :]
    assert [(r[0], r[1], r[3]) for r in listing] == [
        ("未报送", "投诉数据报表", "CF0000000000000003"),
        ("未报送", "投诉数据报表", "BANK00000000000002"),
        ("未报送", "信息披露报表", "PAY000000000000004"),
        ("未报送", "信息披露报表", "CF0000000000000003"),
        ("逾期报送", "投诉数据报表", "PAY000000000000003"),
        ("逾期报送", "投诉数据报表", "CF0000000000000002"),
        ("逾期报送", "信息披露报表", "914403001922038216"),
        ("逾期报送", "信息披露报表", "PAY000000000000003"),
    ]
    assert all(r[5] == "2024-04-16 09:00:00" for r in listing if r[0] == "逾期报送")
    assert all(r[5] is None for r in listing if r[0] == "未报送")


def test_findings_sheet_by_rule_level_status_institution(written):
    """监管发现 sorted by rule, level, status, institution."""
    _, _, _, book = written
    got = table(book["监管发现"])
    findings = make_findings()
    assert len(got) == len(findings)
    assert [(r["规则"], r["级别"], r["状态"], r["编号"]) for r in got] == [
        ("D02", "高", "已关闭", 102),
        ("D03", "中", "待处理", 106),
        ("P03", "高", "整改中", 105),
        ("S01", "高", "待处理", 101),
        ("S02", "中", "待处理", 108),
        ("T01", "中", "已说明", 104),
        ("T01", "低", "待处理", 103),
        ("X02", "低", "已转办", 107),
    ]


def test_hostile_finding_messages_read_back_verbatim(tmp_path):
    """Hostile finding text reads back unchanged."""
    path, _, _ = _write(tmp_path, hostile=True)
    got = {r["编号"]: r for r in table(openpyxl.load_workbook(path)["监管发现"])}
    for finding in make_findings(hostile=True):
        assert text(got[finding["id"]]["说明"]) == finding["message"]
        assert text(got[finding["id"]]["机构名称"]) == finding["name"]


def test_readme_records_period_snapshot_ruleset_and_time(written):
    """说明 records period, snapshot, rule set, Beijing time, producer."""
    values = {r[0]: r[1] for r in written[3]["说明"].iter_rows(values_only=True) if r[0]}
    assert values["报送期"] == "2024Q1"
    assert values["快照"] == "第3版"
    assert values["规则集版本"] == "rules-2024.1"
    assert values["生成时间（北京时间）"] == "2024-04-20 10:30:00"
    assert values["生成者"] == "scheduler:nightly"
    assert values["机构数"] == 10


def test_draft_is_labelled(tmp_path):
    """A draft has no snapshot number."""
    path, _, _ = _write(tmp_path, league=make_league(snapshot=None))
    values = {r[0]: r[1] for r in openpyxl.load_workbook(path)["说明"].iter_rows(values_only=True) if r[0]}
    assert values["快照"] == "草稿（未发布）"


def test_native_charts_reference_the_data_sheet(written):
    """Three native charts fed from 图表数据; the top list is the worst per 10k."""
    path, league, _, book = written
    assert len(book["图表"]._charts) == 3
    with zipfile.ZipFile(path) as archive:
        charts = sorted(n for n in archive.namelist() if n.startswith("xl/charts/chart"))
        assert charts == ["xl/charts/chart1.xml", "xl/charts/chart2.xml", "xl/charts/chart3.xml"]
        first = archive.read(charts[0]).decode()
        assert '<c:barDir val="bar"/>' in first and "图表数据!$E$3:$E$10" in first
        assert all("图表数据!" in archive.read(n).decode() for n in charts)
    top = [r for r in book["图表数据"].iter_rows(min_row=3, max_row=22, values_only=True) if r[0]][:8]
    ranked = [r for r in league["rows"] if r["status"] == "ranked"]
    ranked.sort(key=lambda r: (-Decimal(r["metrics"]["per_10k_customers"]["value"]), r["institution_code"]))
    assert [r[1] for r in top] == [r["institution_code"] for r in ranked]
    assert [num(r[4]) for r in top] == [Decimal(r["metrics"]["per_10k_customers"]["display"]) for r in ranked]


def test_frozen_headers_and_filters(written):
    """Header rows frozen and autofilters set on every table sheet."""
    book = written[3]
    expected = {
        "排行榜": ("C2", "A1:AO11"),
        "非银行支付机构": ("C2", "A1:AD6"),
        "消费金融公司": ("C2", "A1:AB4"),
        "银行": ("C2", "A1:AB3"),
        "通报": ("A2", "A1:H16"),
        "报送情况": ("A2", "A12:F20"),
        "监管发现": ("A2", "A1:J9"),
    }
    for name, (pane, ref) in expected.items():
        assert (book[name].freeze_panes, book[name].auto_filter.ref) == (pane, ref), name


def test_number_formats(written):
    """Number formats follow the display precision."""
    ws = written[3]["排行榜"]
    headers = [c.value for c in ws[1]]
    second = ws[2]
    formats = {h: c.number_format for h, c in zip(headers, second, strict=True)}
    assert formats["投诉量"] == "0"
    assert formats["万人投诉量"] == "0.00"
    assert formats["综合得分"] == "0.00"
    assert formats["排名变动"] == "+0;-0;0"
    assert formats["万人投诉量·行业排名"] == "0"


def test_no_formula_cell_anywhere_even_with_hostile_text(written):
    """Zero formula cells, by openpyxl and in the raw XML."""
    path, league, _, book = written
    assert formula_cells(path) == []
    names = {text(r["机构名称"]) for r in table(book["排行榜"])}
    assert names == {r["name"] for r in league["rows"]}


def test_hostile_inputs_really_are_hostile(tmp_path):
    """The hostile fixture does contain the attacks verbatim."""
    league = make_league(hostile=True)
    names = {r["name"] for r in league["rows"]}
    assert set(HOSTILE[1::2]) <= names  # the odd ones, verbatim, including the rich-string injection
    assert any(n.startswith("=HYPERLINK") for n in names)


def test_constant_memory_mode_writes_inline_strings(written):
    """Constant-memory mode: inline strings, no shared-string table."""
    with zipfile.ZipFile(written[0]) as archive:
        assert "xl/sharedStrings.xml" not in archive.namelist()


def test_same_input_same_bytes_and_sha(tmp_path):
    """Deterministic bytes; the recorded SHA-256 is the file's."""
    path, league, result = _write(tmp_path)
    data = path.read_bytes()
    assert result.sha256 == hashlib.sha256(data).hexdigest() and result.size == len(data)
    buffer = io.BytesIO()
    again = write_summary(buffer, league, make_meta(), make_reporting(), make_findings())
    assert again.sha256 == result.sha256 and buffer.getvalue() == data
    # a stream that already holds something: only what the export wrote is hashed
    buffer = io.BytesIO(b"prefix")
    buffer.seek(0, io.SEEK_END)
    third = write_summary(buffer, league, make_meta(), make_reporting(), make_findings())
    assert third.sha256 == hashlib.sha256(buffer.getvalue()[6:]).hexdigest()
    assert (result.producer, result.snapshot, result.generated_at) == (
        "scheduler:nightly",
        3,
        "2024-04-20T02:30:00+00:00",
    )


def test_invalid_input_is_refused_before_writing(tmp_path):
    """Bad input raises and leaves no file behind."""
    league = make_league()
    league["rows"][0]["metrics"]["per_10k_customers"]["display"] = "0.12"  # round-half-even display
    with pytest.raises(DisplayMismatch):
        write_summary(tmp_path / "a.xlsx", league, make_meta(), [], [])
    meta = make_meta()
    meta["generated_at"] = datetime(2024, 4, 20, 10, 30)
    with pytest.raises(ValueError, match="aware"):
        write_summary(tmp_path / "b.xlsx", make_league(), meta, [], [])
    with pytest.raises(ValueError, match="snapshot"):
        write_summary(tmp_path / "c.xlsx", make_league(), make_meta(snapshot=4), [], [])
    bad = copy.deepcopy(make_league())
    bad["rows"][1]["movement"] = "=1+1"
    with pytest.raises(TypeError):
        write_summary(tmp_path / "d.xlsx", bad, make_meta(), [], [])
    assert list(tmp_path.iterdir()) == []


def test_empty_period(tmp_path):
    """An empty period still gives a valid workbook without charts."""
    league = {"period": "2024Q1", "snapshot": 3, "rows": [], "medians": {}}
    path = tmp_path / "e.xlsx"
    write_summary(path, league, make_meta(), [], [])
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["说明", "排行榜", "通报", "报送情况", "监管发现", "图表", "图表数据"]
    assert book["图表"]._charts == []
    assert "无可绘制的数据" in str(book["图表"]["A3"].value)
    assert formula_cells(path) == []
