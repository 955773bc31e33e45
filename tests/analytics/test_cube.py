"""The complaint cube (spec §10.1): totals equal the §4.4 figures of every version for every
dimension and pair; views equal breakdowns computed independently from the generated workbooks'
rows; the cube follows the version that counts; the drill-down lists exactly the rows counted."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from sqlalchemy import func, select

from supervision.analytics.dims import ROW_DIMS, grains
from supervision.analytics.measures import histogram_median, histogram_p90
from supervision.analytics.models import CubeCell, CubeDays
from supervision.analytics.queries import View, cell_rows, read_view
from supervision.extensions import db
from supervision.filings.content_models import DerivedFigures
from tests.analytics.independent import breakdown, cube_snapshot

FIGURES = ("received", "closed", "on_time", "favourable", "escalated")


@pytest.fixture()
def cw(cube_world):
    with cube_world.app.app_context():
        yield cube_world
        db.session.remove()


def _figures(version_id: int, category=None) -> dict:
    d = db.session.scalar(select(DerivedFigures).where(DerivedFigures.version_id == version_id,
                                                      DerivedFigures.business_category.is_(None) if category is None
                                                      else DerivedFigures.business_category == category))
    return {k: getattr(d, k) for k in FIGURES}


@pytest.mark.parametrize("dim", ROW_DIMS)
def test_cube_totals_equal_derived_figures(cw, dim):
    """One identity per dimension: summed over the dimension's values (alone and in every pair),
    the cube's counts are the version's DerivedFigures."""
    for vid in cw.versions.values():
        want = _figures(vid)
        for a, b in grains():
            if dim not in (a, b):
                continue
            got = db.session.execute(select(*[func.sum(getattr(CubeCell, k)) for k in FIGURES])
                                     .where(CubeCell.version_id == vid, CubeCell.dim_a == a, CubeCell.dim_b == b)).one()
            assert dict(zip(FIGURES, got, strict=True)) == want, (vid, a, b)
            closed = db.session.scalar(select(func.sum(CubeDays.closed_rows)).where(
                CubeDays.version_id == vid, CubeDays.dim_a == a, CubeDays.dim_b == b))
            assert closed == want["closed"]


def test_category_cells_equal_derived_figures_per_category(cw):
    for vid in cw.versions.values():
        cells = db.session.scalars(select(CubeCell).where(CubeCell.version_id == vid,
                                                          CubeCell.dim_a == "business_category",
                                                          CubeCell.dim_b == "")).all()
        assert cells
        for c in cells:
            assert {k: getattr(c, k) for k in FIGURES} == _figures(vid, c.val_a)


def _cur_filings(cw, keys=("a", "b", "c")):
    return [cw.filings[k, cw.cur] for k in keys if (k, cw.cur) in cw.filings]


@pytest.mark.parametrize("rows,cols", [("province", "business_category"), ("cause", None),
                                       ("handling", "extension"), ("customer_group", "outcome")])
def test_view_equals_independent_breakdown(cw, rows, cols):
    want = breakdown(_cur_filings(cw), rows, cols)
    res = read_view(View(period=cw.cur, rows=rows, cols=cols), None)
    got = {k: v for k, v in res.cells.items()}
    assert set(got) == set(want)
    for key, w in want.items():
        g = got[key]
        for m in ("received", "closed", "on_time", "favourable", "escalated", "median_days", "p90_days"):
            assert g[m] == w[m], (key, m, g[m], w[m])
        assert Decimal(g["amount_sum"]) == w["amount_sum"] and Decimal(g["redress_sum"]) == w["redress_sum"]
    total = sum(w["received"] for w in want.values())
    for key, g in got.items():
        assert g["share"] == (Fraction(want[key]["received"] * 100, total) if total else None)


def test_sector_and_institution_rows_with_qoq_yoy(cw):
    res = read_view(View(period=cw.cur, rows="institution", cols=None, sector=cw.sectors["a"]), None)
    assert set(res.row_values) == {cw.codes["a"], cw.codes["c"]}
    for key in ("a", "c"):
        now = breakdown([cw.filings[key, cw.cur]], "institution", None, {0: cw.codes[key]})
        before = breakdown([cw.filings[key, cw.prev]], "institution", None, {0: cw.codes[key]})
        n, p = now[cw.codes[key], None]["received"], before[cw.codes[key], None]["received"]
        cell = res.cells[cw.codes[key], None]
        assert cell["received"] == n
        assert cell["qoq"] == n - p and cell["qoq_pct"] == Fraction(n - p, p) * 100
    ya = breakdown([cw.filings["a", cw.yoy]], "institution", None, {0: cw.codes["a"]})[cw.codes["a"], None]
    cell = res.cells[cw.codes["a"], None]
    assert cell["yoy"] == cell["received"] - ya["received"]
    assert res.cells[cw.codes["c"], None]["yoy"] is None  # no filing a year before: empty, never 0
    # per 10k customers of one institution: its own active customers
    from supervision.filings.content_models import CoverFigures

    ac = db.session.scalar(select(CoverFigures.active_customers).where(
        CoverFigures.version_id == cw.versions["a", cw.cur]))
    assert cell["per_10k_customers"] == Fraction(cell["received"] * 10_000, ac)


def test_drill_down_lists_exactly_the_rows_of_a_cell(cw):
    view = View(period=cw.cur, rows="province", cols="business_category")
    res = read_view(view, None)
    (row, col), cell = max(res.cells.items(), key=lambda kv: kv[1]["received"])
    page = cell_rows(view, None, row=row, col=col, row_set="received", per_page=10)
    assert page.total == cell["received"] and len(page.rows) == min(10, cell["received"])
    assert all(r.province == row and r.business_category == col and not r.carried_over for r in page.rows)
    closed = cell_rows(view, None, row=row, col=col, row_set="closed", per_page=1000)
    assert closed.total == cell["closed"]
    days = {}
    for r in closed.rows:
        days[r.days_to_close] = days.get(r.days_to_close, 0) + 1
    assert histogram_median(days) == cell["median_days"] and histogram_p90(days) == cell["p90_days"]


def test_scope_limits_the_view(cw):
    from supervision.accounts.models import User
    from supervision.scope import institution_condition

    filer = db.session.scalar(select(User).where(User.email == "filer-a@test.cn"))
    res = read_view(View(period=cw.cur, rows="institution"), institution_condition(filer, "filings"))
    assert res.row_values == [cw.codes["a"]]
    page = cell_rows(View(period=cw.cur, rows="institution"), institution_condition(filer, "filings"),
                     row=cw.codes["b"], col=None)
    assert page.total == 0


def test_three_complaint_dimensions_are_refused(cw):
    from supervision.analytics.queries import ViewError

    with pytest.raises(ViewError):
        read_view(View(period=cw.cur, rows="province", cols="cause", filters={"channel": ["A05"]}), None)


def test_cli_prints_the_independent_breakdown(cw):
    import json

    from reports.numbers import exact_str

    runner = cw.app.test_cli_runner()
    out = runner.invoke(args=["analytics", "--period", cw.cur, "--rows", "province", "--cols", "business_category",
                              "--sector", cw.sectors["a"], "--format", "json"])
    assert out.exit_code == 0, out.output
    body = json.loads(out.output)
    assert (body["period"], body["rows_dim"], body["cols_dim"]) == (cw.cur, "province", "business_category")
    want = breakdown(_cur_filings(cw, ("a", "c")), "province", "business_category")
    got = {(c["row"], c["col"]): c for c in body["cells"]}
    assert set(got) == set(want)
    for key, w in want.items():
        g = got[key]
        assert set(g) == {"row", "col", "received", "closed", "on_time", "favourable", "escalated", "amount_sum",
                          "redress_sum", "median_days", "p90_days", "qoq", "qoq_pct", "yoy", "yoy_pct"}
        for m in ("received", "closed", "on_time", "favourable", "escalated"):
            assert g[m] == w[m] and isinstance(g[m], int)
        assert g["median_days"] == exact_str(w["median_days"]) and g["p90_days"] == exact_str(w["p90_days"])
        assert Decimal(g["amount_sum"]) == w["amount_sum"] and Decimal(g["redress_sum"]) == w["redress_sum"]
    prev = breakdown([cw.filings[k, cw.prev] for k in ("a", "c")], "province", "business_category")
    for key, g in got.items():
        before = prev.get(key, {}).get("received", 0) if prev else None
        if before:
            assert g["qoq"] == g["received"] - before
            assert g["qoq_pct"] == exact_str(Fraction(g["received"] - before, before) * 100)
        else:
            assert g["qoq"] is None and g["qoq_pct"] is None
    bad = runner.invoke(args=["analytics", "--period", cw.cur, "--rows", "nonsense"])
    assert bad.exit_code == 2 and "unknown dimension" in bad.output


def test_backfill_derives_the_same_cube(cw):
    from supervision.analytics.services import backfill, delete_cube

    vid = cw.versions["b", cw.cur]
    before = sorted((c.dim_a, c.val_a, c.dim_b, c.val_b, c.received, c.closed, c.amount_sum) for c in
                    db.session.scalars(select(CubeCell).where(CubeCell.version_id == vid)))
    delete_cube(vid)
    db.session.commit()
    try:
        assert backfill() == 1
        assert backfill() == 0  # idempotent
    finally:
        from supervision.analytics.services import derive_cube

        if not db.session.scalar(select(func.count()).select_from(CubeCell).where(CubeCell.version_id == vid)):
            derive_cube(vid, *db.session.execute(select(CubeCell.institution_id, CubeCell.period_id).limit(1)).one())
        db.session.commit()
    after = sorted((c.dim_a, c.val_a, c.dim_b, c.val_b, c.received, c.closed, c.amount_sum) for c in
                   db.session.scalars(select(CubeCell).where(CubeCell.version_id == vid)))
    assert after == before and before


def test_columnar_and_sql_derivations_agree(cw):
    """The column-wise cube of ingest equals the set-based SQL reading of the same definitions."""
    from supervision.analytics.services import delete_cube, derive_cube_sql

    snapshot = cube_snapshot

    for key, vid in cw.versions.items():
        columnar = snapshot(vid)
        inst_id, period_id = db.session.execute(select(CubeCell.institution_id, CubeCell.period_id)
                                                .where(CubeCell.version_id == vid).limit(1)).one()
        delete_cube(vid)
        derive_cube_sql(vid, inst_id, period_id)
        assert snapshot(vid) == columnar and columnar[0] and columnar[1], key
        db.session.rollback()
