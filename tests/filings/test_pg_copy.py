"""PostgreSQL: the detail rows copied into the version's transaction while the sheet is read
(``supervision.filings.pgcopy``) are exactly the rows the store's own ``COPY`` writes; a rejected
version, a sheet read again by the exact reader and a failed ``COPY`` leave no row behind and
nothing twice; progress and recovery's status change are not blocked by the open transaction.
PostgreSQL only: SQLite stages its windows in a file (``test_sqlite_stage.py``)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from supervision.filings import pgcopy
from supervision.filings.bulkload import DETAIL_COLUMNS, KEYS
from tests.conftest import PG_TEST_DB, make_app
from tests.filings.test_bulkload import _ingest

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def pg_world(tmp_path_factory):
    """(app, world) on a fresh committed PostgreSQL database of this module, rows copied while read
    (``on``: the server here is on this machine, where ``auto`` would not)."""
    app = make_app("postgresql", tmp_path_factory.mktemp("pgcopy"), TASK_BACKEND="sync",
                   INGEST_COPY_WHILE_READING="on", pg_db=f"{PG_TEST_DB}_pgcopy")
    with app.app_context():
        from supervision.extensions import db
        from tests.factories import build_world_with_open_period

        world = build_world_with_open_period(db)
        yield app, world
        db.session.remove()
        db.engine.dispose()


@pytest.fixture()
def copiers(monkeypatch):
    """The copiers created from now on, in order."""
    made: list[pgcopy.Copier] = []
    real_init = pgcopy.Copier.__init__
    monkeypatch.setattr(pgcopy.Copier, "__init__", lambda self, *a: made.append(self) or real_init(self, *a))
    return made


def _stored(version_id: int) -> list[tuple]:
    """Every column of the version's rows as text, in row order (ids checked increasing, not compared)."""
    from supervision.extensions import db

    cols = [c for c in (*DETAIL_COLUMNS, *KEYS) if c != "version_id"]
    rows = db.session.execute(text(f"SELECT id, {', '.join(f'{c}::text' for c in cols)} FROM complaint_row "
                                   "WHERE version_id = :v ORDER BY complaint_row.row_no"), {"v": version_id}).all()
    db.session.rollback()
    ids = [r[0] for r in rows]
    assert ids == sorted(ids)  # inserted in the sheet's order
    return [tuple(r[1:]) for r in rows]


def _count(version_id: int) -> int:
    from supervision.extensions import db

    n = db.session.execute(text("SELECT count(*) FROM complaint_row WHERE version_id = :v"), {"v": version_id}).scalar()
    db.session.rollback()
    return n


def test_rows_copied_while_read_equal_rows_copied_at_store(pg_world, tmp_path, windows, copiers, monkeypatch):
    _app, world = pg_world
    beside = _ingest(world, tmp_path, "beside.xlsx")
    assert len(copiers) == 1
    copier = copiers[0]
    assert copier.kept == copier.rows == 121 and copier.windows > 3 and not copier._error
    monkeypatch.setattr(pgcopy.Copier, "add", lambda self, frame: None)  # nothing copied beside the read
    at_store = _ingest(world, tmp_path, "at_store.xlsx")
    assert copiers[1].kept == 0  # nothing was copied beside: the store copied the spool itself
    got, want = _stored(beside), _stored(at_store)
    assert len(got) == 121 and got == want
    assert [r[-1] for r in got] == [str(n) for n in range(2, 123)]  # row_no: Excel rows 2..122, each once


def test_rejected_version_leaves_no_row(pg_world, tmp_path, windows, copiers):
    _app, world = pg_world

    def bad_last_window(rows):
        rows[-3]["channel"] = "NOT-A-CHANNEL"  # a blocking error after several windows were copied

    version_id = _ingest(world, tmp_path, "bad.xlsx", bad_last_window, status="REJECTED")
    assert copiers[0].windows >= 1 and copiers[0].kept is None
    assert _count(version_id) == 0


