"""Bulk loading of the spooled complaint rows into ``complaint_row``, inside the caller's transaction.

PostgreSQL: ``COPY complaint_row (…) FROM STDIN (FORMAT csv)`` through psycopg, fed with CSV that
polars writes per window. SQLite: the windows prepared in the form SQLAlchemy would bind (dates as
ISO text, booleans as 0/1, amounts as ``float`` — ``Numeric`` on SQLite) are written to a staging
file by the ADBC driver and copied by one ``INSERT … SELECT`` (:mod:`supervision.sqlitestage`),
or, without the driver, bound by the DB-API ``executemany``. Both run on the session's own
connection, so the rows are part of the version's one transaction: a crash or a kill before the
commit leaves none of them.
"""

from __future__ import annotations

import io
import logging
from typing import TYPE_CHECKING

from supervision import sqlitestage
from supervision.extensions import db
from supervision.filings.content_models import ComplaintRow

if TYPE_CHECKING:  # polars loads only in the process that ingests (never a web worker)
    import polars as pl

    from supervision.ingest.spool import Spool

#: Columns taken from a converted detail row, in table order (plus the version's keys and row_no).
DETAIL_COLUMNS = ("complaint_id", "received_date", "source", "transfer_ref", "channel", "business_category", "cause",
                  "complaint_type", "transactions_involved", "product_code", "province", "customer_group", "amount",
                  "status", "closed_date", "extension", "outcome", "redress", "escalated", "repeat_of", "summary",
                  "carried_over", "days_to_close", "deadline", "on_time")
KEYS = ("version_id", "institution_id", "period_id", "row_no")
_MONEY = ("amount", "redress")
#: the bulk load's statement on PostgreSQL, fed with :func:`csv_window`
COPY_SQL = f"COPY complaint_row ({', '.join((*DETAIL_COLUMNS, *KEYS))}) FROM STDIN (FORMAT csv)"
_BATCH = 20_000
#: rows per ``COPY`` write on PostgreSQL: the server parses one slice while polars writes the next
#: (one CSV of the whole sheet would keep the server waiting while it is written)
COPY_SLICE = 25_000
log = logging.getLogger(__name__)
#: page cache of the SQLite connection that bulk-loads a version (KiB; the default is 2,000)
SQLITE_CACHE_KIB = 65_536


def _frame(frame: pl.DataFrame, keys: dict[str, int]) -> pl.DataFrame:
    import polars as pl

    return frame.select(*DETAIL_COLUMNS, *(pl.lit(v, pl.Int64).alias(k) for k, v in keys.items() if k != "row_no"),
                        pl.col("_row").alias("row_no"))


def csv_window(frame: pl.DataFrame, keys: dict[str, int]) -> bytes:
    """A spooled window as the CSV that :data:`COPY_SQL` reads (``keys``: the version's, and
    ``row_no`` taken from the window)."""
    buf = io.BytesIO()
    _frame(frame, keys).write_csv(buf, include_header=False, null_value="")
    return buf.getvalue()


def write_csv_slices(copy, frame: pl.DataFrame) -> None:
    """Write ``frame`` to an open ``COPY … FROM STDIN (FORMAT csv)`` (psycopg's ``copy``) in slices of
    :data:`COPY_SLICE` rows, so that the server parses one slice while polars writes the next."""
    for start in range(0, frame.height, COPY_SLICE):
        buf = io.BytesIO()
        frame.slice(start, COPY_SLICE).write_csv(buf, include_header=False, null_value="")
        copy.write(buf.getbuffer())


