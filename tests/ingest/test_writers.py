"""Template generation, annotation of uploaded workbooks, and the template → fill → validate round trip."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from decimal import Decimal

import openpyxl
import pytest

from supervision.ingest.annotate import annotate
from supervision.ingest.guards import check_file
from supervision.ingest.template_writer import write_template
from tests.ingest.helpers import CMP, DSC, INST, INST_NAME, PERIOD, build_cmp, detail_row, summary_from, validated


def no_formulas(path) -> None:
    """Assert that no worksheet of ``path`` holds a formula element."""
    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                assert b"<f>" not in zf.read(name) and b"<f " not in zf.read(name), name


@pytest.mark.parametrize("kind", ["CMP", "DSC", "REG"])
def test_template_structure(tmp_path, kind):
    path = tmp_path / f"{kind}.xlsx"
    write_template(path, kind, INST, "=HYPERLINK(\"http://evil\")", PERIOD)
    no_formulas(path)
    wb = openpyxl.load_workbook(path)
    assert wb["代码表"].sheet_state == "hidden" and "填报说明" in wb.sheetnames
    if kind == "REG":
        assert wb.sheetnames[0] == "监管转办登记"
        return
    cover = {r[0]: r[1] for r in wb["封面"].iter_rows(values_only=True)}
    assert cover["模板版本"] == f"{kind}-1" and cover["机构代码"] == INST and cover["报送期"] == PERIOD
    name_cell = next(c for c in wb["封面"]["B"] if c.value and str(c.value).startswith("=HYPERLINK"))
    assert name_cell.data_type == "s" and name_cell.quotePrefix
    data = wb.worksheets[1]
    assert data.freeze_panes == "A2"
    lists = [dv for dv in data.data_validations.dataValidation if dv.type == "list"]
    assert lists and any(dv.formula1.startswith("'代码表'!") for dv in lists)


def test_template_to_stream():
    buffer = io.BytesIO()
    write_template(buffer, "CMP", INST, INST_NAME, PERIOD)
    assert buffer.getvalue()[:2] == b"PK"


def _fill(ws, rows, fields):
    labels = [c.value for c in ws[1]]
    codes = [next(f.code for f in fields if f.label_zh == label) for label in labels]
    for r, row in enumerate(rows, start=2):
        for c, code in enumerate(codes, start=1):
            if row.get(code) is not None:
                ws.cell(row=r, column=c, value=row[code])


def test_round_trip_cmp(tmp_path):
    path = tmp_path / "cmp.xlsx"
    write_template(path, "CMP", INST, INST_NAME, PERIOD)
    wb = openpyxl.load_workbook(path)
    cover = wb["封面"]
    for row in cover.iter_rows():
        extra = {"期末有效客户数": 250000, "业务规模(亿元)": "1,234.56", "交易笔数": "１２３４５", "填报人": "李四",
                 "联系电话": "+86 10 1234"}
        if row[0].value in extra:
            row[1].value = extra[row[0].value]
    rows = [
        detail_row(),
        detail_row(complaint_id="CMP-0002", received_date="2024/02/03", source="监管转办", transfer_ref="ZB-9",
                   channel="移动客户端(App)", business_category="B13", cause="自动扣费与代扣", complaint_type="TXN",
                   transactions_involved=3, province="广东", customer_group="老年人", amount="12,000.50",
                   status="已办结", closed_date="2024年3月1日", extension="EXT30", outcome="PARTIAL",
                   redress=Decimal("99.99"), escalated="是", summary="-=cmd|' /C calc'!A0"),
        detail_row(complaint_id="CMP-0003", received_date=dt.date(2023, 12, 28), status="OPEN", closed_date=None,
                   outcome=None, escalated=None, repeat_of="CMP-0001", product_code=None, summary=None),
    ]
    _fill(wb["投诉明细"], rows, CMP.sheet("detail").fields)
    summary = wb["投诉汇总"]
    figures = summary_from([{**r, "received_date": r["received_date"] if isinstance(r["received_date"], dt.date)
                             else dt.date(2024, 2, 3), "closed_date": dt.date(2024, 3, 1)
                             if r["closed_date"] == "2024年3月1日" else r["closed_date"],
                             "business_category": r["business_category"], "source": "REGULATOR"
                             if r["source"] == "监管转办" else r["source"],
                             "status": "CLOSED" if r["status"] == "已办结" else r["status"]} for r in rows])
    cats = sorted(figures)
    for i, cat in enumerate([*cats, "合计"], start=2):
        vals = figures.get(cat) or {c: sum(f.get(c, 0) for f in figures.values()) for c in
                                    ("received", "closed", "closed_on_time", "open_end", "regulator_transferred")}
        for c, key in enumerate(("received", "closed", "closed_on_time", "open_end", "regulator_transferred"), 2):
            summary.cell(row=1, column=1).value = "业务类别"
            summary.cell(row=i, column=1, value=cat)
            summary.cell(row=i, column=c, value=vals.get(key, 0))
    wb.save(path)
    no_formulas(path)
    with validated(path, sector="PAY") as result:
        assert result.ok, [(i.rule, i.cell, i.message_en) for i in result.issues]
        assert result.cover["business_volume"] == Decimal("1234.56") and result.cover["transactions"] == 12345
        got = [row for batch in result.batches("detail", size=2) for row in batch]
    assert [g["_row"] for g in got] == [2, 3, 4]
    second = got[1]
    assert second["received_date"] == dt.date(2024, 2, 3) and second["closed_date"] == dt.date(2024, 3, 1)
    assert (second["source"], second["channel"], second["cause"], second["province"], second["customer_group"],
            second["status"]) == ("REGULATOR", "A05", "C13", "44", "ELDERLY", "CLOSED")
    assert second["amount"] == Decimal("12000.50") and second["redress"] == Decimal("99.99")
    assert second["escalated"] is True and second["summary"] == "-=cmd|' /C calc'!A0"
    assert (second["days_to_close"], second["deadline"], second["on_time"], second["carried_over"]) == (27, 30, True,
                                                                                                         False)
    first = {k: v for k, v in got[0].items() if k in detail_row()}
    expected = {k: (Decimal(v) if k in ("amount", "redress") and v is not None else v) for k, v in detail_row().items()}
    assert first == expected
    assert got[2]["carried_over"] is True and got[2]["on_time"] is None and got[2]["repeat_of"] == "CMP-0001"


def test_round_trip_dsc(tmp_path):
    path = tmp_path / "dsc.xlsx"
    write_template(path, "DSC", INST, INST_NAME, PERIOD)
    wb = openpyxl.load_workbook(path)
    for row in wb["封面"].iter_rows():
        if row[0].value in ("填报人", "联系电话"):
            row[1].value = "王五"
    product = {"product_code": "P-1", "product_name": "先享后付", "product_type": "信用支付", "apr_min": "0",
               "apr_max": "18.25", "auto_deduction": "Y", "deduction_notice": "N", "disclosure_channels": "官网、App",
               "status": "在售"}
    _fill(wb["产品定价"], [product], DSC.sheet("products").fields)
    _fill(wb["投诉渠道"], [{"channel_type": "热线", "contact": "95000", "accessible": True, "elderly_friendly": 1}],
          DSC.sheet("channels").fields)
    _fill(wb["消保工作"], [{"item": "覆盖人次", "value": 1000}], DSC.sheet("activities").fields)
    wb.save(path)
    with validated(path, kind="DSC") as result:
        assert result.ok, [(i.rule, i.cell, i.message_en) for i in result.issues]
        got = next(result.rows("products"))
        assert got["product_type"] == "CREDIT_PAY" and got["apr_max"] == Decimal("18.25")
        assert got["disclosure_channels"] == ("WEB", "APP") and got["deduction_notice"] is False
        assert next(result.rows("activities"))["item"] == "education_reach"
        assert result.row_counts["partners"] == 0


@pytest.mark.parametrize("full_load", [True, False])
def test_annotate(tmp_path, full_load):
    rows = [detail_row(channel="A10"), detail_row(complaint_id="CMP-2", summary="电话13912345678")]
    src = build_cmp(tmp_path / "in.xlsx", rows, headers=[f.label_zh for f in CMP.sheet("detail").fields] + ["备注"])
    with validated(src) as result:
        issues, totals = result.issues.issues, result.issues.totals
    out = tmp_path / "out.xlsx"
    annotate(src, issues, out, totals=totals, full_load_max_xml_bytes=10**9 if full_load else 0)
    no_formulas(out)
    wb = openpyxl.load_workbook(out)
    cell = wb["投诉明细"]["E2"]
    assert cell.fill.fgColor.rgb.endswith("FFC7CE")
    assert cell.comment.text.startswith("[V03] 「业务办理渠道」") and "\n“Business channel”" in cell.comment.text
    assert wb["投诉明细"]["U3"].comment.text.startswith("[W-PII]")
    results = wb["校验结果"]
    links = {c.hyperlink.location for c in results["J"] if c.hyperlink}
    assert {"'投诉明细'!E2", "'投诉明细'!U3"} <= links
    assert all(c.hyperlink.target is None for c in results["J"] if c.hyperlink)
    values = [c.value for c in results["B"]]
    assert "V03" in values and "W-PII" in values and "W-COL" in values


def test_annotate_guard_issues_and_drop_formulas(tmp_path):
    src = build_cmp(tmp_path / "in.xlsx")
    wb = openpyxl.load_workbook(src)
    wb["投诉明细"]["V2"] = "=1+1"
    wb.save(src)
    guard = check_file(src)
    assert [(i.rule, i.sheet, i.cell) for i in guard.issues] == [("F06", "投诉明细", "V2")]
    out = tmp_path / "out.xlsx"
    annotate(src, guard.issues, out)
    no_formulas(out)
    assert openpyxl.load_workbook(out)["投诉明细"]["V2"].comment.text.startswith("[F06] ")
