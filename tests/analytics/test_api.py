"""The analytics API (issue 14) against the generated workbooks' rows, computed independently
(tests/analytics/independent.py), on both databases: the explorer view, the drill-down pages,
trends, fastest growing, handling speed; scope (a filer never reaches another institution's rows);
the page's validation as 400s in the API's error shape."""

from __future__ import annotations

from fractions import Fraction

import pytest

from reports.numbers import exact_str
from tests.analytics.independent import breakdown, median, p90, value


@pytest.fixture()
def api(cube_world):
    """``get(user attribute, path, **params)`` → response, with a read token of that user."""
    from tests.api.helpers import bearer, token_for

    app, tokens = cube_world.app, {}

    def get(who, path, **params):
        if who not in tokens:
            with app.app_context():
                from supervision.extensions import db

                user = db.session.merge(getattr(cube_world.world.users, who))
                tokens[who] = token_for(user, "read")
                db.session.commit()
        return app.test_client().get(f"/api/v1/analytics{path}", query_string=params,
                                     headers=bearer(tokens[who]))
    return get


def _exact(v):
    return None if v is None else exact_str(v)


def test_view_equals_the_independent_breakdown(cube_world, api):
    cw = cube_world
    resp = api("analyst_nfra", "/view", period=cw.cur, rows="province", cols="business_category", sector="CF")
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    want = breakdown([cw.filings["a", cw.cur], cw.filings["c", cw.cur]], "province", "business_category")
    got = {(c["row"], c["col"]): c for c in body["cells"]}
    assert set(got) == set(want)
    for key, w in want.items():
        cell = got[key]
        for m in ("received", "closed", "on_time", "favourable", "escalated"):
            assert cell[m] == w[m], (key, m)
        assert cell["amount_sum"] == exact_str(w["amount_sum"]) and cell["redress_sum"] == exact_str(w["redress_sum"])
        assert cell["median_days"] == _exact(w["median_days"]) and cell["p90_days"] == _exact(w["p90_days"])
        assert cell["on_time_rate"] == _exact(Fraction(w["on_time"] * 100, w["closed"]) if w["closed"] else None)
    assert body["total"]["received"] == sum(w["received"] for w in want.values())
    assert body["institutions"] == 2 and body["benchmark"] is None


def test_qoq_against_the_previous_quarter(cube_world, api):
    cw = cube_world
    body = api("supervisor", "/view", period=cw.cur, rows="cause", sector="CF").get_json()
    now = breakdown([cw.filings["a", cw.cur], cw.filings["c", cw.cur]], "cause", None)
    before = breakdown([cw.filings["a", cw.prev], cw.filings["c", cw.prev]], "cause", None)
    for cell in body["cells"]:
        n, p = now[(cell["row"], None)]["received"], before.get((cell["row"], None), {}).get("received", 0)
        assert cell["qoq"] == (n - p if p else None)
        assert cell["qoq_pct"] == (_exact(Fraction(n - p, p) * 100) if p else None)


def test_drill_down_pages_reach_exactly_the_cell_rows(cube_world, api):
    cw = cube_world
    f = cw.filings["a", cw.cur]
    counts: dict[str, int] = {}
    for r in f.rows:
        if r["received_date"] >= f.period.start:
            counts[value(r, "cause", None)] = counts.get(value(r, "cause", None), 0) + 1
    cause, n = max(counts.items(), key=lambda kv: kv[1])
    ids, cursor = [], None
    while True:
        params = {"period": cw.cur, "rows": "cause", "inst": cw.codes["a"], "row": cause, "limit": 7}
        if cursor:
            params["cursor"] = cursor
        body = api("analyst_nfra", "/view/rows", **params).get_json()
        assert body["total"] == n
        ids += [r["complaint_id"] for r in body["items"]]
        assert all(r["institution_code"] == cw.codes["a"] and r["cause"] == cause for r in body["items"])
        cursor = body["next_cursor"]
        if not cursor:
            break
    want = sorted(r["complaint_id"] for r in f.rows if r["received_date"] >= f.period.start
                  and value(r, "cause", None) == cause)
    assert sorted(ids) == want


def test_a_filer_reaches_only_its_own_institution(cube_world, api):
    cw = cube_world
    with cw.app.app_context():
        from supervision.extensions import db
        from supervision.orgs.models import Institution

        own = db.session.get(Institution, cw.world.users.filer_a.institution_id).code
    assert own == cw.codes["a"]
    body = api("filer_a", "/view", period=cw.cur, rows="institution").get_json()
    assert {c["row"] for c in body["cells"]} == {own}
    body = api("filer_a", "/view", period=cw.cur, rows="business_category").get_json()
    assert body["benchmark"]["sector"] == cw.sectors["a"] and body["benchmark"]["institutions"] == 2
    for other in ("b", "c"):  # by any parameter: inst, sector, drill-down
        body = api("filer_a", "/view", period=cw.cur, rows="institution", inst=cw.codes[other],
                   sector=cw.sectors[other]).get_json()
        assert body["cells"] == []
        rows = api("filer_a", "/view/rows", period=cw.cur, rows="institution", row=cw.codes[other]).get_json()
        assert rows["total"] == 0 and rows["items"] == []
        assert api("filer_a", "/league-series", period=cw.cur, institution=cw.codes[other]).status_code == 404
    speed = api("filer_a", "/speed", period=cw.cur).get_json()
    assert {r["code"] for r in speed["rows"]} == {own, None}
    growth = api("filer_a", "/growth", period=cw.cur).get_json()
    assert {g["code"] for g in growth["lists"]["institution"]} <= {own}