def load_complaints(spool: Spool, *, version_id: int, institution_id: int, period_id: int,
                    staged=None) -> int:
    """Insert every spooled row of the version; return the number inserted. ``staged``: on SQLite,
    the windows already staged while the sheet was read (:func:`stager`), if any; on PostgreSQL,
    the :class:`~supervision.filings.pgcopy.Copier` that copied them into this transaction then."""
    connection = db.session.connection()
    raw = connection.connection.dbapi_connection
    keys = {"version_id": version_id, "institution_id": institution_id, "period_id": period_id, "row_no": 0}
    columns = ", ".join((*DETAIL_COLUMNS, *KEYS))
    table = ComplaintRow.__tablename__
    n = 0
    if connection.dialect.name == "postgresql":
        kept = getattr(staged, "kept", None)
        if kept is not None and kept == spool.rows:
            return kept  # copied while the sheet was read, in this very transaction
        if kept:  # never expected (every spooled window was given to the copier): start again
            log.warning("%s rows copied beside the read of %s: copied again", kept, spool.rows)
            raw.execute(f"DELETE FROM {table} WHERE version_id = %s", (version_id,))  # noqa: S608
        with raw.cursor() as cur, cur.copy(COPY_SQL) as copy:
            for frame in spool.frames():
                write_csv_slices(copy, _frame(frame, keys))
                n += frame.height
        return n
    # SQLite's default page cache (2 MB) is smaller than the indexes a large version's rows go
    # into: pages would be spilled to the log and read again many times over (measured: 4.8 s
    # against 3.2 s for 200,000 rows into five random-key indexes). The bulk-loading connection
    # takes a larger, bounded cache: in the ingest child it goes with the child; where a process
    # ingests in-process (tests, the demo loader) the pooled connection keeps it (64 MB at most).
    raw.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
    if sqlitestage.usable(connection.connection) and spool.rows:
        try:  # written in C into a staging file, then copied by one statement (see sqlitestage)
            copy = {"columns": (*DETAIL_COLUMNS, *KEYS), "select": (*DETAIL_COLUMNS, "?", "?", "?", "_row"),
                    "params": (version_id, institution_id, period_id)}
            path = staged.finish() if staged is not None else None
            if path is not None and staged.rows == spool.rows:
                n = sqlitestage.copy_staged(connection.connection, path, table, **copy)
            else:
                n = sqlitestage.load(connection.connection, table, tables=map(stage_frame, spool.frames()), **copy)
            if n != spool.rows:
                raise RuntimeError(f"{n} rows copied of {spool.rows}")
            return n
        except Exception:
            if not raw.in_transaction:  # the version's transaction is gone: nothing may be written now
                raise
            log.warning("staged load failed; rows bound one by one", exc_info=True)
            raw.execute(f"DELETE FROM {table} WHERE version_id = ?", (version_id,))  # noqa: S608
            n = 0
    marks = ", ".join("?" * (len(DETAIL_COLUMNS) + len(KEYS)))
    sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608 (fixed names only)
    cur = raw.cursor()
    try:
        for frame in (_sqlite_prepared(f, keys) for f in spool.frames()):
            for start in range(0, frame.height, _BATCH):
                # rows zipped from whole columns as Python lists: half the CPU of DataFrame.rows()
                batch = [c.to_list() for c in frame.slice(start, _BATCH).iter_columns()]
                cur.executemany(sql, zip(*batch, strict=True))
            n += frame.height
    finally:
        cur.close()
    return n


def _sqlite_prepared(frame: pl.DataFrame, keys: dict[str, int]) -> pl.DataFrame:
    """A window's columns in table order as SQLAlchemy would bind them on SQLite (dates as ISO text,
    booleans as 0/1, amounts as ``float``)."""
    return _sqlite_values(_frame(frame, keys))


def _sqlite_values(frame: pl.DataFrame) -> pl.DataFrame:
    import polars as pl

    return frame.with_columns(pl.col("received_date", "closed_date").cast(pl.String),
                              pl.col("carried_over", "escalated", "on_time").cast(pl.Int8),
                              pl.col(*_MONEY).cast(pl.Float64))


def stage_frame(frame: pl.DataFrame):
    """A spooled window as the Arrow table staged for SQLite: the detail columns as
    :func:`_sqlite_prepared` gives them and the row number (``_row``); the version's keys are
    added by the copy."""
    return _sqlite_values(frame.select(*DETAIL_COLUMNS, "_row")).to_arrow()


