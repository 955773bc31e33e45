"""Test helpers that fill the platform's own downloadable template (openpyxl), as a filer would."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import openpyxl

from supervision.ingest.template_writer import write_template
from supervision.ingest.templates import template_for

FAVOURABLE = ("UPHELD", "PARTIAL", "SETTLED")


def detail_row(cid: str, received: dt.date, *, status="CLOSED", closed: dt.date | None = None, category="B14",
               cause="C05", source="DIRECT", transfer_ref=None, outcome="UPHELD", extension="NONE",
               escalated=False, complaint_type=None, txn=None, product=None, summary=None) -> dict:
    """One 投诉明细 row keyed by field code."""
    return {"complaint_id": cid, "received_date": received, "source": source, "transfer_ref": transfer_ref,
            "channel": "A05", "business_category": category, "cause": cause, "complaint_type": complaint_type,
            "transactions_involved": txn, "product_code": product, "province": "11", "customer_group": "NONE",
            "amount": 100, "status": status, "closed_date": closed if status == "CLOSED" else None,
            "extension": extension, "outcome": outcome if status == "CLOSED" else None, "redress": None,
            "escalated": ("是" if escalated else "否") if status == "CLOSED" else None, "repeat_of": None,
            "summary": summary}


def summary_from(rows: list[dict], period_start: dt.date) -> list[list]:
    """§4.3 summary computed independently from detail rows: per category plus 合计."""
    cats: dict[str, list[int]] = {}
    for r in rows:
        c = cats.setdefault(r["business_category"], [0, 0, 0, 0, 0])
        carried = r["received_date"] < period_start
        if not carried:
            c[0] += 1
            if r["source"] == "REGULATOR":
                c[4] += 1
        if r["status"] == "CLOSED":
            c[1] += 1
            days = (r["closed_date"] - r["received_date"]).days
            if days <= {"NONE": 15, "EXT30": 30, "EXT60": 60}[r["extension"]]:
                c[2] += 1
        else:
            c[3] += 1
    out = [[cat, *vals] for cat, vals in sorted(cats.items())]
    total = [sum(v[i] for _, *v in [(0, *x[1:]) for x in out]) for i in range(5)]
    return [*out, ["合计", *total]]


def cmp_workbook(path: Path, *, code: str, name: str, period: str, rows: list[dict], period_start: dt.date,
                 active_customers=250_000, business_volume="1234.5", transactions=None,
                 summary: list[list] | None = None) -> Path:
    """Download-equivalent template filled with ``rows`` and a consistent summary."""
    buf = io.BytesIO()
    write_template(buf, "CMP", institution_code=code, institution_name=name, period=period)
    buf.seek(0)
    wb = openpyxl.load_workbook(buf)
    cover = wb["封面"]
    values = {"期末有效客户数": active_customers, "业务规模(亿元)": business_volume, "交易笔数": transactions,
              "填报人": "测试", "联系电话": "010-00000000"}
    for r in range(1, cover.max_row + 1):
        label = cover.cell(r, 1).value
        if label in values and values[label] is not None:
            cover.cell(r, 2).value = values[label]
    detail = wb["投诉明细"]
    fields = [f.code for f in template_for("CMP").sheet("detail").fields]
    headers = [c.value for c in detail[1]]
    labels = {f.label_zh: f.code for f in template_for("CMP").sheet("detail").fields}
    order = [labels[h] for h in headers if h in labels]
    assert set(order) == set(fields)
    for i, row in enumerate(rows, start=2):
        for j, code_ in enumerate(order, start=1):
            detail.cell(i, j).value = row.get(code_)
    sheet = wb["投诉汇总"]
    for i, srow in enumerate(summary if summary is not None else summary_from(rows, period_start), start=2):
        for j, v in enumerate(srow, start=1):
            sheet.cell(i, j).value = v
    wb.save(path)
    return path


def big_cmp_workbook(path: Path, *, code: str, name: str, period: str, period_start: dt.date, n: int,
                     transactions=None) -> Path:
    """A large, valid CMP workbook written in streaming mode (xlsxwriter) with ``n`` detail rows."""
    import xlsxwriter

    tpl = template_for("CMP")
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_formulas": False,
                                         "strings_to_numbers": False, "strings_to_urls": False})
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    cover = wb.add_worksheet("封面")
    for r, (label, value) in enumerate([("模板版本", "CMP-1"), ("机构代码", code), ("机构名称", name),
                                        ("报送期", period), ("期末有效客户数", 5_000_000),
                                        ("业务规模(亿元)", 800), ("交易笔数", transactions),
                                        ("填报人", "测试"), ("联系电话", "010-00000000")]):
        cover.write_string(r, 0, label)
        if value is not None:
            cover.write(r, 1, value)
    detail = wb.add_worksheet("投诉明细")
    fields = tpl.sheet("detail").fields
    for j, f in enumerate(fields):
        detail.write_string(0, j, f.label_zh)
    per_cat = {"B14": [0, 0, 0, 0, 0], "B05": [0, 0, 0, 0, 0]}
    for i in range(n):
        cat = "B14" if i % 3 else "B05"
        received = period_start + dt.timedelta(days=i % 60)
        closed = received + dt.timedelta(days=i % 20) if i % 7 else None
        row = detail_row(f"BIG-{i:07d}", received, status="CLOSED" if closed else "OPEN", closed=closed,
                         category=cat, outcome="UPHELD" if i % 2 else "NOT_UPHELD",
                         summary="还款后仍被催收，要求核实" if i % 5 == 0 else None)
        if transactions is not None:
            row["complaint_type"] = "SVC"
        c = per_cat[cat]
        c[0] += 1
        if closed:
            c[1] += 1
            if (closed - received).days <= 15:
                c[2] += 1
        else:
            c[3] += 1
        for j, f in enumerate(fields):
            v = row.get(f.code)
            if v is None:
                continue
            if isinstance(v, dt.date):
                detail.write_datetime(i + 1, j, dt.datetime.combine(v, dt.time()), date_fmt)
            elif isinstance(v, int | float):
                detail.write_number(i + 1, j, v)
            else:
                detail.write_string(i + 1, j, str(v))
    summary = wb.add_worksheet("投诉汇总")
    for j, label in enumerate(["业务类别", "本期受理", "本期办结", "按时办结", "期末未办结", "监管转办"]):
        summary.write_string(0, j, label)
    rows = [[cat, *vals] for cat, vals in per_cat.items()]
    rows.append(["合计", *[sum(v[k] for v in per_cat.values()) for k in range(5)]])
    for i, r in enumerate(rows, start=1):
        summary.write_string(i, 0, r[0])
        for j, v in enumerate(r[1:], start=1):
            summary.write_number(i, j, v)
    wb.close()
    return path
