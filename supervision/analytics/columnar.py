"""The complaint cube of a version computed column-wise (polars): the version's rows are read once,
every grain is a ``group_by`` in memory, the cells and days are bulk-inserted (``COPY`` on
PostgreSQL). Same definitions as :func:`supervision.analytics.services.derive_cube_sql`; money is
summed in integer cents of the stored (2-decimal) values, so the sums are exact.

Imported only where a cube is derived (the ingest child, the backfill command): polars never
loads in a web worker.
"""

from __future__ import annotations

import io
from decimal import Decimal

from supervision.analytics.dims import FAVOURABLE, HANDLING_BUCKETS, ROW_DIMS, UNKNOWN_PROVINCE, grains
from supervision.domain.codes import CODE_LISTS
from supervision.extensions import db

COLUMNS = ("business_category", "cause", "channel", "province", "customer_group", "source", "complaint_type",
           "outcome", "extension", "status", "carried_over", "on_time", "escalated", "days_to_close", "amount",
           "redress")
COUNTS = ("received", "closed", "on_time", "favourable", "escalated", "extended")


def _cents(value) -> int | None:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return int(value.scaleb(2).to_integral_value())
    return round(float(value) * 100)  # SQLite returns the stored REAL


def _read(version_id: int):
    """The version's rows as a frame (one query on the session's connection)."""
    import polars as pl

    conn = db.session.connection()
    raw = conn.connection.dbapi_connection
    mark = "%s" if conn.dialect.name == "postgresql" else "?"
    cur = raw.cursor()
    try:
        cur.execute(f"SELECT {', '.join(COLUMNS)} FROM complaint_row WHERE version_id = {mark}",  # noqa: S608
                    (version_id,))
        rows = cur.fetchall()
    finally:
        cur.close()
    cols = list(zip(*rows, strict=True)) if rows else [[] for _ in COLUMNS]
    data = {}
    for name, values in zip(COLUMNS, cols, strict=True):
        if name in ("amount", "redress"):
            data[name] = pl.Series(name, [_cents(v) for v in values], dtype=pl.Int64)
        elif name in ("carried_over", "on_time", "escalated"):
            data[name] = pl.Series(name, [None if v is None else bool(v) for v in values], dtype=pl.Boolean)
        elif name == "days_to_close":
            data[name] = pl.Series(name, list(values), dtype=pl.Int64)
        else:
            data[name] = pl.Series(name, list(values), dtype=pl.String)
    return pl.DataFrame(data)


def _prepared(frame):
    """The dimension values and the per-row flags of §10.1."""
    import polars as pl

    closed = pl.col("status") == "CLOSED"
    received = ~pl.col("carried_over").fill_null(False)
    days = pl.col("days_to_close")
    bucket = pl.lit(HANDLING_BUCKETS[-1][0])
    for code, _low, high in reversed(HANDLING_BUCKETS[:-1]):
        bucket = pl.when(days <= high).then(pl.lit(code)).otherwise(bucket)
    handling = pl.when(closed & days.is_not_null()).then(bucket).otherwise(pl.lit(""))
    provinces = list(CODE_LISTS["province"])
    dims = {
        "business_category": pl.col("business_category"), "cause": pl.col("cause"), "channel": pl.col("channel"),
        "province": pl.when(pl.col("province").is_in(provinces)).then(pl.col("province"))
        .otherwise(pl.lit(UNKNOWN_PROVINCE)),
        "customer_group": pl.col("customer_group").fill_null(""), "source": pl.col("source"),
        "complaint_type": pl.col("complaint_type").fill_null(""),
        "outcome": pl.when(closed).then(pl.col("outcome").fill_null("")).otherwise(pl.lit("")),
        "extension": pl.col("extension").fill_null("NONE"), "handling": handling,
    }
    flags = {
        "received": received, "closed": closed, "on_time": closed & pl.col("on_time").fill_null(False),
        "favourable": closed & pl.col("outcome").is_in(list(FAVOURABLE)).fill_null(False),
        "escalated": closed & pl.col("escalated").fill_null(False),
        "extended": closed & (pl.col("extension").fill_null("NONE") != "NONE"),
    }
    return frame.select(
        *(e.alias(f"d_{d}") for d, e in dims.items()),
        *(e.cast(pl.Int64).alias(n) for n, e in flags.items()),
        pl.when(received).then(pl.col("amount").fill_null(0)).otherwise(0).alias("amount_sum"),
        pl.when(closed).then(pl.col("redress").fill_null(0)).otherwise(0).alias("redress_sum"),
        pl.when(closed).then(days).otherwise(None).alias("days"))


