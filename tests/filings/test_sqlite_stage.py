"""SQLite's bulk load through a staging file (``supervision.sqlitestage``) stores exactly what
``executemany`` stores, value by value and storage class by storage class; the staging file is gone
and the connection detached once the version is written; a failed staging falls back to binding the
rows, without a duplicate. SQLite only: PostgreSQL loads with ``COPY``."""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
import tempfile

import pytest
from sqlalchemy import text

from supervision import sqlitestage
from supervision.filings import bulkload
from supervision.filings.bulkload import DETAIL_COLUMNS, KEYS
from tests.filings.test_bulkload import _ingest


@pytest.fixture()
def scratch(tmp_path, monkeypatch):
    """Temporary files of this test (the staging folder among them) go to a folder of its own."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def _stagers(monkeypatch) -> list[sqlitestage.Stager]:
    """The stagers created from now on, in order."""
    made: list[sqlitestage.Stager] = []
    real_init = sqlitestage.Stager.__init__
    monkeypatch.setattr(sqlitestage.Stager, "__init__", lambda self, *a: made.append(self) or real_init(self, *a))
    return made


def _stored(version_id: int) -> list[tuple]:
    """Every column of the version's rows with its SQLite storage class, in row order (ids by position)."""
    from supervision.extensions import db

    cols = [c for c in (*DETAIL_COLUMNS, *KEYS) if c != "version_id"]
    select_list = ", ".join(f"{c}, typeof({c})" for c in cols)
    rows = db.session.execute(text(f"SELECT id, {select_list} FROM complaint_row WHERE version_id = :v "
                                   "ORDER BY row_no"), {"v": version_id}).all()
    ids = [r[0] for r in rows]
    assert ids == sorted(ids)  # inserted in the sheet's order
    return [tuple(r[1:]) for r in rows]


CUBE = {"cube_cell": ("dim_a", "val_a", "dim_b", "val_b", "received", "closed", "on_time", "favourable", "escalated",
                      "extended", "amount_sum", "redress_sum"),
        "cube_days": ("dim_a", "val_a", "dim_b", "val_b", "days", "closed_rows")}


def _cube(version_id: int) -> dict[str, list[tuple]]:
    """The version's §10.1 cube (cells and days) with each value's storage class, sorted."""
    from supervision.extensions import db

    out = {}
    for table, cols in CUBE.items():
        select_list = ", ".join(f"{c}, typeof({c})" for c in cols)
        out[table] = sorted(tuple(r) for r in db.session.execute(text(
            f"SELECT {select_list} FROM {table} WHERE version_id = :v"), {"v": version_id}).all())
    db.session.rollback()
    return out


def _attached(raw) -> list[str]:
    """The schemas attached to the DB-API connection ``raw`` (idle in the pool now)."""
    return [r[1] for r in raw.execute("PRAGMA database_list").fetchall() if r[1] not in ("main", "temp")]


def test_staged_rows_equal_bound_rows(world_app, tmp_path, scratch, monkeypatch, caplog):
    _app, world = world_app
    caplog.set_level(logging.WARNING, logger=bulkload.__name__)
    assert sqlitestage.available()
    used = []
    real_copy = sqlitestage.copy_staged
    monkeypatch.setattr(sqlitestage, "copy_staged",
                        lambda *a, **kw: used.append((a[0].dbapi_connection, a[1], a[0].info)) or real_copy(*a, **kw))
    stagers = _stagers(monkeypatch)
    staged = _ingest(world, tmp_path, "staged.xlsx")
    assert len(used) == 3 and not any(u[1].exists() for u in used)  # rows, cells, days staged; files gone
    assert len(stagers) == 1 and used[0][1] == stagers[0].path  # the rows were staged while the sheet was read
    assert stagers[0].rows == 121 and not stagers[0].abandoned
    assert "staged load failed" not in caplog.text  # and stored the rows itself
    monkeypatch.setattr(sqlitestage, "available", lambda: False)
    bound = _ingest(world, tmp_path, "bound.xlsx")
    assert len(used) == 3
    got, want = _stored(staged), _stored(bound)
    assert len(got) == len(want) == 121
    assert got == want
    kinds = {v for row in got for v in row[1::2]}
    assert {"text", "integer", "real", "null"} <= kinds  # every storage class the rows use was compared
    cube_got, cube_want = _cube(staged), _cube(bound)
    assert cube_got == cube_want and len(cube_got["cube_cell"]) > 50 and cube_got["cube_days"]
    assert {"integer", "real"} <= {r[21] for r in cube_got["cube_cell"]}  # amount_sum: whole and cents
    raw, _path, info = used[0]
    assert _attached(raw) == []  # detached when the connection went back to the pool
    assert info[sqlitestage.ATTACHED] == []
    assert not list(scratch.glob("sv-stage-*"))


