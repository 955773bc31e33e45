"""SQLite bulk load through a staging file: the spooled rows written in C, then copied by one statement.

Binding 29 parameters per row from Python (``executemany``) costs SQLite most of a version's store:
1.5 s of 2.3 s for 200,000 rows on the benchmark machine, the rest being the table's indexes. Here
the prepared windows (Arrow columns; the cube's cells and days likewise) are written by the ADBC
SQLite driver (C, without the GIL) into a table of a private temporary database file, which the
session's own connection then attaches and copies with ``INSERT … SELECT`` — inside the version's
one transaction, so nothing changes for atomicity: a crash before the commit leaves no row. The
staging file is removed as soon as the copy is done (the attached handle keeps it readable until
the connection detaches it, which it does when it goes back to the pool: SQLite refuses ``DETACH``
inside a transaction).

The values are those ``executemany`` binds (the same prepared frames), so the stored rows are
identical, type by type (``tests/filings/test_sqlite_stage.py`` compares both ways). Without the
driver, or when the staging fails, the caller falls back to ``executemany``.
"""

from __future__ import annotations

import itertools
import logging
import shutil
import tempfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

log = logging.getLogger(__name__)

#: key of the pooled connection's ``info``: the staging schemas it still has attached
ATTACHED = "sv_staged_schemas"
_NAMES = itertools.count(1)
_TABLE = "rows"
#: staging schemas one connection may have attached at once (SQLite allows 10 attached databases):
#: a transaction that loads more (tests ingesting many versions on one connection) binds the rest
MAX_ATTACHED = 8


def available() -> bool:
    """Whether the ADBC SQLite driver can be imported."""
    try:
        import adbc_driver_sqlite.dbapi  # noqa: F401
    except ImportError:
        return False
    return True


def usable(pooled) -> bool:
    """Whether rows can be staged for the pooled connection ``pooled``: the driver is there and the
    connection has room for one more attached staging schema (:data:`MAX_ATTACHED`)."""
    return available() and len(pooled.info.get(ATTACHED, ())) < MAX_ATTACHED


def load(pooled, target: str, columns: Sequence[str], tables: Iterable, *, select: Sequence[str] | None = None,
         params: tuple = ()) -> int:
    """Insert the rows of the Arrow tables ``tables`` into ``target`` on the pooled connection
    ``pooled``, inside its transaction, through a staging file; return the number inserted (see
    :func:`copy_staged` for ``columns``, ``select`` and ``params``). On an error nothing of it stays
    in ``target`` (SQLite undoes the failed statement) and the staging folder is removed either way."""
    folder = scratch_folder()
    try:
        path, staged = stage(tables, folder)
        return copy_staged(pooled, path, target, columns, select=select, params=params) if staged else 0
    finally:
        remove(folder)


def _open(path: Path):
    import adbc_driver_sqlite.dbapi as adbc

    conn = adbc.connect(str(path), autocommit=True)
    cur = conn.cursor()
    cur.execute("PRAGMA journal_mode=OFF")  # a scratch file: no journal, no sync
    cur.fetchall()
    cur.execute("PRAGMA synchronous=OFF")
    return conn, cur


def stage(tables: Iterable, folder: Path) -> tuple[Path, int]:
    """Write the Arrow tables ``tables`` (same schema, in order) into table ``rows`` of a new database
    file in ``folder``; return its path and the number of rows written."""
    path = folder / "stage.db"
    n, created = 0, False
    conn, cur = _open(path)
    try:
        for table in tables:
            cur.adbc_ingest(_TABLE, table, mode="append" if created else "create")
            created = True
            n += table.num_rows
    finally:
        cur.close()
        conn.close()
    return path, n


