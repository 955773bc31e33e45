"""Benchmark of the full-text search of complaint summaries (issue 15, spec §10.2) on PostgreSQL.

Builds a throw-away database, one period, ``--institutions`` institutions (half ``CF``, half ``PAY``)
each with an accepted CMP version, and ``--rows`` complaint rows (default 5,000,000) whose summaries
are drawn from a pool of generated summaries (:mod:`supervision.demo.summaries`, ``--pool``
distinct texts) — loaded with COPY, copied to ``complaint_summary`` as the ingest does, then its
trigram GIN index (``pg_trgm``) is built. Then times
:func:`supervision.topics.queries.search_rows` (count capped at 10,000 + the first page of 50, and
page 20) for rare and frequent words, as an NFRA analyst (scoped) and for every institution.

Figures are printed, not asserted (target: < 300 ms per search on 5 M rows).

Usage: ``.venv/bin/python bench/search.py [--rows 5000000] [--institutions 200] [--pool 50000] [--keep]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_DB = "supervision_bench_search"
PG_URI = f"postgresql+psycopg://postgres@127.0.0.1:5432/{PG_DB}"
WORDS = ("暴力催收", "自动续费", "人脸识别", "征信", "退款", "客服态度生硬", "律师函", "免密支付", "不存在的词语组合")
PERIOD = "2024Q1"
CODES = {"CF": ("B14", ("C02", "C05", "C13", "C14", "C04", "C09")), "PAY": ("B11", ("C07", "C13", "C04", "C09", "C03"))}
GROUPS = ("NONE",) * 18 + ("ELDERLY", "DISABLED", "MINOR", "FOREIGN")


def recreate_pg() -> None:
    """Drop and create the benchmark database."""
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{PG_DB}"')


def drop_pg() -> None:
    """Drop the benchmark database."""
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)')


def make_app(tmp: Path):
    """A migrated app on the benchmark database with the reference data."""
    from flask_migrate import upgrade

    from supervision.app import create_app

    recreate_pg()
    app = create_app({"ENV": "testing", "TESTING": True, "INSTANCE_PATH": str(tmp), "SQLALCHEMY_DATABASE_URI": PG_URI,
                      "SECRET_KEY": "bench-" + uuid.uuid4().hex, "TASK_BACKEND": "sync"})
    with app.app_context():
        upgrade()
        from supervision.extensions import db
        from supervision.reference.services import load_reference

        load_reference(None)
        db.session.commit()
    return app


def summary_pool(n: int, seed: int) -> list[tuple[str, str, str, str]]:
    """``n`` generated (summary, category, cause, group) tuples."""
    from supervision.demo.summaries import generate_summary

    r = random.Random(seed)
    out = []
    for i in range(n):
        sector = "CF" if i % 2 else "PAY"
        category, causes = CODES[sector]
        row = {"customer_group": r.choice(GROUPS), "cause": r.choice(causes), "business_category": category,
               "channel": r.choice(("A04", "A05", "A06")), "received_date": dt.date(2024, 2, 1),
               "amount": None, "source": "DIRECT"}
        out.append((generate_summary(row, r)[0], category, row["cause"], row["customer_group"]))
    return out


def load(n_rows: int, n_inst: int, pool_size: int, seed: int) -> dict:
    """Institutions, accepted versions and ``n_rows`` complaint rows (COPY); the GIN index rebuilt."""
    from sqlalchemy import insert, select, text

    from supervision.domain.uscc import generate_uscc
    from supervision.extensions import db
    from supervision.filings.models import Filing, FilingVersion
    from supervision.orgs.models import Agency, Institution
    from supervision.periods.services import add_period
    from supervision.timeutil import utcnow

    agencies = dict(db.session.execute(select(Agency.code, Agency.id)).all())
    period = add_period(None, PERIOD)
    db.session.flush()
    insts = [{"code": generate_uscc(20_000 + i, "11"), "name": f"检索基准机构{i:04d}有限公司",
              "sector": "CF" if i % 2 else "PAY", "lead_agency_id": agencies["NFRA" if i % 2 else "PBOC"],
              "province": "11", "code_generated": True, "active": True, "active_from": "2020Q1"} for i in range(n_inst)]
    db.session.execute(insert(Institution.__table__), insts)
    ids = db.session.execute(select(Institution.id, Institution.sector).order_by(Institution.id)).all()
    versions = []
    for inst_id, _sector in ids:
        f = Filing(institution_id=inst_id, period_id=period.id, kind="CMP")
        db.session.add(f)
        db.session.flush()
        v = FilingVersion(filing_id=f.id, number=1, status="ACCEPTED", sha256="0" * 64, size=0,
                          original_filename="bench.xlsx", storage_path="bench", uploaded_at=utcnow(),
                          accepted_at=utcnow())
        db.session.add(v)
        db.session.flush()
        versions.append((v.id, inst_id))
    db.session.commit()
    pool = summary_pool(pool_size, seed)
    r = random.Random(seed)
    t0 = time.perf_counter()
    db.session.execute(text("DROP INDEX IF EXISTS ix_complaint_summary_trgm"))
    db.session.commit()
    raw = db.engine.raw_connection()
    try:
        cur = raw.cursor()
        cols = ("version_id, institution_id, period_id, row_no, complaint_id, received_date, source, channel, "
                "business_category, cause, customer_group, status, carried_over, summary")
        per = n_rows // len(versions)
        with cur.copy(f"COPY complaint_row ({cols}) FROM STDIN") as copy:
            n = 0
            for vid, inst_id in versions:
                for k in range(per if vid != versions[-1][0] else n_rows - n):
                    s, cat, cause, group = pool[r.randrange(len(pool))]
                    copy.write_row((vid, inst_id, period.id, k + 2, f"B{vid}-{k:07d}", dt.date(2024, 1, 1 + k % 28),
                                    "DIRECT", "A05", cat, cause, group, "OPEN", False, s))
                    n += 1
        raw.commit()
    finally:
        raw.close()
    loaded = time.perf_counter() - t0
    t1 = time.perf_counter()
    db.session.execute(text("SET maintenance_work_mem = '512MB'"))
    # what the ingest fills after each version's commit (supervision.topics.search), in one statement
    db.session.execute(text("INSERT INTO complaint_summary (version_id, row_id, summary) "
                            "SELECT version_id, id, summary FROM complaint_row WHERE summary IS NOT NULL"))
    db.session.execute(text("CREATE INDEX ix_complaint_summary_trgm ON complaint_summary "
                            "USING gin (summary gin_trgm_ops)"))
    db.session.execute(text("ANALYZE"))
    db.session.commit()
    return {"rows": n_rows, "institutions": n_inst, "copy_s": round(loaded, 1),
            "index_s": round(time.perf_counter() - t1, 1), "period_id": period.id}


def timed(fn, repeat: int = 5) -> tuple[float, object]:
    """Median milliseconds of ``repeat`` runs (after one warm-up) and the last result."""
    result = fn()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times), result


def main() -> None:
    """Build, load, time, print."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=5_000_000)
    ap.add_argument("--institutions", type=int, default=200)
    ap.add_argument("--pool", type=int, default=50_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--keep", action="store_true", help="keep the benchmark database")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app = make_app(Path(tmp))
        try:
            with app.app_context():
                from sqlalchemy import text

                from supervision.exports.services import AgencyView
                from supervision.extensions import db
                from supervision.orgs.models import Agency
                from supervision.periods.models import Period
                from supervision.topics.queries import search_rows

                info = load(args.rows, args.institutions, args.pool, args.seed)
                size = db.session.scalar(text(
                    "SELECT pg_size_pretty(pg_relation_size('ix_complaint_summary_trgm'))"))
                print(f"loaded {info['rows']:,} rows for {info['institutions']} institutions: COPY {info['copy_s']} s, "
                      f"trigram GIN index {info['index_s']} s ({size})")
                period = db.session.get(Period, info["period_id"])
                nfra = AgencyView(db.session.scalar(db.select(Agency.id).where(Agency.code == "NFRA")))
                print(f"{'word':<16}{'scope':<8}{'matches':>10}{'page 1 ms':>12}{'page 20 ms':>12}")
                for word in WORDS:
                    for label, user in (("all", None), ("NFRA", nfra)):
                        ms1, page = timed(lambda w=word, u=user: search_rows(u, period, w, page=1))
                        ms20, _ = timed(lambda w=word, u=user: search_rows(u, period, w, page=20))
                        total = f"{'>' if page.capped else ''}{page.total:,}"
                        print(f"{word:<16}{label:<8}{total:>10}{ms1:>12.1f}{ms20:>12.1f}")
                db.session.remove()
                db.engine.dispose()
        finally:
            if not args.keep:
                drop_pg()


if __name__ == "__main__":
    main()
