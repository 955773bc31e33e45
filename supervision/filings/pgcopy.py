"""PostgreSQL: a version's detail rows copied into ``complaint_row`` while the rest of the sheet is read.

Storing a large version on PostgreSQL is mostly its ``COPY`` (the heap, five b-trees and the
server's CSV parsing: about 1.5–3 s per 200,000 rows on the benchmark machine), which otherwise
runs after the whole sheet is read. :class:`Copier` takes each
window of converted rows as validation spools it (it is the spool's listener, like SQLite's
:class:`supervision.sqlitestage.Stager`) and copies it, in a thread of its own, by one ``COPY``
per window **inside the version's own transaction**, on the session's connection. So:

* **nothing is half-stored.** The transaction begins when the read begins and holds only these
  rows until the store writes the rest of the version and commits. A rejected version, a window
  the fast reader could not read exactly (the sheet is read again), or a ``COPY`` that failed
  are rolled back by :func:`settle` before anything else is written; the store then copies the
  spool as before. A crash or a kill ends the connection, and PostgreSQL aborts the transaction.
* **progress and recovery are not blocked.** The only lock the rows take on ``filing_version``
  is the version key's ``FOR KEY SHARE`` (migration ``0015``). The progress writes and recovery's
  status change are ``UPDATE``\\ s of other columns (``FOR NO KEY UPDATE``), which it does not
  block; :func:`supervision.filings.pipeline._still_ours` then reads the status afresh.
* **the session is not shared.** While the copier runs, the pipeline's thread does not use the
  session: progress goes through connections of its own and ``C09``'s look-up reads through a
  connection of its own. :func:`settle` waits for the thread before the session is used again.

A sheet read in one piece (up to ``colread.WHOLE_SHEET_CELLS`` cells) gives one window at the
end of the read, so its ``COPY`` overlaps only the end of validation; the gain is for larger
sheets, read in windows. It is a gain where the database server has CPU of its own: on a machine
whose cores the server shares with the ingest, the read slows by about what the store gains
(docs/performance.md). Hence :func:`wanted`: by default only for a server on another machine.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor

from supervision.extensions import db
from supervision.filings.bulkload import COPY_SQL, csv_window

log = logging.getLogger(__name__)


LOCAL_HOSTS = frozenset({"", "localhost", "127.0.0.1", "::1"})


def wanted(mode: str, url) -> bool:
    """Whether to copy rows while the sheet is read, for the configured ``mode``
    (``INGEST_COPY_WHILE_READING``: ``on``, ``off`` or ``auto``) and the database URL ``url`` (a
    SQLAlchemy ``URL``). ``auto``: only when the PostgreSQL server is on another machine (a host
    that is neither a loopback name or address nor a Unix socket folder), where its ``COPY`` does
    not take the ingest's cores."""
    if mode in ("on", "off"):
        return mode == "on"
    hosts = [url.host or "", *(str(h) for h in _as_list(url.query.get("host")))]
    return not any(h in LOCAL_HOSTS or h.startswith("/") for h in hosts)


def _as_list(value) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, tuple | list) else [value]


class Copier:
    """Copies spooled windows into ``complaint_row`` in the session's transaction (module docstring).

    The spool's listener: :meth:`add` per window, :meth:`abandon` when its windows will not be
    stored as they are; then :func:`settle` (in the pipeline) and :meth:`close`."""

    def __init__(self, keys: dict[str, int]) -> None:
        """Begin the session's transaction (the version's) and a thread copying into it; ``keys``:
        ``version_id``, ``institution_id`` and ``period_id`` of the rows."""
        self.keys = {**keys, "row_no": 0}
        self._raw = db.session.connection().connection.dbapi_connection
        self.rows = 0
        self.windows = 0
        self.abandoned = False
        #: the rows kept in the version's transaction (set by :func:`settle`), or None
        self.kept: int | None = None
        self._error: BaseException | None = None
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="pgcopy")
        self._pending: list = []

    def add(self, frame) -> None:
        """Copy ``frame`` (a converted window) in the copier's thread."""
        if not self.abandoned:
            self._pending.append(self._pool.submit(self._copy, frame))

    def abandon(self) -> None:
        """Copy nothing more: the windows given will not be stored as they are."""
        self.abandoned = True

    def _copy(self, frame) -> None:
        if self.abandoned or self._error is not None:
            return
        try:
            data = csv_window(frame, self.keys)
            with self._raw.cursor() as cur, cur.copy(COPY_SQL) as copy:
                copy.write(data)
            self.rows += frame.height
            self.windows += 1
        except Exception as exc:  # the transaction is aborted: settle() rolls it back
            self._error = exc

    def wait(self) -> int | None:
        """Wait until every window given is copied; the rows copied, or None when the copy was
        abandoned or failed (its transaction must then be rolled back)."""
        for future in self._pending:
            future.result()
        self._pending = []
        if self._error is not None:
            log.warning("rows not copied beside the read: copied at store time", exc_info=self._error)
            return None
        return None if self.abandoned else self.rows

    def close(self) -> None:
        """Stop the thread (after the windows given)."""
        self.abandoned = True
        self._pool.shutdown(wait=True)


def settle(copier, keep: bool) -> int | None:
    """End the copy beside the read before the version is written (the pipeline's thread); nothing
    to do unless ``copier`` is a :class:`Copier` (SQLite's stager is finished by the store). ``keep``:
    whether the version is valid, so that its copied rows may stay. Returns the rows copied and kept
    in the session's transaction, or None: then nothing of the copy is left (its transaction is
    rolled back) and the store copies the spool itself."""
    if not isinstance(copier, Copier):
        return None
    if not keep:
        copier.abandon()
    copier.kept = copier.wait()
    if copier.kept is None:
        db.session.rollback()  # the copied rows, and the transaction begun for them, are gone
    return copier.kept

