"""Real data: the US CFPB complaint samples mapped to CMP-1 by a test helper, written as a workbook,
ingested through the real pipeline; the stored counts equal the CSV's."""

from __future__ import annotations

import csv
import datetime as dt

import pytest
import xlsxwriter
from sqlalchemy import func, select

from supervision.domain.calendar import parse_period
from supervision.extensions import db
from supervision.filings import services
from supervision.filings.content_models import ComplaintRow, DerivedFigures
from supervision.filings.pipeline import process_version
from supervision.ingest.templates import template_for
from supervision.periods.services import add_period, get_period
from tests.conftest import SHARED
from tests.filings.workbooks import summary_from

CSV_PATH = SHARED / "data" / "cfpb" / "cfpb_combined_normalized.csv"
pytestmark = pytest.mark.realdata("data/cfpb/cfpb_combined_normalized.csv")
PERIOD = "2019Q2"

PRODUCT = [("mortgage", "B03"), ("student loan", "B03"), ("vehicle", "B03"), ("credit reporting", "B06"),
           ("debt collection", "B05"), ("credit card", "B02"), ("prepaid", "B12"), ("checking", "B01"),
           ("bank account", "B01"), ("payday", "B14"), ("consumer loan", "B14"), ("money transfer", "B04")]
CHANNEL = {"Web": "A03", "Phone": "A04", "Referral": "A08", "Postal mail": "A99", "Fax": "A99", "Email": "A99"}
OUTCOME = {"Closed with monetary relief": "UPHELD", "Closed with relief": "UPHELD",
           "Closed with non-monetary relief": "PARTIAL", "Closed with explanation": "NOT_UPHELD",
           "Closed": "NOT_UPHELD", "Closed without relief": "NOT_UPHELD", "Untimely response": "NOT_UPHELD"}


def _category(product: str) -> str:
    p = product.lower()
    return next((code for key, code in PRODUCT if key in p), "B99")


def _cause(issue: str) -> str:
    i = issue.lower()
    for key, code in (("collect", "C05"), ("fee", "C02"), ("interest", "C02"), ("incorrect information", "C06"),
                      ("fraud", "C07"), ("identity", "C09"), ("privacy", "C09"), ("advertis", "C08"),
                      ("payoff", "C14"), ("payment", "C14"), ("managing", "C01"), ("customer service", "C04")):
        if key in i:
            return code
    return "C99"


def cfpb_rows(period_code: str) -> list[dict]:
    """CMP-1 detail rows from the CFPB complaints received in the quarter (first row per id)."""
    qp = parse_period(period_code)
    seen, out = set(), []
    with CSV_PATH.open(encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            received = dt.date.fromisoformat(r["date_received"])
            if not (qp.start <= received <= qp.end) or r["complaint_id"] in seen:
                continue
            seen.add(r["complaint_id"])
            response = r["company_response"]
            sent = dt.date.fromisoformat(r["date_sent_to_company"]) if r["date_sent_to_company"] else received
            closed = max(sent, received) + dt.timedelta(days=3 if r["timely_response"] == "Yes" else 20)
            is_open = response == "In progress" or closed > qp.end
            out.append({
                "complaint_id": f"CFPB-{r['complaint_id']}", "received_date": received, "source": "DIRECT",
                "channel": CHANNEL.get(r["submitted_via"], "A99"), "business_category": _category(r["product"]),
                "cause": _cause(r["issue"]), "province": "99", "customer_group": "NONE",
                "status": "OPEN" if is_open else "CLOSED", "closed_date": None if is_open else closed,
                "extension": "NONE" if r["timely_response"] == "Yes" else "EXT30",
                "outcome": None if is_open else OUTCOME.get(response, "NOT_UPHELD"),
                "escalated": None if is_open else ("是" if r["consumer_disputed"] == "Yes" else "否"),
                "summary": f"{r['product']} / {r['issue']} ({r['company']}, {r['state']})"[:500]})
    return out


def write(path, rows, code, name, period_code, start):
    """A CMP-1 workbook of the rows (streamed with xlsxwriter)."""
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_formulas": False,
                                         "strings_to_numbers": False, "strings_to_urls": False})
    datef = wb.add_format({"num_format": "yyyy-mm-dd"})
    cover = wb.add_worksheet("封面")
    for i, (k, v) in enumerate([("模板版本", "CMP-1"), ("机构代码", code), ("机构名称", name), ("报送期", period_code),
                                ("期末有效客户数", 8_000_000), ("业务规模(亿元)", "1200"), ("填报人", "测试"),
                                ("联系电话", "010-1")]):
        cover.write_string(i, 0, k)
        cover.write(i, 1, v)
    ws = wb.add_worksheet("投诉明细")
    fields = template_for("CMP").sheet("detail").fields
    ws.write_row(0, 0, [f.label_zh for f in fields])
    for i, row in enumerate(rows, start=1):
        for j, f in enumerate(fields):
            v = row.get(f.code)
            if isinstance(v, dt.date):
                ws.write_datetime(i, j, dt.datetime.combine(v, dt.time()), datef)
            elif v is not None:
                ws.write_string(i, j, str(v))
    summary = wb.add_worksheet("投诉汇总")
    summary.write_row(0, 0, ["业务类别", "本期受理", "本期办结", "按时办结", "期末未办结", "监管转办"])
    for i, srow in enumerate(summary_from(rows, start), start=1):
        summary.write_row(i, 0, srow)
    wb.close()


def test_cfpb_quarter_ingested_with_exact_counts(ctx, tmp_path):
    _app, world = ctx
    period = get_period(PERIOD) or add_period(None, PERIOD)
    db.session.commit()
    rows = cfpb_rows(PERIOD)
    assert len(rows) > 1000
    path = tmp_path / "cfpb.xlsx"
    write(path, rows, world.inst_c.code, world.inst_c.name, PERIOD, period.start_date)
    with path.open("rb") as fh:
        stored = services.store_original(fh)
    sub = services.submit(None, world.inst_c, period, "CMP", stored, path.name, historic=True)
    db.session.commit()
    status = process_version(sub.version.id)
    db.session.rollback()
    v = db.session.get(type(sub.version), sub.version.id)
    assert status == "ACCEPTED", v.rule_totals
    stored_rows = db.session.scalar(select(func.count()).select_from(ComplaintRow)
                                    .where(ComplaintRow.version_id == v.id))
    assert stored_rows == len(rows) == v.row_counts["detail"]
    total = db.session.scalar(select(DerivedFigures).where(DerivedFigures.version_id == v.id,
                                                           DerivedFigures.business_category.is_(None)))
    assert total.received == len(rows)
    assert total.closed == sum(1 for r in rows if r["status"] == "CLOSED")
    assert total.escalated == sum(1 for r in rows if r["escalated"] == "是")
    per_cat = dict(db.session.execute(select(DerivedFigures.business_category, DerivedFigures.received).where(
        DerivedFigures.version_id == v.id, DerivedFigures.business_category.is_not(None))).all())
    for cat in {r["business_category"] for r in rows}:
        assert per_cat[cat] == sum(1 for r in rows if r["business_category"] == cat)
