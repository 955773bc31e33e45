"""Issue 14 in a real browser (Debian's Chromium): a regulator builds a province × business
category view in the explorer, downloads it, and drills into one cell down to the complaint rows."""

from __future__ import annotations

import csv
import io

import pytest

from tests.browser.served import ingested_world, served
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def analytics_server(tmp_path_factory):
    """The standard world with generated CMP filings of two CF institutions ingested, served."""
    with ingested_world(tmp_path_factory.mktemp("analytics-browser"), (61, 62), 150, "b") as (app, world, current):
        email, code = world.users.supervisor.email, current.code
    with served(app) as url:
        yield {"url": url, "email": email, "period": code}


def test_province_by_category_download_and_drill(page, analytics_server):
    s = analytics_server
    page.goto(s["url"] + "/login")
    page.fill("#email", s["email"])
    page.fill("#password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_url(s["url"] + "/")
    page.click("#nav-analytics")
    page.select_option("#period", s["period"])
    page.select_option("#sector", "CF")
    page.select_option("#rows", "province")
    page.select_option("#cols", "business_category")
    page.click("#show-view")
    page.wait_for_selector("#view-table")
    assert "rows=province" in page.url and "cols=business_category" in page.url  # the URL holds the view
    page.wait_for_selector("#analytics-chart canvas")
    header = page.locator("#view-table thead th").all_inner_texts()
    body = [r.locator("th, td").all_inner_texts() for r in page.locator("#view-table tbody tr").all()]
    with page.expect_download() as info:
        page.click("#download-csv")
    with open(info.value.path(), encoding="utf-8-sig") as fh:
        text = fh.read()
    rows = list(csv.reader(io.StringIO(text)))
    assert [h.strip() for h in rows[0]] == [h.strip() for h in header]
    assert [[c or "—" for c in r] for r in rows[1:]] == [[c.strip() for c in r] for r in body]
    # sorting by the last column (the row total) puts the largest first and keeps the total row last
    last = len(header) - 1
    page.locator("#view-table thead th .sort-btn").nth(last).click()
    page.locator("#view-table thead th .sort-btn").nth(last).click()
    assert page.locator("#view-table thead th").nth(last).get_attribute("aria-sort") == "descending"
    trs = page.locator("#view-table tbody tr").all()
    totals = [int((r.locator("th, td").all_inner_texts()[last].strip() or "0").replace(",", "")) for r in trs[:-1]]
    assert totals == sorted(totals, reverse=True) and len(totals) == len(body) - 1
    assert trs[-1].get_attribute("data-pin") is not None
    link = page.locator("#view-table tbody a.drill[data-measure='received']").first
    number = int(link.inner_text())
    link.click()
    page.wait_for_selector("#row-total")
    assert int(page.locator("#row-total").get_attribute("data-total")) == number
    assert page.locator("#rows-table tbody tr").count() == min(number, 50)
    page.click("#back-to-view")
    page.wait_for_selector("#view-table")