@pytest.mark.parametrize("when", ["before", "after"])
def test_failed_staging_falls_back_without_duplicates(world_app, tmp_path, scratch, monkeypatch, caplog, when):
    _app, world = world_app
    real_copy = sqlitestage.copy_staged

    def failing(pooled, path, target, columns, **kw):
        if when == "after":  # the rows were copied, then something failed: they are deleted first
            real_copy(pooled, path, target, columns, **kw)
        raise sqlite3.OperationalError("disk I/O error (injected)")

    monkeypatch.setattr(sqlitestage, "copy_staged", failing)
    caplog.set_level(logging.WARNING, logger=bulkload.__name__)
    version_id = _ingest(world, tmp_path, "fallback.xlsx")
    assert "staged load failed" in caplog.text
    rows = _stored(version_id)
    assert len(rows) == 121 and len({r[-2] for r in rows}) == 121  # row_no: each row once
    assert not list(scratch.glob("sv-stage-*"))


def test_rejected_version_stages_nothing_and_leaves_nothing(world_app, tmp_path, scratch, monkeypatch):
    from supervision.extensions import db

    _app, world = world_app
    stagers = _stagers(monkeypatch)

    def bad_channel(rows):
        rows[5]["channel"] = "NOT-A-CHANNEL"  # a blocking error in the only window

    version_id = _ingest(world, tmp_path, "bad.xlsx", bad_channel, status="REJECTED")
    assert len(stagers) == 1 and stagers[0].abandoned and stagers[0].rows == 0
    assert db.session.execute(text("SELECT count(*) FROM complaint_row WHERE version_id = :v"),
                              {"v": version_id}).scalar() == 0
    assert not list(scratch.glob("sv-stage-*"))


def test_rows_read_again_exactly_are_staged_at_store_time(world_app, tmp_path, scratch, monkeypatch):
    """A cell the compiled reader does not read (a time of day) and one the fast reader cannot decide
    send the sheet to the fast reader, then the exact one: the windows staged so far are dropped and
    the rows are staged from the spool when stored, once each."""
    _app, world = world_app
    stagers = _stagers(monkeypatch)

    def ambiguous(rows):
        rows[7]["summary"] = dt.time(9, 30)  # no column form: the compiled reader declines
        rows[8]["summary"] = "true"  # typed text that a boolean cell would also read as

    version_id = _ingest(world, tmp_path, "exact.xlsx", ambiguous)
    assert len(stagers) == 1 and stagers[0].abandoned
    got = _stored(version_id)
    assert len(got) == 121 and len({r[-2] for r in got}) == 121
    assert next(r for r in got if r[-2] == 9)[DETAIL_COLUMNS.index("summary") * 2] == "09:30:00"
    assert next(r for r in got if r[-2] == 10)[DETAIL_COLUMNS.index("summary") * 2] == "true"
    assert not list(scratch.glob("sv-stage-*"))


def test_attached_staging_schemas_are_bounded_and_detached(tmp_path, scratch):
    """One transaction may stage many tables (SQLite attaches at most 10 databases): past
    ``MAX_ATTACHED`` the caller binds rows instead; every schema is detached at check-in."""
    import pyarrow as pa
    from sqlalchemy import create_engine, event

    engine = create_engine(f"sqlite:///{tmp_path / 'many.db'}")
    event.listen(engine, "checkin", sqlitestage.detach_staged)
    with engine.connect() as conn:
        conn.exec_driver_sql("CREATE TABLE t (a INTEGER, b TEXT)")
        conn.commit()
        pooled = conn.connection
        loads = 0
        while sqlitestage.usable(pooled):
            n = sqlitestage.load(pooled, "t", ("a", "b"), [pa.table({"a": [loads, loads], "b": ["x", None]})])
            assert n == 2
            loads += 1
        assert loads == sqlitestage.MAX_ATTACHED
        assert conn.exec_driver_sql("SELECT count(*), count(b) FROM t").one() == (2 * loads, loads)
        raw = pooled.dbapi_connection
        conn.commit()
    staged = [r[1] for r in raw.execute("PRAGMA database_list").fetchall() if r[1].startswith("sv_stage_")]
    assert staged == []
    assert not list(scratch.glob("sv-stage-*"))
    engine.dispose()


def test_stager_keeps_order_and_abandons():
    import polars as pl

    stager = sqlitestage.Stager(lambda frame: frame.to_arrow())
    try:
        for start in range(0, 30, 10):
            stager.add(pl.DataFrame({"n": list(range(start, start + 10))}))
        path = stager.finish()
        assert path is not None and stager.rows == 30
        import contextlib

        with contextlib.closing(sqlite3.connect(path)) as check:
            assert [r[0] for r in check.execute("SELECT n FROM rows ORDER BY rowid")] == list(range(30))
    finally:
        stager.close()
    assert not stager.folder.exists()
    other = sqlitestage.Stager(lambda frame: frame.to_arrow())
    other.add(pl.DataFrame({"n": [1]}))
    other.abandon()
    other.add(pl.DataFrame({"n": [2]}))
    assert other.finish() is None and other.rows <= 1
    other.close()
    assert not other.folder.exists()
