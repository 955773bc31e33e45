"""§8 metrics per quarter (issue 14, trends): the series of an institution and its sector's medians
equal the §8 formulas applied again here to the generated workbooks' rows and covers, quarter by
quarter; published quarters are read from the snapshot, unpublished ones are drafts for regulators
only; filers see their own institution only — through the API and on the trends page."""

from __future__ import annotations

import csv
import io
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import openpyxl
import pytest

from reports.numbers import exact_str
from tests.conftest import PASSWORD, login

MIN_ACTIVE = 10_000  # §8 default MIN_ACTIVE_CUSTOMERS


def league_metrics(f) -> dict[str, Fraction | int | None]:
    """§8 metrics of one generated CMP filing, without DSC (disclosure score 0)."""
    start = f.period.start
    rec = [r for r in f.rows if r["received_date"] >= start]
    closed = [r for r in f.rows if r["status"] == "CLOSED"]
    opening = len(f.rows) - len(rec)
    cust = int(f.cover["active_customers"])
    vol = Fraction(str(f.cover["business_volume"]))
    deadline = {"NONE": 15, "EXT30": 30, "EXT60": 60}

    def pct(n, d):
        return Fraction(n * 100, d) if d else None

    return {
        "received": len(rec),
        "per_10k_customers": Fraction(len(rec) * 10000, cust) if cust else None,
        "per_100m_volume": Fraction(len(rec)) / vol if vol else None,
        "on_time_rate": pct(sum((r["closed_date"] - r["received_date"]).days <= deadline[r["extension"] or "NONE"]
                                for r in closed), len(closed)),
        "closure_rate": pct(len(closed), opening + len(rec)),
        "favourable_rate": pct(sum(r["outcome"] in ("UPHELD", "PARTIAL", "SETTLED") for r in closed), len(closed)),
        "escalation_rate": pct(sum(bool(r["escalated"]) for r in closed), len(closed)),
        "regulator_per_10k": Fraction(sum(r["source"] == "REGULATOR" for r in rec) * 10000, cust) if cust else None,
        "disclosure_score": 0,
    }


