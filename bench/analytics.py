"""Benchmark of the complaint analytics (spec §10.1, issue 14). Figures are printed, not asserted.

1. **Explorer queries.** A synthetic world of N institutions × Q quarters (the league benchmark's
   loader, :func:`bench.league.load`: institutions, periods, accepted CMP/DSC versions, covers, §4.4
   figures) plus, per CMP version, the cube at the grains the measured views read — the total, each
   of business category and province, and the pair (business category, province) — with a days
   histogram per cell (3 distinct values on average). Then, for the latest quarter: the explorer
   view ``province × business_category`` for one sector with QoQ and YoY (three cube reads) through
   :func:`supervision.analytics.queries.read_view`, the same page through the Flask test client as a
   supervisor, its CSV download, and a ``business_category`` list view of all sectors. Target: median
   under 300 ms on PostgreSQL.
2. **Cube derivation from stored rows** (the backfill path: ``supervision analytics backfill``).
   200,000 complaint rows (the ingest benchmark's generator) stored as one version, then
   :func:`supervision.analytics.services.derive_cube` timed (all 56 grains, cells and days) reading
   them back, beside the §4.4 set-based figures :func:`supervision.filings.pipeline.derive_figures`
   on the same rows. With ``--ingest-seconds S`` it prints that time as a share of ``S``
   (``backfill_share_of_ingest``). The ingest itself derives the cube from its spool, without
   reading the rows back: its own share (issue 14's target, under 10 %) is ``cube_share_of_ingest``
   of ``bench/ingest.py``, measured inside the ingest.

Usage::

    .venv/bin/python bench/analytics.py --institutions 5000 --quarters 8 --json
    .venv/bin/python bench/analytics.py --institutions 500 --quarters 8 --backend sqlite --rows 20000

With ``--json`` it prints, per backend, ``{"backend", "institutions", "quarters", "cube_cells",
"read_view_ms", "page_ms", "csv_ms", "list_view_ms", "derive_rows", "derive_cube_s",
"derive_figures_s", "backfill_share_of_ingest"}``.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import random
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _module(name: str):
    spec = importlib.util.spec_from_file_location(f"bench_{name}", ROOT / "bench" / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


league = _module("league")
ingest = _module("ingest")
league.PG_DB = "sv_u9_bench_analytics"
league.PG_URI = f"postgresql+psycopg://postgres@127.0.0.1:5432/{league.PG_DB}"
PROVINCES = ("11", "31", "44", "33", "32", "51", "42", "37", "35", "43", "41", "13", "61", "50", "99")


def _copy_or_insert(table, rows: list[dict]) -> None:
    """COPY on PostgreSQL (fast bulk load), Core executemany on SQLite."""
    from supervision.extensions import db

    if not rows:
        return
    if db.engine.dialect.name != "postgresql":
        league.insert_many(table, rows)
        return
    cols = list(rows[0])
    raw = db.session.connection().connection.driver_connection
    with raw.cursor() as cur, cur.copy(f"COPY {table.name} ({', '.join(cols)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([row[c] for c in cols])


def load_cube(seed: int = 11) -> int:
    """Cube cells (total, category, province, category × province) and days for every CMP version."""
    from sqlalchemy import select

    from supervision.analytics.models import CubeCell, CubeDays
    from supervision.extensions import db
    from supervision.filings.content_models import DerivedFigures

    r = random.Random(seed)
    figures = db.session.execute(select(DerivedFigures).where(DerivedFigures.business_category.is_not(None))).scalars()
    by_version: dict[int, list] = {}
    for f in figures:
        by_version.setdefault(f.version_id, []).append(f)
    cells, days, n = [], [], 0

    def cell(vid, iid, pid, a, va, b, vb, rec, clo):
        on_time = int(clo * 0.92)
        cells.append({"version_id": vid, "institution_id": iid, "period_id": pid, "dim_a": a, "val_a": va,
                      "dim_b": b, "val_b": vb, "received": rec, "closed": clo, "on_time": on_time,
                      "favourable": int(clo * 0.6), "escalated": int(clo * 0.03), "extended": int(clo * 0.1),
                      "amount_sum": Decimal(rec * 1234), "redress_sum": Decimal(clo * 56)})
        left = clo
        for d in (r.randint(0, 3), r.randint(4, 15), r.randint(16, 60)):
            take = left if d > 15 else int(left * r.uniform(0.4, 0.8))
            if take > 0:
                days.append({"version_id": vid, "dim_a": a, "val_a": va, "dim_b": b, "val_b": vb, "days": d,
                             "closed_rows": take})
                left -= take

    for vid, figs in by_version.items():
        iid, pid = figs[0].institution_id, figs[0].period_id
        provs = r.sample(PROVINCES, r.randint(3, 8))
        tot_r = tot_c = 0
        prov_tot = {p: [0, 0] for p in provs}
        for f in figs:
            weights = [r.random() for _ in provs]
            cat_r = cat_c = 0
            for p, w in zip(provs, weights, strict=True):
                rec, clo = int(f.received * w / sum(weights)), int(f.closed * w / sum(weights))
                if rec or clo:
                    cell(vid, iid, pid, "business_category", f.business_category, "province", p, rec, clo)
                    prov_tot[p][0] += rec
                    prov_tot[p][1] += clo
                    cat_r += rec
                    cat_c += clo
            cell(vid, iid, pid, "business_category", f.business_category, "", "", cat_r, cat_c)
            tot_r += cat_r
            tot_c += cat_c
        for p, (rec, clo) in prov_tot.items():
            if rec or clo:
                cell(vid, iid, pid, "province", p, "", "", rec, clo)
        cell(vid, iid, pid, "", "", "", "", tot_r, tot_c)
        if len(cells) > 200_000:
            n += len(cells)
            _copy_or_insert(CubeCell.__table__, cells)
            _copy_or_insert(CubeDays.__table__, days)
            cells, days = [], []
    n += len(cells)
    _copy_or_insert(CubeCell.__table__, cells)
    _copy_or_insert(CubeDays.__table__, days)
    db.session.commit()
    return n


def derive_bench(n_rows: int) -> dict:
    """Store ``n_rows`` complaint rows as one version and time the cube and the §4.4 figures."""
    from sqlalchemy import select, text

    from supervision.analytics.services import delete_cube, derive_cube
    from supervision.extensions import db
    from supervision.filings.content_models import ComplaintRow, DerivedFigures
    from supervision.filings.models import FilingVersion
    from supervision.filings.pipeline import derive_figures
    from supervision.periods.models import Period

    period = db.session.scalar(select(Period).order_by(Period.code.desc()).limit(1))
    version = db.session.scalar(select(FilingVersion).limit(1))
    inst_id, period_id = version.filing.institution_id, version.filing.period_id
    deadlines = {"NONE": 15, "EXT30": 30, "EXT60": 60}
    rows = []
    for i, row in enumerate(ingest.detail_rows(n_rows, period.start_date, period.end_date)):
        closed = row["closed_date"]
        days = (closed - row["received_date"]).days if closed else None
        dl = deadlines[row["extension"] or "NONE"]
        rows.append({**row, "version_id": version.id, "institution_id": inst_id, "period_id": period_id,
                     "row_no": i + 2, "escalated": None if row["escalated"] is None else row["escalated"] == "是",
                     "amount": None if row["amount"] is None else Decimal(str(row["amount"])),
                     "redress": None if row["redress"] is None else Decimal(str(row["redress"])),
                     "carried_over": row["received_date"] < period.start_date, "days_to_close": days,
                     "deadline": dl, "on_time": None if days is None else days <= dl})
    db.session.execute(text("DELETE FROM complaint_row WHERE version_id = :v"), {"v": version.id})
    _copy_or_insert(ComplaintRow.__table__, rows)
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("ANALYZE complaint_row"))
        db.session.commit()
    out = {}
    delete_cube(version.id)
    db.session.commit()
    t = time.perf_counter()
    derive_cube(version.id, inst_id, period_id)
    db.session.commit()
    out["derive_cube_s"] = round(time.perf_counter() - t, 3)
    db.session.execute(DerivedFigures.__table__.delete().where(DerivedFigures.version_id == version.id))
    t = time.perf_counter()
    derive_figures(version)
    db.session.commit()
    out["derive_figures_s"] = round(time.perf_counter() - t, 3)
    out["derive_rows"] = db.session.scalar(select(text("count(*)")).select_from(ComplaintRow)
                                           .where(ComplaintRow.version_id == version.id))
    return out


def run(backend: str, n: int, quarters: int, rows: int, ingest_seconds: float | None) -> dict:
    """Load, then time the views and the derivation on one backend."""
    from supervision.analytics.queries import View, read_view
    from supervision.extensions import db
    from supervision.periods.models import Period

    league.PERIODS = league.ALL_PERIODS[-quarters:]
    out: dict = {"backend": backend, "institutions": n, "quarters": quarters}
    with tempfile.TemporaryDirectory() as tmp:
        app = league.make_app(backend, Path(tmp))
        with app.app_context():
            t = time.perf_counter()
            league.load(n)
            db.session.commit()
            out["cube_cells"] = load_cube()
            out["load_s"] = round(time.perf_counter() - t, 1)
            if backend == "postgresql":
                from sqlalchemy import text

                db.session.execute(text("ANALYZE"))
                db.session.commit()
            latest = db.session.query(Period.code).order_by(Period.code.desc()).first()[0]
            view = View(period=latest, rows="province", cols="business_category", sector="CF")
            times = []
            for _ in range(6):
                t = time.perf_counter()
                res = read_view(view, None)
                times.append((time.perf_counter() - t) * 1000)
                db.session.rollback()
            out["read_view_ms"] = round(statistics.median(times[1:]), 1)
            out["read_view_cells"] = len(res.cells)
            times = []
            for _ in range(6):
                t = time.perf_counter()
                read_view(View(period=latest, rows="business_category"), None)
                times.append((time.perf_counter() - t) * 1000)
            out["list_view_ms"] = round(statistics.median(times[1:]), 1)
            emails = league.users(app)
        client = app.test_client()
        league.login(client, emails["supervisor"])
        url = f"/analytics/?period={latest}&rows=province&cols=business_category&sector=CF"
        ms, status, _size = league.page_ms(client, url)
        out["page_ms"], out["page_status"] = round(ms, 1), status
        ms, status, _size = league.page_ms(client, url.replace("/analytics/?", "/analytics/view.csv?"))
        out["csv_ms"] = round(ms, 1)
        with app.app_context():
            out.update(derive_bench(rows))
            if ingest_seconds:
                out["backfill_share_of_ingest"] = round(out["derive_cube_s"] / ingest_seconds, 3)
            db.session.remove()
            db.engine.dispose()
    if backend == "postgresql":
        league.drop_pg()
    return out


def main() -> None:
    """Parse the arguments, run each backend, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--institutions", type=int, default=5000)
    parser.add_argument("--quarters", type=int, default=8)
    parser.add_argument("--rows", type=int, default=200_000, help="complaint rows of the derivation benchmark")
    parser.add_argument("--backend", "--backends", dest="backends", default="postgresql")
    parser.add_argument("--ingest-seconds", type=float, default=None,
                        help="end_to_end_s of bench/ingest.py for the same rows and backend")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    for backend in args.backends.split(","):
        out = run(backend.strip(), args.institutions, min(args.quarters, len(league.ALL_PERIODS)), args.rows,
                  args.ingest_seconds)
        print(json.dumps(out) if args.json else "\n".join(f"{k}: {v}" for k, v in out.items()), flush=True)


if __name__ == "__main__":
    main()