def stager(keys: dict[str, int] | None = None):
    """What stores a version's windows while its sheet is read (give it to validation as the spool's
    listener, then to :func:`load_complaints`): on SQLite a :class:`~supervision.sqlitestage.Stager`
    (None without the ADBC driver); on PostgreSQL, given the version's ``keys`` (``version_id``,
    ``institution_id``, ``period_id``) and where ``INGEST_COPY_WHILE_READING`` wants it
    (:func:`supervision.filings.pgcopy.wanted`), a :class:`~supervision.filings.pgcopy.Copier`,
    which begins the version's transaction (settle it with :func:`supervision.filings.pgcopy.settle`)."""
    from flask import current_app

    dialect = db.engine.dialect.name
    if dialect == "postgresql":
        from supervision.filings import pgcopy

        mode = current_app.config.get("INGEST_COPY_WHILE_READING", "auto")
        return pgcopy.Copier(keys) if keys is not None and pgcopy.wanted(mode, db.engine.url) else None
    if dialect != "sqlite" or not sqlitestage.available():
        return None
    return sqlitestage.Stager(stage_frame)


FIGURES = ("opening", "received", "closed", "open_end", "on_time", "favourable", "escalated", "regulator",
           "txn_received", "txn_involved")
FAVOURABLE = ("UPHELD", "PARTIAL", "SETTLED")


def _figures(frame: pl.LazyFrame | pl.DataFrame, by: list[str]) -> pl.DataFrame:
    """§4.4 figures (see :func:`supervision.filings.pipeline.derive_figures`, the SQL reading of the
    same definitions) of ``frame``, grouped by ``by`` (or in total)."""
    import polars as pl

    closed = pl.col("status") == "CLOSED"
    received = pl.col("carried_over").not_()
    txn = received & (pl.col("complaint_type") == "TXN")
    exprs = [pl.col("carried_over").sum().alias("opening"), received.sum().alias("received"),
             closed.sum().alias("closed"), (pl.col("status") == "OPEN").sum().alias("open_end"),
             (closed & pl.col("on_time").fill_null(False)).sum().alias("on_time"),
             (closed & pl.col("outcome").is_in(list(FAVOURABLE))).sum().alias("favourable"),
             (closed & pl.col("escalated").fill_null(False)).sum().alias("escalated"),
             (received & (pl.col("source") == "REGULATOR")).sum().alias("regulator"), txn.sum().alias("txn_received"),
             pl.when(txn).then(pl.col("transactions_involved").fill_null(0)).otherwise(0).sum().alias("txn_involved")]
    lazy = frame.lazy()
    return (lazy.group_by(by).agg(exprs) if by else lazy.select(exprs)).collect()


def derive_from_spool(spool: Spool, *, version_id: int, institution_id: int, period_id: int) -> list[dict]:
    """The ``derived_figures`` rows of a version from its spooled rows: one per business category, then
    the whole filing (``business_category`` None) — the same numbers as the set-based SQL."""
    import polars as pl

    columns = ["business_category", "carried_over", "status", "on_time", "outcome", "escalated", "source",
               "complaint_type", "transactions_involved"]
    parts = [_figures(frame.select(columns), ["business_category"]) for frame in spool.frames()]
    keys = {"version_id": version_id, "institution_id": institution_id, "period_id": period_id}
    if parts:
        per = pl.concat(parts).group_by("business_category", maintain_order=True).agg(pl.col(FIGURES).sum())
    else:
        per = pl.DataFrame(schema={"business_category": pl.String, **dict.fromkeys(FIGURES, pl.Int64)})
    rows = [{**keys, **r} for r in per.iter_rows(named=True)]
    total = per.select(pl.col(FIGURES).sum()).row(0, named=True)
    rows.append({**keys, "business_category": None, **{k: int(v or 0) for k, v in total.items()}})
    return rows
