"""Fastest growing lists and handling speed (spec §10.1) against the generated workbooks' rows."""

from __future__ import annotations

import re
from fractions import Fraction

import pytest

from supervision.analytics.trends import growth_lists, handling_speed
from supervision.extensions import db
from tests.analytics.independent import breakdown, median, p90, value
from tests.conftest import PASSWORD, login


@pytest.fixture()
def cw(cube_world):
    with cube_world.app.app_context():
        yield cube_world
        db.session.remove()


def _received(cw, period, dim):
    keys = ("a", "c")
    fs = [cw.filings[k, period] for k in keys if (k, period) in cw.filings]
    kv = {i: cw.codes[k] for i, k in enumerate(k for k in keys if (k, period) in cw.filings)}
    return {r: d["received"] for (r, _c), d in breakdown(fs, dim, None, kv).items()}


@pytest.mark.parametrize("dim", ["institution", "business_category", "cause", "province"])
def test_fastest_growing_follows_the_spec(cw, dim):
    now, before = _received(cw, cw.cur, dim), _received(cw, cw.prev, dim)
    min_now, min_before = 20, 5
    want = []
    for code, n in now.items():
        p = before.get(code, 0)
        if n >= min_now and p >= min_before:
            want.append((-Fraction(n - p, p), -abs(n - p), code))
    want = [c for *_k, c in sorted(want)][:10]
    got = growth_lists(cw.cur, "CF", None, min_now=min_now, min_before=min_before)[dim]
    assert [g.code for g in got] == want and want, "the generated filings should give growing entries"
    for g in got:
        assert g.received == now[g.code] and g.previous == before[g.code]
        assert g.qoq_pct == Fraction(g.received - g.previous, g.previous) * 100
    huge = growth_lists(cw.cur, "CF", None, min_now=10**6, min_before=1)[dim]
    assert huge == []  # the minimum keeps small numbers off the list


def test_handling_speed_by_institution(cw):
    rows = {r.code: r for r in handling_speed(cw.cur, "institution", "CF", None)}
    for key in ("a", "c"):
        f = cw.filings[key, cw.cur]
        closed = [r for r in f.rows if r["status"] == "CLOSED"]
        days = [(r["closed_date"] - r["received_date"]).days for r in closed]
        got = rows[cw.codes[key]]
        assert got.closed == len(closed)
        assert got.median_days == median(days) and got.p90_days == p90(days)
        for bucket in got.buckets:
            assert got.buckets[bucket] == sum(1 for r in closed if value(r, "handling", None) == bucket)
        ext = sum(1 for r in closed if (r["extension"] or "NONE") != "NONE")
        assert got.extension_rate == (Fraction(ext * 100, len(closed)) if closed else None)
    total = rows[None]
    assert total.closed == rows[cw.codes["a"]].closed + rows[cw.codes["c"]].closed


def test_trends_and_speed_pages(cube_world):
    c = cube_world.app.test_client()
    login(c, "analyst@nfra.test.cn", PASSWORD)
    html = c.get(f"/analytics/trends?period={cube_world.cur}&sector=CF").get_data(as_text=True)
    assert 'id="growth-cause"' in html and 'id="trend-chart"' in html
    html = c.get(f"/analytics/speed?period={cube_world.cur}&sector=CF").get_data(as_text=True)
    body = html.split('id="speed-table"', 1)[1]
    assert len(re.findall(r"<tr data-code=", body)) == 3  # A, C and the total


def test_dashboard_charts_link_into_the_explorer(cube_world):
    import json
    from html import unescape

    c = cube_world.app.test_client()
    login(c, "supervisor@nfra.test.cn", PASSWORD)
    html = c.get(f"/findings/dashboard?period={cube_world.cur}").get_data(as_text=True)
    assert 'id="dashboard-charts"' in html and 'id="to-explorer"' in html
    spec = json.loads(unescape(re.search(r"id=\"chart-complaints\"[^>]*data-chart='([^']*)'", html).group(1)))
    assert spec["type"] == "stacked"
    a, cc = cube_world.filings["a", cube_world.cur], cube_world.filings["c", cube_world.cur]
    want = sum(1 for f in (a, cc) for r in f.rows if r["received_date"] >= f.period.start)
    got = sum(sum(s["data"]) for s in spec["series"])
    # NFRA's scope: the CF institutions A and C, plus any shared PAY institution
    assert got >= want
    table = html.split('id="sector-complaints"', 1)[1].split("</table>", 1)[0]
    assert f">{want}<" in table
    reporting = json.loads(unescape(re.search(r"id=\"chart-reporting\"[^>]*data-chart='([^']*)'", html).group(1)))
    assert cube_world.cur in reporting["periods"]
