"""The complaint cube of a version computed column-wise (polars): the version's rows are read once,
in bounded chunks (at ingest: the spooled windows validation produced, not the stored rows); every
grain is a ``group_by`` of each chunk whose sums are added up over the chunks (memory bounded by the
chunk, not by the version: 1,000,000 rows fit the ingest child's limit, issue 12); the cells and days
are bulk-inserted (``COPY`` on PostgreSQL). Same definitions
as :func:`supervision.analytics.services.derive_cube_sql`; money is summed in integer cents of the
stored (2-decimal) values, so the sums are exact.

Imported only where a cube is derived (the ingest child, the backfill command): polars never
loads in a web worker.
"""

from __future__ import annotations

import logging

from supervision import sqlitestage
from supervision.analytics.dims import FAVOURABLE, HANDLING_BUCKETS, ROW_DIMS, UNKNOWN_PROVINCE, grains
from supervision.domain.codes import CODE_LISTS
from supervision.extensions import db

COLUMNS = ("business_category", "cause", "channel", "province", "customer_group", "source", "complaint_type",
           "outcome", "extension", "status", "carried_over", "on_time", "escalated", "days_to_close", "amount",
           "redress")
COUNTS = ("received", "closed", "on_time", "favourable", "escalated", "extended")
#: rows read (and inserted) per chunk: the memory of a derivation is bounded by this, not by the version's size
CHUNK_ROWS = 50_000
log = logging.getLogger(__name__)


def _chunks(version_id: int):
    """The version's rows as frames of at most :data:`CHUNK_ROWS` rows (one query on the session's
    connection, fetched in bounded chunks: a server-side cursor on PostgreSQL); money as integer
    cents of the stored (2-decimal) values (exact on both databases)."""
    import polars as pl

    conn = db.session.connection()
    raw = conn.connection.dbapi_connection
    pg = conn.dialect.name == "postgresql"
    mark = "%s" if pg else "?"
    select_list = ", ".join(f"CAST(ROUND({c} * 100) AS BIGINT)" if c in ("amount", "redress") else
                            (f"CASE WHEN {c} THEN 1 WHEN NOT {c} THEN 0 END" if c in _BOOLS else c) for c in COLUMNS)
    schema = {c: (pl.Int64 if c in ("amount", "redress", "days_to_close") or c in _BOOLS else pl.String)
              for c in COLUMNS}
    cur = raw.cursor(name=f"cube_rows_{version_id}") if pg else raw.cursor()
    try:
        if pg:
            cur.itersize = CHUNK_ROWS
        cur.execute(f"SELECT {select_list} FROM complaint_row WHERE version_id = {mark}", (version_id,))  # noqa: S608
        while rows := cur.fetchmany(CHUNK_ROWS):
            frame = pl.DataFrame(rows, schema=schema, orient="row")
            del rows
            yield frame.with_columns(pl.col(*_BOOLS).cast(pl.Boolean))
    finally:
        cur.close()


_BOOLS = ("carried_over", "on_time", "escalated")
#: money text the spool path takes as exact cents: at most 16 integer and 2 fraction digits (the stored
#: value is then the filed one on both databases; anything else is read back from the stored rows)
_PLAIN_MONEY = r"^[0-9]{1,16}(?:\.[0-9]{1,2})?$"


class _NotPlain(Exception):
    """A spooled money value the spool path does not take (see :data:`_PLAIN_MONEY`)."""


def _spool_chunks(spool):
    """The spooled windows of a version (:class:`supervision.ingest.spool.Spool`) as the frames
    :func:`_chunks` reads (see :func:`_cents`)."""
    for window in spool.frames():
        yield _cents(window)


def _cents(window):
    """A spooled window as the frame :func:`_chunks` reads: the same columns and types, money as
    integer cents. Raises :class:`_NotPlain` for a money value of more than two decimals (or 17+
    integer digits), so the caller reads the stored rows instead (their rounding is the database's)."""
    import polars as pl

    frame = window.select(COLUMNS)
    for m in ("amount", "redress"):
        text = frame[m]
        if not text.drop_nulls().str.contains(_PLAIN_MONEY).all():
            raise _NotPlain(m)
        parts = pl.col(m).str.split_exact(".", 1)
        whole = parts.struct.field("field_0").cast(pl.Int64)
        cents = parts.struct.field("field_1").fill_null("").str.pad_end(2, "0").cast(pl.Int64)
        frame = frame.with_columns((whole * 100 + cents).alias(m))
    return frame


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
    """The lazy sums of ``measures`` at grain ``(a, b)`` (``extra`` keys kept), as cube rows."""
    import polars as pl

    keys = [f"d_{d}" for d in (a, b) if d] + list(extra)
    lazy = frame.lazy()
    out = lazy.group_by(keys).agg(measures) if keys else lazy.select(measures)
    return out.select(pl.lit(a).alias("dim_a"), (pl.col(f"d_{a}") if a else pl.lit("")).alias("val_a"),
                      pl.lit(b).alias("dim_b"), (pl.col(f"d_{b}") if b else pl.lit("")).alias("val_b"),
                      pl.all().exclude([f"d_{d}" for d in ROW_DIMS]))