def half_up(v, places: int) -> str | None:
    """§8 display: half-up to ``places`` decimals."""
    if v is None:
        return None
    d = Decimal(v.numerator) / Decimal(v.denominator) if isinstance(v, Fraction) else Decimal(v)
    return str(d.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def sector_median(values: list) -> Fraction | None:
    s = sorted(Fraction(v) for v in values if v is not None)
    if not s:
        return None
    m = len(s) // 2
    return s[m] if len(s) % 2 else (s[m - 1] + s[m]) / 2


@pytest.fixture(scope="module")
def published(cube_world):
    """P−1 published as the console operator (the others stay drafts)."""
    with cube_world.app.app_context():
        from sqlalchemy import select

        from supervision.extensions import db
        from supervision.league.services import publish
        from supervision.periods.models import Period

        snap = publish(None, db.session.scalar(select(Period).where(Period.code == cube_world.prev)))
        db.session.commit()
        number = snap.number
        db.session.remove()
    return number


@pytest.fixture()
def api(cube_world):
    from tests.api.helpers import bearer, token_for

    def get(who, **params):
        with cube_world.app.app_context():
            from supervision.extensions import db

            secret = token_for(db.session.merge(getattr(cube_world.world.users, who)), "read")
            db.session.commit()
        return cube_world.app.test_client().get("/api/v1/analytics/league-series", query_string=params,
                                                headers=bearer(secret))
    return get


def _quarters(cw):
    return [q for q in (cw.yoy, cw.prev, cw.cur)]


def test_institution_series_equals_the_formulas(cube_world, published, api):
    cw = cube_world
    body = api("analyst_nfra", period=cw.cur, institution=cw.codes["a"], quarters=5).get_json()
    assert body["kind"] == "institution" and body["code"] == cw.codes["a"]
    points = {p["period"]: p for p in body["points"]}
    assert sorted(points) == _quarters(cw)
    assert points[cw.prev]["snapshot"] == published
    assert points[cw.cur]["snapshot"] is None and points[cw.yoy]["snapshot"] is None
    for q in _quarters(cw):
        want = league_metrics(cw.filings["a", q])
        for metric, w in want.items():
            got = points[q]["metrics"][metric]
            assert got["value"] == (None if w is None else exact_str(w)), (q, metric)
            assert got["display"] == half_up(w, 0 if metric == "received" else 2), (q, metric)
        assert points[q]["metrics"]["txn_bp"]["value"] is None  # PAY only


def test_sector_medians_equal_the_formulas(cube_world, published, api):
    cw = cube_world
    body = api("supervisor", period=cw.cur, sector="CF", quarters=5).get_json()
    points = {p["period"]: p for p in body["points"]}
    seen = 0
    for q in _quarters(cw):
        ranked = [league_metrics(cw.filings[k, q]) for k in ("a", "c")
                  if (k, q) in cw.filings and int(cw.filings[k, q].cover["active_customers"]) >= MIN_ACTIVE]
        seen += len(ranked)
        for metric in ("received", "per_10k_customers", "on_time_rate", "favourable_rate", "closure_rate"):
            want = sector_median([m[metric] for m in ranked])
            assert points[q]["metrics"][metric]["display"] == half_up(want, 1 if metric == "received" else 2), \
                (q, metric)
    assert seen, "the generated institutions should include ranked ones"
    with_inst = api("supervisor", period=cw.cur, institution=cw.codes["c"], quarters=5).get_json()
    assert [p["metrics"] for p in with_inst["sector_medians"]] == [p["metrics"] for p in body["points"]]


def test_a_filer_sees_its_own_published_quarters_only(cube_world, published, api):
    cw = cube_world
    body = api("filer_a", period=cw.cur, quarters=5, institution=cw.codes["a"]).get_json()
    assert [p["period"] for p in body["points"]] == [cw.prev]  # drafts are for regulators
    assert [p["period"] for p in body["sector_medians"]] == [cw.prev]
    assert api("filer_a", period=cw.cur, institution=cw.codes["c"]).status_code == 404
    assert api("filer_a", period=cw.cur, sector="PAY").status_code == 404
    own = api("filer_a", period=cw.cur).get_json()
    assert own["kind"] == "sector" and own["code"] == cw.sectors["a"]


def test_trends_page_shows_the_series(cube_world, published):
    cw = cube_world
    c = cw.app.test_client()
    login(c, "analyst@nfra.test.cn", PASSWORD)
    html = c.get(f"/analytics/trends/league?period={cw.cur}&institution={cw.codes['a']}").get_data(as_text=True)
    assert 'id="league-series-chart"' in html and 'id="league-series-table"' in html
    want = league_metrics(cw.filings["a", cw.cur])
    assert f">{half_up(want['per_10k_customers'], 2)}<" in html
    assert "per_10k_customers" not in html.split('id="league-series-table"', 1)[1].split("</table>")[0]
    resp = c.get(f"/analytics/trends/league.csv?period={cw.cur}&institution={cw.codes['a']}")
    assert resp.status_code == 200
    text = resp.get_data().decode("utf-8-sig")
    assert half_up(want["per_10k_customers"], 2) in text and cw.cur in text
    resp = c.get(f"/analytics/trends/league.xlsx?period={cw.cur}&institution={cw.codes['a']}")
    sheet = openpyxl.load_workbook(io.BytesIO(resp.get_data())).active
    cells = [[c.value for c in row] for row in sheet.iter_rows()]
    assert [str(v) if v is not None else "" for v in cells[0]] == next(csv.reader(io.StringIO(text)))
    assert len(cells) == text.count("\n")  # the same rows as the CSV
    assert not any(isinstance(v, str) and v.startswith("=") for row in cells for v in row)
    f = cw.app.test_client()
    login(f, "filer-a@test.cn", PASSWORD)
    assert f.get(f"/analytics/trends/league?period={cw.cur}&institution={cw.codes['c']}").status_code == 404
    html = f.get(f"/analytics/trends/league?period={cw.cur}").get_data(as_text=True)
    assert cw.codes["c"] not in html