def _grain(frame, a: str, b: str, measures, *, extra: tuple[str, ...] = ()):
    import polars as pl

    keys = [f"d_{d}" for d in (a, b) if d] + list(extra)
    lazy = frame.lazy()
    out = lazy.group_by(keys).agg(measures) if keys else lazy.select(measures)
    return out.select(pl.lit(a).alias("dim_a"), (pl.col(f"d_{a}") if a else pl.lit("")).alias("val_a"),
                      pl.lit(b).alias("dim_b"), (pl.col(f"d_{b}") if b else pl.lit("")).alias("val_b"),
                      pl.all().exclude([f"d_{d}" for d in ROW_DIMS])).collect()


def derive(version_id: int, institution_id: int, period_id: int) -> int:
    """Compute and insert the cube of one version; returns the number of cells."""
    import polars as pl

    frame = _prepared(_read(version_id))
    if frame.height == 0:
        return 0
    sums = [pl.col(n).sum() for n in (*COUNTS, "amount_sum", "redress_sum")]
    cells = pl.concat([_grain(frame, a, b, sums) for a, b in grains()], how="vertical_relaxed")
    cells = cells.filter((pl.col("received") > 0) | (pl.col("closed") > 0))
    closed = frame.filter(pl.col("days").is_not_null())
    days = pl.concat([_grain(closed, a, b, [pl.len().alias("closed_rows")], extra=("days",)) for a, b in grains()],
                     how="vertical_relaxed") if closed.height else None
    cells = cells.select(pl.lit(version_id).alias("version_id"), pl.lit(institution_id).alias("institution_id"),
                         pl.lit(period_id).alias("period_id"), "dim_a", "val_a", "dim_b", "val_b", *COUNTS,
                         "amount_sum", "redress_sum")
    _insert("cube_cell", cells, money=("amount_sum", "redress_sum"))
    if days is not None:
        _insert("cube_days", days.select(pl.lit(version_id).alias("version_id"), "dim_a", "val_a", "dim_b", "val_b",
                                         "days", "closed_rows"))
    return cells.height


def _insert(table: str, frame, money: tuple[str, ...] = ()) -> None:
    """Bulk insert on the session's connection: COPY (PostgreSQL) or executemany (SQLite); money
    columns hold cents and are written as exact decimals."""
    import polars as pl

    conn = db.session.connection()
    raw = conn.connection.dbapi_connection
    cols = frame.columns
    if conn.dialect.name == "postgresql":
        text = frame.with_columns(*((pl.col(m).cast(pl.String).str.zfill(3).str.head(-2) + "." +
                                     pl.col(m).cast(pl.String).str.zfill(3).str.tail(2)).alias(m) for m in money))
        buf = io.BytesIO()
        text.write_csv(buf, include_header=False, null_value="")
        with raw.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN (FORMAT csv)") as copy:
            copy.write(buf.getbuffer())
        return
    rows = frame.rows()
    idx = [cols.index(m) for m in money]
    out = []
    for r in rows:
        r = list(r)
        for i in idx:
            r[i] = str(Decimal(r[i]).scaleb(-2))
        out.append(r)
    cur = raw.cursor()
    try:
        sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"  # noqa: S608
        cur.executemany(sql, out)
    finally:
        cur.close()