def _partials(frame, sums) -> tuple:
    """One chunk's cells and days at every grain (partial sums, to be added up over the chunks)."""
    import polars as pl

    # every grain in one query set: polars runs them side by side on its thread pool
    cells = [_grain(frame, a, b, sums) for a, b in grains()]
    closed = frame.filter(pl.col("days").is_not_null())
    days = [_grain(closed, a, b, [pl.len().cast(pl.Int64).alias("closed_rows")], extra=("days",))
            for a, b in grains()] if closed.height else []
    done = pl.collect_all([*cells, *days])
    return (pl.concat(done[:len(cells)], how="vertical_relaxed"),
            pl.concat(done[len(cells):], how="vertical_relaxed") if days else None)


def _add(total, part, keys: list[str]):
    """``total`` + ``part`` (either may be None): the sums of the measures per key."""
    import polars as pl

    if total is None or part is None:
        return part if total is None else total
    both = pl.concat([total, part], how="vertical_relaxed")
    return both.group_by(keys).agg(pl.all().exclude(keys).sum())


_GRAIN_KEYS = ["dim_a", "val_a", "dim_b", "val_b"]


def _sums():
    import polars as pl

    return [pl.col(n).sum() for n in (*COUNTS, "amount_sum", "redress_sum")]


def _accumulate(chunks) -> tuple:
    """The cells and days of every grain over ``chunks``, added up chunk by chunk."""
    sums = _sums()
    cells = days = None
    for chunk in chunks:
        part_cells, part_days = _partials(_prepared(chunk), sums)
        del chunk
        cells = _add(cells, part_cells, _GRAIN_KEYS)
        days = _add(days, part_days, [*_GRAIN_KEYS, "days"])
    return cells, days


class RunningSums:
    """The cube's sums of a version added up while validation spools its windows, so that storing
    finds them done (:func:`group_spool`'s answer, without the wait after the read).

    A spool listener (:mod:`supervision.ingest.spool`): :meth:`add` per window, gathered into
    frames of :data:`~supervision.ingest.spool.SPOOL_FRAME_ROWS` rows that a thread of its own
    groups as they fill; :meth:`abandon` when the windows will not be stored as they are. Every
    measure is a sum, so the cells and days are those of :func:`group_spool` over the same rows."""

    def __init__(self) -> None:
        """Sums of nothing yet."""
        from concurrent.futures import ThreadPoolExecutor

        from supervision.ingest.spool import SPOOL_FRAME_ROWS

        self.abandoned = False
        self._frame_rows = SPOOL_FRAME_ROWS
        self._pending: list = []
        self._pending_rows = 0
        self._futures: list = []
        self._cells = self._days = None
        self._plain = True
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="cube-sums")

    def add(self, frame) -> None:
        """Take a spooled window (grouped with the next ones once they make a frame)."""
        if self.abandoned:
            return
        self._pending.append(frame)
        self._pending_rows += frame.height
        if self._pending_rows >= self._frame_rows:
            self._flush()

    def abandon(self) -> None:
        """Sum nothing more (:func:`spool_sums` then groups the spool as before)."""
        self.abandoned = True

    def _flush(self) -> None:
        if self._pending:
            frames, self._pending, self._pending_rows = self._pending, [], 0
            self._futures.append(self._pool.submit(self._fold, frames))

    def _fold(self, frames: list) -> None:
        import polars as pl

        if self.abandoned or not self._plain:
            return
        try:
            chunk = _cents(pl.concat(frames, rechunk=False))
        except _NotPlain:
            self._plain = False
            return
        del frames
        part_cells, part_days = _partials(_prepared(chunk), _sums())
        self._cells = _add(self._cells, part_cells, _GRAIN_KEYS)
        self._days = _add(self._days, part_days, [*_GRAIN_KEYS, "days"])

    def result(self) -> tuple | None:
        """After the last window: :func:`group_spool`'s answer (None: read the stored rows). Raises
        what a grouping raised."""
        self._flush()
        for future in self._futures:
            future.result()
        self._pool.shutdown(wait=True)
        return (self._cells, self._days) if self._plain else None

    def close(self) -> None:
        """Stop the thread (what is queued is dropped)."""
        self.abandoned = True
        self._pool.shutdown(wait=True, cancel_futures=True)


