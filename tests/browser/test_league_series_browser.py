"""The §8 metrics over quarters (issue 14, trends) in a real browser (Debian's Chromium): a regulator
picks an institution and a metric, sees the line chart and the table and downloads exactly the
table; a filer sees its own institution only (another's series is a 404)."""

from __future__ import annotations

import csv
import io

import pytest

from tests.browser.served import ingested_world, served
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser
@pytest.fixture(scope="module")
def series_server(tmp_path_factory):
    """The standard world with CMP filings of A and C (CF) ingested and the period published, served."""
    with ingested_world(tmp_path_factory.mktemp("series-browser"), (71, 72), 120, "s") as (app, world, current):
        from supervision.extensions import db
        from supervision.league.services import publish

        publish(None, current)
        db.session.commit()
        info = {"period": current.code, "a": (world.inst_a.code, world.inst_a.name),
                "c": (world.inst_c.code, world.inst_c.name),
                "supervisor": world.users.supervisor.email, "filer": world.users.filer_a.email}
    with served(app) as url:
        yield {"url": url, **info}


def _login(page, s, email):
    page.goto(s["url"] + "/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_url(s["url"] + "/")


def _table(page):
    header = [h.strip() for h in page.locator("#league-series-table thead th").all_inner_texts()]
    body = [[c.strip() for c in r.locator("th, td").all_inner_texts()]
            for r in page.locator("#league-series-table tbody tr").all()]
    return header, body


def test_regulator_chart_table_and_download(page, series_server):
    s = series_server
    _login(page, s, s["supervisor"])
    page.goto(s["url"] + "/analytics/trends/league")
    page.select_option("#ls-institution", s["c"][0])
    page.select_option("#ls-metric", "on_time_rate")
    page.click("#league-series-form button")
    page.wait_for_selector("#league-series-chart canvas")
    assert f"institution={s['c'][0]}" in page.url and "metric=on_time_rate" in page.url
    header, body = _table(page)
    assert header[0] == "季度" and "按时办结率 (%)" in header[4:] and "on_time_rate" not in " ".join(header)
    assert {r[1] for r in body} == {s["c"][1], "行业中位数"} and all(r[0] == s["period"] for r in body)
    assert all(r[2] == "第 1 版" for r in body)
    with page.expect_download() as info:
        page.click("#league-series-csv")
    with open(info.value.path(), encoding="utf-8-sig") as fh:
        rows = list(csv.reader(io.StringIO(fh.read())))
    assert rows[0] == header
    assert [[c or ("—" if i >= 4 else "") for i, c in enumerate(r)] for r in rows[1:]] == body
    page.click("#league-series-table thead th:nth-child(5) .sort-btn")  # sortable
    assert page.locator("#league-series-table thead th:nth-child(5)").get_attribute("aria-sort") == "ascending"


def test_filer_sees_only_its_own_institution(page, series_server):
    s = series_server
    _login(page, s, s["filer"])
    page.goto(s["url"] + "/analytics/trends/league")
    page.wait_for_selector("#league-series-chart canvas")
    options = page.locator("#ls-institution option").all_inner_texts()
    assert options == [s["a"][1]]
    assert page.locator("#ls-sector").count() == 0
    _header, body = _table(page)
    assert {r[1] for r in body} == {s["a"][1], "行业中位数"}
    assert s["c"][1] not in page.content()
    resp = page.goto(s["url"] + f"/analytics/trends/league?institution={s['c'][0]}")
    assert resp.status == 404