def test_sheet_read_again_exactly_stores_each_row_once(pg_world, tmp_path, windows, copiers):
    """A cell the compiled reader does not read (a time of day) and one the fast reader cannot decide
    send the sheet to the fast reader, then the exact one, after some windows were copied: they are
    rolled back and the spool is copied at store time, each row once."""
    _app, world = pg_world

    def ambiguous(rows):
        rows[100]["summary"] = dt.time(9, 30)  # no column form: the compiled reader declines
        rows[101]["summary"] = "true"  # typed text that a boolean cell would also read as

    version_id = _ingest(world, tmp_path, "exact.xlsx", ambiguous)
    assert copiers[0].abandoned and copiers[0].windows >= 1 and copiers[0].kept is None
    got = _stored(version_id)
    assert len(got) == 121 and len({r[-1] for r in got}) == 121
    assert next(r for r in got if r[-1] == "102")[DETAIL_COLUMNS.index("summary")] == "09:30:00"
    assert next(r for r in got if r[-1] == "103")[DETAIL_COLUMNS.index("summary")] == "true"


def test_failed_copy_is_rolled_back_and_copied_at_store(pg_world, tmp_path, windows, copiers, monkeypatch, caplog):
    """The server refuses the third window's ``COPY`` (a bad value): the transaction is rolled
    back before the version is written and the store copies every row once."""
    _app, world = pg_world
    real = pgcopy.csv_window
    calls = []

    def third_bad(frame, keys):
        calls.append(1)
        data = real(frame, keys)
        return data.replace(b",", b",not-a-date,", 1) if len(calls) == 3 else data  # shifts the columns

    monkeypatch.setattr(pgcopy, "csv_window", third_bad)
    version_id = _ingest(world, tmp_path, "failed.xlsx")
    assert copiers[0]._error is not None and copiers[0].kept is None
    assert "copied at store time" in caplog.text
    got = _stored(version_id)
    assert len(got) == 121 and len({r[-1] for r in got}) == 121


def test_progress_and_recovery_are_not_blocked_by_the_copy(pg_world, tmp_path, windows, copiers, monkeypatch):
    """While rows are copied into the version's open transaction, another connection can still
    write the version's progress and mark it FAILED (recovery); the pipeline then sees FAILED and
    stores nothing."""
    from supervision.filings import pipeline

    app, world = pg_world
    other = create_engine(app.config["SQLALCHEMY_DATABASE_URI"], connect_args={"options": "-c lock_timeout=5000"})
    seen = {}
    real = pipeline._still_ours

    def recovered_meanwhile(version_id):
        assert copiers and copiers[-1].kept == 121  # the rows are in the open transaction
        with other.begin() as conn:  # as recovery would: not blocked (lock_timeout would raise)
            conn.execute(text("UPDATE filing_version SET progress = '{\"stage\": \"x\"}', status = 'FAILED' "
                              "WHERE id = :v"), {"v": version_id})
        seen["updated"] = True
        return real(version_id)

    monkeypatch.setattr(pipeline, "_still_ours", recovered_meanwhile)
    version_id = _ingest(world, tmp_path, "recovered.xlsx", status="FAILED")
    other.dispose()
    assert seen == {"updated": True}
    assert _count(version_id) == 0


@pytest.mark.parametrize(("url", "auto"), [
    ("postgresql+psycopg://postgres@127.0.0.1:5432/db", False),
    ("postgresql+psycopg://postgres@localhost/db", False),
    ("postgresql+psycopg://postgres@[::1]:5432/db", False),
    ("postgresql+psycopg:///db", False),  # the default Unix socket
    ("postgresql+psycopg://u@/db?host=/var/run/postgresql", False),
    ("postgresql+psycopg://u@db.internal:5432/db", True),
    ("postgresql+psycopg://u@10.0.0.5/db", True),
])
def test_copy_while_reading_wanted(url, auto):
    """``auto`` copies while reading only for a server on another machine; ``on``/``off`` decide."""
    assert pgcopy.wanted("auto", make_url(url)) is auto
    assert pgcopy.wanted("on", make_url(url)) is True
    assert pgcopy.wanted("off", make_url(url)) is False


def test_auto_with_a_local_server_copies_at_store(pg_world, tmp_path, windows, copiers, monkeypatch):
    """The test server is on this machine: with ``auto`` no copier is made and the store copies."""
    app, world = pg_world
    monkeypatch.setitem(app.config, "INGEST_COPY_WHILE_READING", "auto")
    version_id = _ingest(world, tmp_path, "auto.xlsx")
    assert copiers == []
    assert [r[-1] for r in _stored(version_id)] == [str(n) for n in range(2, 123)]