def spool_sums(spool, running: RunningSums | None = None) -> tuple | None:
    """:func:`group_spool`'s answer for ``spool``: taken from ``running`` where it summed every
    window, else grouped now."""
    if running is not None and not running.abandoned:
        try:
            return running.result()
        except Exception:  # a shortcut only: group the spool instead
            log.warning("cube sums taken while reading failed; grouped from the spool", exc_info=True)
    return group_spool(spool)


def group_spool(spool) -> tuple | None:
    """The cells and days of every grain over ``spool``'s windows (see :func:`derive`), or None when
    a money value must be read from the stored rows instead (:data:`_PLAIN_MONEY`). Pure polars on
    data already in hand: the ingest runs it in a thread beside the bulk load."""
    try:
        return _accumulate(_spool_chunks(spool))
    except _NotPlain:
        return None


def derive(version_id: int, institution_id: int, period_id: int, spool=None, grouped: tuple | None = None) -> int:
    """Compute and insert the cube of one version; returns the number of cells.

    The rows are read in chunks: the windows of ``spool`` (the converted rows the ingest has just
    loaded: nothing is read back) or else the stored rows, :data:`CHUNK_ROWS` at a time; each
    chunk is grouped at every grain and its sums are added to the running cells and days (every
    measure is a sum, so the result is the same as grouping all rows at once while the memory
    stays bounded whatever the version's size). ``grouped``: :func:`group_spool`'s answer for
    ``spool``, computed beforehand.
    """
    import polars as pl

    if spool is not None and grouped is None:
        grouped = group_spool(spool)
    cells, days = grouped if grouped is not None else _accumulate(_chunks(version_id))
    if cells is None:
        return 0
    cells = cells.filter((pl.col("received") > 0) | (pl.col("closed") > 0))
    cells = cells.select(pl.lit(version_id).alias("version_id"), pl.lit(institution_id).alias("institution_id"),
                         pl.lit(period_id).alias("period_id"), "dim_a", "val_a", "dim_b", "val_b", *COUNTS,
                         "amount_sum", "redress_sum")
    _insert("cube_cell", cells, money=("amount_sum", "redress_sum"))
    if days is not None:
        _insert("cube_days", days.select(pl.lit(version_id).alias("version_id"), "dim_a", "val_a", "dim_b", "val_b",
                                         "days", "closed_rows"))
    return cells.height


def _insert(table: str, frame, money: tuple[str, ...] = ()) -> None:
    """Bulk insert on the session's connection: COPY (PostgreSQL), a staging file copied by one
    statement (SQLite, :mod:`supervision.sqlitestage`; ``executemany`` without its driver);
    money columns hold cents and are written as exact decimals."""
    import polars as pl

    conn = db.session.connection()
    raw = conn.connection.dbapi_connection
    cols = frame.columns
    # cents as exact decimal text ("12345" -> "123.45"), the same on both databases
    text = frame.with_columns(*((pl.col(m).cast(pl.String).str.zfill(3).str.head(-2) + "." +
                                 pl.col(m).cast(pl.String).str.zfill(3).str.tail(2)).alias(m) for m in money))
    if conn.dialect.name == "postgresql":
        from supervision.filings.bulkload import write_csv_slices

        with raw.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN (FORMAT csv)") as copy:
            write_csv_slices(copy, text)
        return
    if sqlitestage.usable(conn.connection):
        try:  # written in C into a staging file, then copied by one statement
            sqlitestage.load(conn.connection, table, cols, [text.to_arrow()])
            return
        except Exception:  # the failed copy left nothing: bind the rows instead
            if not raw.in_transaction:
                raise
            log.warning("staged insert into %s failed; rows bound one by one", table, exc_info=True)
    sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"  # noqa: S608
    cur = raw.cursor()
    try:
        for piece in text.iter_slices(CHUNK_ROWS):
            cur.executemany(sql, zip(*(c.to_list() for c in piece.iter_columns()), strict=True))
    finally:
        cur.close()
