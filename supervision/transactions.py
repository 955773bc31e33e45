"""Transactions that will write, begun as writers.

On SQLite (WAL) a transaction begins as a reader and becomes a writer at its first write. That
upgrade fails at once with "database is locked" (``SQLITE_BUSY_SNAPSHOT``: the busy timeout does not
apply) when another connection has committed since the transaction's first read. Ingest children,
their parent, the check jobs and web requests that may write read and then write while other
ingests commit, so their transactions begin with ``BEGIN IMMEDIATE``: it waits for the write lock
(under the connection's busy timeout) and then reads the latest committed data. Readers are not
blocked (WAL). docs/decisions.md ("Hardening") lists where it is used and why uploads are not.

PostgreSQL needs none of this (row locks and MVCC); there the helpers change nothing.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import scoped_session

#: connection execution option read by the SQLite ``begin`` listener of :mod:`supervision.app`: the ``BEGIN`` mode
SQLITE_BEGIN = "sqlite_begin"


def begin_statement(options: dict) -> str:
    """The ``BEGIN`` statement for a SQLite connection with execution ``options``: ``BEGIN
    IMMEDIATE`` when :data:`SQLITE_BEGIN` asks for it, plain (deferred) ``BEGIN`` otherwise."""
    return "BEGIN IMMEDIATE" if options.get(SQLITE_BEGIN) == "IMMEDIATE" else "BEGIN"


def begin_write(session) -> None:
    """Begin ``session`` (a session, or a scoped one)'s next unit of work as a writer (SQLite: ``BEGIN IMMEDIATE``).

    Call it where a unit of work starts. A transaction that already began as a writer goes on
    (a job called by another job). Any other transaction still open is committed first: what it
    holds is work already done (usually only reads), which is kept, never lost; its objects are
    expired and reload in the new transaction. Nothing happens on other databases.
    """
    if isinstance(session, scoped_session):
        session = session()
    if session.get_bind().dialect.name != "sqlite":
        return
    if session.in_transaction():
        if session.connection().get_execution_options().get(SQLITE_BEGIN) == "IMMEDIATE":
            return
        session.commit()
    session.connection(execution_options={SQLITE_BEGIN: "IMMEDIATE"})


@contextlib.contextmanager
def write_connection(engine: Engine) -> Iterator[Connection]:
    """Like ``engine.begin()``, with the transaction begun as a writer on SQLite: committed when
    the block ends, rolled back if it raises."""
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            conn = conn.execution_options(**{SQLITE_BEGIN: "IMMEDIATE"})
        with conn.begin():
            yield conn