def test_pboc_analyst_does_not_see_cf(cube_world, api):
    cw = cube_world
    body = api("analyst_pboc", "/view", period=cw.cur, rows="institution").get_json()
    assert {c["row"] for c in body["cells"]} == {cw.codes["b"]}
    assert api("analyst_pboc", "/league-series", period=cw.cur, institution=cw.codes["a"]).status_code == 404
    assert api("analyst_pboc", "/league-series", period=cw.cur, sector="CF").status_code == 404


@pytest.mark.parametrize("params, status", [
    ({"rows": "nonsense"}, 400), ({"rows": "cause", "cols": "cause"}, 400),
    ({"rows": "cause", "cols": "province", "f_channel": "ONL"}, 400), ({"period": "2024Q9"}, 400),
    ({"period": "2021Q1"}, 404), ({"limit": "x"}, 422)])
def test_bad_views_are_refused_in_the_error_shape(cube_world, api, params, status):
    path = "/view/rows" if "limit" in params else "/view"
    resp = api("analyst_nfra", path, **{"period": cube_world.cur, **params})
    assert resp.status_code == status
    body = resp.get_json()
    assert set(body) == {"code", "message", "message_zh", "errors"}
    if status == 400:
        assert body["message_zh"] != body["message"] and body["message_zh"]


def test_speed_and_growth_equal_the_independent_computation(cube_world, api):
    cw = cube_world
    body = api("supervisor", "/speed", period=cw.cur, sector="CF").get_json()
    rows = {r["code"]: r for r in body["rows"]}
    for key in ("a", "c"):
        closed = [r for r in cw.filings[key, cw.cur].rows if r["status"] == "CLOSED"]
        days = [(r["closed_date"] - r["received_date"]).days for r in closed]
        got = rows[cw.codes[key]]
        assert got["closed"] == len(closed)
        assert got["median_days"] == _exact(median(days)) and got["p90_days"] == _exact(p90(days))
        for bucket, n in got["buckets"].items():
            assert n == sum(1 for r in closed if value(r, "handling", None) == bucket)
    growth = api("supervisor", "/growth", period=cw.cur, sector="CF").get_json()
    now = breakdown([cw.filings["a", cw.cur], cw.filings["c", cw.cur]], "cause", None)
    for g in growth["lists"]["cause"]:
        assert g["received"] == now[(g["code"], None)]["received"]
        assert g["received"] >= growth["min_now"] and g["previous"] >= growth["min_before"]


def test_trends_series_per_quarter(cube_world, api):
    cw = cube_world
    body = api("supervisor", "/trends", period=cw.cur, quarters=5, sector="CF").get_json()
    assert body["rows_dim"] == "period" and body["periods"][0] == cw.yoy and body["periods"][-1] == cw.cur
    per_q = {r["row"]: r["received"] for r in body["row_totals"]}
    for q in (cw.yoy, cw.prev, cw.cur):
        fs = [f for (k, code), f in cw.filings.items() if code == q and k in ("a", "c")]
        assert per_q[q] == sum(sum(1 for r in f.rows if r["received_date"] >= f.period.start) for f in fs)


@pytest.mark.parametrize("path", ["/trends", "/growth", "/speed", "/disclosures", "/league-series"])
def test_a_malformed_period_is_a_400_everywhere(cube_world, api, path):
    resp = api("supervisor", path, period="ëâ", sector="CF")
    assert resp.status_code == 400 and resp.get_json()["message_zh"] == "期间代码无效"


def test_the_pages_refuse_a_malformed_period_too(cube_world):
    from tests.conftest import PASSWORD, login

    c = cube_world.app.test_client()
    login(c, "supervisor@nfra.test.cn", PASSWORD)
    for page in ("trends", "speed", "trends/league"):
        assert c.get(f"/analytics/{page}?period=xx").status_code == 400, page


@pytest.mark.parametrize("path, params", [
    ("/trends", {"quarters": 21}), ("/trends", {"quarters": 0}), ("/view/rows", {"limit": 201}),
    ("/speed", {"by": "province"}), ("/league-series", {"quarters": 99, "sector": "CF"})])
def test_out_of_range_arguments_are_422(cube_world, api, path, params):
    resp = api("supervisor", path, period=cube_world.cur, **params)
    assert resp.status_code == 422 and resp.get_json()["errors"][0]["field"] in params


@pytest.mark.parametrize("path", ["/view", "/trends", "/growth", "/league-series"])
def test_the_calendars_first_quarter_has_no_earlier_one(cube_world, api, path):
    """2000Q1 has no P−1 or P−4 in the calendar: no change, no growth, a shorter series — not a 500."""
    resp = api("supervisor", path, period="2000Q1", sector="CF", quarters=8)
    assert resp.status_code == 404  # the period is not stored: not found, with the error shape
    assert set(resp.get_json()) == {"code", "message", "message_zh", "errors"}
