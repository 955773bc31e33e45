"""The explorer page, its downloads and the drill-down (spec §10.1, issue 14): the page shows the
independent breakdown of the generated rows, a download holds exactly what is shown, every number
links to the rows behind it, scope holds, filers see their institution beside the sector."""

from __future__ import annotations

import csv
import io
import re
from fractions import Fraction
from html import unescape

import openpyxl
import pytest

from reports.numbers import display
from tests.analytics.independent import breakdown
from tests.conftest import PASSWORD, login


@pytest.fixture()
def client_for(cube_world):
    def make(email):
        c = cube_world.app.test_client()
        assert login(c, email, PASSWORD).status_code in (200, 302)
        return c
    return make


def _table(html: str) -> dict[str, list[str]]:
    """Row label → cell texts of the view table."""
    body = html.split('id="view-table"', 1)[1].split("</table>", 1)[0]
    out = {}
    for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", body.split("<tbody>", 1)[1], re.S):
        label = unescape(re.sub(r"<[^>]+>", "", re.search(r"<th[^>]*>(.*?)</th>", tr, re.S).group(1))).strip()
        tds = re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S)
        out[label] = [unescape(re.sub(r"<[^>]+>", "", td)).strip() for td in tds]
    return out


def test_province_by_category_page_download_and_drill(cube_world, client_for):
    from supervision.domain.codes import CODE_LISTS

    cw = cube_world
    c = client_for("supervisor@nfra.test.cn")  # NFRA: sees A and C (CF), not B (PBOC's PAY)
    url = f"/analytics/?period={cw.cur}&rows=province&cols=business_category&measure=received&sector=CF"
    resp = c.get(url)
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    want = breakdown([cw.filings["a", cw.cur], cw.filings["c", cw.cur]], "province", "business_category")
    cats = sorted({k[1] for k in want}, key=list(CODE_LISTS["business_category"]).index)
    table = _table(html)
    for prov in {k[0] for k in want}:
        row = table[CODE_LISTS["province"][prov]]
        for i, cat in enumerate(cats):
            w = want.get((prov, cat))
            assert row[i] == (str(w["received"]) if w else "—"), (prov, cat)
        assert row[-1] == str(sum(w["received"] for k, w in want.items() if k[0] == prov))
    # the CSV holds exactly the shown numbers
    csv_url = unescape(re.search(r'id="download-csv" href="([^"]+)"|href="([^"]+)" id="download-csv"', html).group(0)
                       .split('href="')[1].split('"')[0])
    got = c.get(csv_url)
    assert got.status_code == 200 and got.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(got.get_data(as_text=True).lstrip("\ufeff"))))
    assert [r[0] for r in rows[1:]] == list(table)
    for r in rows[1:]:
        assert [x or "—" for x in r[1:]] == table[r[0]]
    xlsx = c.get(csv_url.replace("view.csv", "view.xlsx"))
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.get_data())).active
    values = list(sheet.iter_rows(values_only=True))
    assert [v[0] for v in values[1:]] == list(table)
    assert all(not isinstance(v, str) or not v.startswith("=") for row in values for v in row)
    # drill into the biggest cell: its rows, exactly as many as the number
    (prov, cat), w = max(want.items(), key=lambda kv: kv[1]["received"])
    link = re.search(rf'href="([^"]*)" data-row="{prov}" data-col="{cat}" data-measure="received"', html)
    drill = c.get(unescape(link.group(1)))
    assert drill.status_code == 200
    page = drill.get_data(as_text=True)
    assert f'data-total="{w["received"]}"' in page


def test_list_view_measures_and_changes(cube_world, client_for):
    cw = cube_world
    c = client_for("analyst@nfra.test.cn")
    html = c.get(f"/analytics/?period={cw.cur}&rows=cause&sector=CF").get_data(as_text=True)
    table = _table(html)
    from supervision.domain.codes import CODE_LISTS

    now = breakdown([cw.filings["a", cw.cur], cw.filings["c", cw.cur]], "cause", None)
    prev = breakdown([cw.filings["a", cw.prev], cw.filings["c", cw.prev]], "cause", None)
    total = sum(w["received"] for w in now.values())
    for (cause, _), w in now.items():
        cells = table[CODE_LISTS["cause"][cause]]
        assert cells[0] == str(w["received"])
        assert cells[1] == (display(Fraction(w["received"] * 100, total), 2) if total else "—")
        p = prev.get((cause, None), {}).get("received")
        assert cells[3] == (str(w["received"] - p) if p else "—")
        assert cells[12] == (display(w["median_days"], 2) if w["median_days"] is not None else "—")


def test_filer_sees_own_institution_and_sector_benchmark(cube_world, client_for):
    cw = cube_world
    c = client_for("filer-a@test.cn")
    html = c.get(f"/analytics/?period={cw.cur}&rows=institution").get_data(as_text=True)
    table = _table(html)
    assert len(table) == 2  # A and the total, never C or B
    html = c.get(f"/analytics/?period={cw.cur}&rows=business_category").get_data(as_text=True)
    assert 'id="benchmark"' in html
    sector = breakdown([cw.filings["a", cw.cur], cw.filings["c", cw.cur]], "business_category", None)
    body = html.split('id="benchmark"', 1)[1]
    for (_cat, _), w in sector.items():
        assert f'<td class="text-end">{w["received"]}</td>' in body
    # a drill-down into another institution's rows finds nothing
    resp = c.get(f"/analytics/rows?period={cw.cur}&rows=institution&row={cw.codes['c']}")
    assert resp.status_code == 200 and 'data-total="0"' in resp.get_data(as_text=True)


def test_bad_views_answer_clearly(cube_world, client_for):
    c = client_for("analyst@nfra.test.cn")
    cw = cube_world
    resp = c.get(f"/analytics/?period={cw.cur}&rows=province&cols=cause&f_channel=A05")
    assert resp.status_code == 400 and "最多使用两个投诉维度" in resp.get_data(as_text=True)
    assert c.get("/analytics/?period=2999Q9&rows=province").status_code == 400
    assert c.get(f"/analytics/?period={cw.cur}&rows=nope").status_code == 400
    assert c.get(f"/analytics/view.csv?period={cw.cur}&rows=nope").status_code == 400
