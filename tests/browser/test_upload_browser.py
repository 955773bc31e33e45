"""Real browser: a filer downloads the template, fills it, uploads it, watches the progress bar
and gets the report; a bad file gets an annotated workbook pointing at the cell."""

from __future__ import annotations

import datetime as dt
import io
import re

import openpyxl
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS
from tests.factories import PASSWORD
from tests.filings.workbooks import detail_row, summary_from

pytestmark = pytest.mark.browser


def _login(page, live, who):
    page.goto(live["url"] + "/login")
    page.fill("#email", live["emails"][who])
    page.fill("#password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_url(live["url"] + "/")


def _fill(template: bytes, code: str, start: dt.date, *, break_summary: bool) -> bytes:
    wb = openpyxl.load_workbook(io.BytesIO(template))
    cover = wb["封面"]
    for r in range(1, cover.max_row + 1):
        label = cover.cell(r, 1).value
        value = {"期末有效客户数": 120000, "业务规模(亿元)": 88.5, "填报人": "王五", "联系电话": "010-1"}.get(label)
        if value is not None:
            cover.cell(r, 2).value = value
    rows = [detail_row("W-1", start + dt.timedelta(days=1), closed=start + dt.timedelta(days=4)),
            detail_row("W-2", start + dt.timedelta(days=2), status="OPEN", category="B05")]
    headers = [c.value for c in wb["投诉明细"][1]]
    from supervision.ingest.templates import template_for

    by_label = {f.label_zh: f.code for f in template_for("CMP").sheet("detail").fields}
    for i, row in enumerate(rows, start=2):
        for j, h in enumerate(headers, start=1):
            wb["投诉明细"].cell(i, j).value = row.get(by_label.get(h))
    summary = summary_from(rows, start)
    if break_summary:
        summary[0][1] += 5
    for i, srow in enumerate(summary, start=2):
        for j, v in enumerate(srow, start=1):
            wb["投诉汇总"].cell(i, j).value = v
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_template_fill_upload_progress_report(live_server, page, tmp_path):
    live = live_server
    code, _name = live["institutions"]["a"]
    period_code, start = live["period"]
    _login(page, live, "filer_a")
    page.goto(live["url"] + "/filings/upload")
    page.select_option("#period", period_code)
    with page.expect_download() as dl:
        page.click(".template-link[data-kind='CMP']")
    template = dl.value.path().read_bytes()
    good = tmp_path / "good.xlsx"
    good.write_bytes(_fill(template, code, start, break_summary=False))
    page.select_option("#period", period_code)
    page.select_option("#kind", "CMP")
    page.set_input_files("#file", str(good))
    expect(page.locator("#fact-sha")).to_have_text(re.compile(r"^[0-9a-f]{64}$"))
    page.click("#upload-submit")
    page.wait_for_url("**/filings/versions/*")
    expect(page.locator("#status-label")).to_have_attribute("data-status", "ACCEPTED", timeout=60_000)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "version-accepted.png"), full_page=True)
    assert "投诉明细：2" in page.locator("#row-counts").inner_text()

    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(_fill(template, code, start, break_summary=True))
    page.goto(live["url"] + "/filings/upload")
    page.select_option("#period", period_code)
    page.set_input_files("#file", str(bad))
    page.click("#upload-submit")
    page.wait_for_url("**/filings/versions/*")
    expect(page.locator("#status-label")).to_have_attribute("data-status", "REJECTED", timeout=60_000)
    assert "C06" in page.locator("#rule-groups").inner_text()
    page.screenshot(path=str(ARTIFACTS / "version-rejected.png"), full_page=True)
    with page.expect_download() as dl:
        page.click("#annotated-link")
    wb = openpyxl.load_workbook(io.BytesIO(dl.value.path().read_bytes()))
    assert "校验结果" in wb.sheetnames
    assert any("C06" in (c.comment.text if c.comment else "") for row in wb["投诉汇总"].iter_rows() for c in row)