class Stager:
    """Stages a version's windows into a staging file in a thread of its own as validation spools
    them, so that storing the version is one copy (the file is scratch: a rejected version's is
    simply removed). ``prepare`` turns a spooled window into the Arrow table to stage.

    Used as the spool's listener (:class:`supervision.ingest.spool.Spool`): :meth:`add` per window;
    :meth:`abandon` when its windows will not be stored as they are (a blocking error, or the
    sheet read again by the exact reader); then :meth:`finish` and :meth:`close`."""

    def __init__(self, prepare: Callable) -> None:
        """A stager writing into a new private folder."""
        from concurrent.futures import ThreadPoolExecutor

        self._prepare = prepare
        self.folder = scratch_folder()
        self.path = self.folder / "stage.db"
        self.rows = 0
        self.abandoned = False
        self._created = False
        self._closing = False
        self._error: BaseException | None = None
        self._db = None
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="stage")
        self._pending: list = []

    def add(self, frame) -> None:
        """Stage ``frame`` (in the stager's thread)."""
        if not self.abandoned:
            self._pending.append(self._pool.submit(self._write, frame))

    def abandon(self) -> None:
        """Stage nothing more; :meth:`finish` then gives None."""
        self.abandoned = True

    def _write(self, frame) -> None:
        if self.abandoned or self._closing or self._error is not None:
            return
        try:
            table = self._prepare(frame)
            if self._db is None:
                self._db = _open(self.path)
            self._db[1].adbc_ingest(_TABLE, table, mode="append" if self._created else "create")
            self._created = True
            self.rows += table.num_rows
        except Exception as exc:  # the caller stages at store time instead
            self._error = exc

    def _close_db(self) -> None:
        if self._db is not None:
            cur, conn = self._db[1], self._db[0]
            self._db = None
            cur.close()
            conn.close()

    def finish(self) -> Path | None:
        """Wait until every window given is staged; the staging file holding them (its table holds
        :attr:`rows` rows; absent when there were none), or None when abandoned or failed."""
        for future in self._pending:
            future.result()
        self._pool.submit(self._close_db).result()
        if self._error is not None:
            log.warning("windows not staged beside the read: staged at store time", exc_info=self._error)
            return None
        return None if self.abandoned else self.path

    def close(self) -> None:
        """Stop the thread (after the windows given) and remove the folder."""
        self._closing = True
        self._pool.submit(self._close_db)
        self._pool.shutdown(wait=True)
        remove(self.folder)


def copy_staged(pooled, path: Path, target: str, columns: Sequence[str], *, select: Sequence[str] | None = None,
                params: tuple = ()) -> int:
    """Attach the staging file ``path`` to the pooled connection ``pooled`` (SQLAlchemy's proxy of the
    session's DB-API connection, inside its transaction) and insert its rows into ``target`` in
    their order: ``INSERT INTO target (columns) SELECT select FROM staged rows`` (``select``: the
    staged columns or expressions, ``?`` bound to ``params``; by default ``columns`` themselves).
    Returns the number inserted. The schema stays attached until the connection goes back to the
    pool (:func:`detach_staged`)."""
    schema = f"sv_stage_{next(_NAMES)}"
    raw = pooled.dbapi_connection
    raw.execute(f"ATTACH DATABASE ? AS {schema}", (str(path),))
    pooled.info.setdefault(ATTACHED, []).append(schema)
    cur = raw.execute(f"INSERT INTO main.{target} ({', '.join(columns)}) SELECT {', '.join(select or columns)} "  # noqa: S608
                      f"FROM {schema}.{_TABLE} ORDER BY rowid", params)
    return cur.rowcount


def detach_staged(dbapi_connection, connection_record) -> None:
    """Pool ``checkin`` listener: detach the staging schemas a connection attached (out of any
    transaction now); one that cannot be detached is tried again at the next check-in."""
    schemas = connection_record.info.get(ATTACHED)
    if not schemas:
        return
    left = []
    for schema in schemas:
        try:
            dbapi_connection.execute(f"DETACH DATABASE {schema}")
        except Exception:  # a connection being discarded: nothing to keep
            left.append(schema)
    connection_record.info[ATTACHED] = left


def scratch_folder() -> Path:
    """A private temporary folder for one staging file (remove it with :func:`remove`)."""
    return Path(tempfile.mkdtemp(prefix="sv-stage-"))


def remove(folder: Path) -> None:
    """Remove a staging folder (an attached file stays readable through its open handle)."""
    shutil.rmtree(folder, ignore_errors=True)
