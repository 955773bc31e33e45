"""The version key of ``complaint_row`` and ``topic_row`` holds on both databases: a foreign key on
SQLite, statement-level triggers on PostgreSQL (migration 0015, :mod:`supervision.versionkeys`).
Rows of a version that does not exist are refused (insert, COPY, update), deleting a version deletes
its rows, and the id of a version with rows cannot change."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from supervision.versionkeys import KEYS
from tests.factories import build_world

COLUMNS = ("version_id, institution_id, period_id, row_no, complaint_id, received_date, source, channel, "
           "business_category, cause, status, carried_over")


def _row(version_id: int, inst_id: int, period_id: int, n: int) -> dict:
    return {"v": version_id, "i": inst_id, "p": period_id, "n": n, "c": f"K-{version_id}-{n}"}


def _insert_rows(db, version_id: int, inst_id: int, period_id: int, count: int, first: int = 1) -> None:
    db.session.execute(text(f"INSERT INTO complaint_row ({COLUMNS}) VALUES (:v, :i, :p, :n, :c, '2024-01-05', "
                            "'DIRECT', 'C01', 'B05', 'C01', 'CLOSED', false)"),
                       [_row(version_id, inst_id, period_id, n) for n in range(first, first + count)])


@pytest.fixture()
def version(db):
    """(version id, institution id, period id) of a stored filing version, in the test's transaction."""
    build_world(db)
    return tuple(db.session.execute(text("SELECT v.id, f.institution_id, f.period_id FROM filing_version v "
                                         "JOIN filing f ON f.id = v.filing_id ORDER BY v.id LIMIT 1")).one())


def _count(db, table: str, version_id: int) -> int:
    return db.session.execute(text(f"SELECT count(*) FROM {table} WHERE version_id = :v"), {"v": version_id}).scalar()


def _missing_version(db) -> int:
    return db.session.execute(text("SELECT coalesce(max(id), 0) + 1000 FROM filing_version")).scalar()


def test_rows_of_an_existing_version_are_stored(db, version):
    vid, inst, period = version
    _insert_rows(db, vid, inst, period, 50)
    db.session.execute(text("INSERT INTO topic_row (version_id, topic, row_no) SELECT version_id, 'fees', row_no "
                            "FROM complaint_row WHERE version_id = :v"), {"v": vid})
    assert _count(db, "complaint_row", vid) == 50
    assert _count(db, "topic_row", vid) == 50


@pytest.mark.parametrize("table", ["complaint_row", "topic_row"])
def test_rows_of_a_missing_version_are_refused(db, version, table):
    vid, inst, period = version
    missing = _missing_version(db)
    _insert_rows(db, vid, inst, period, 3)
    nested = db.session.begin_nested()
    with pytest.raises(IntegrityError) as err:
        if table == "complaint_row":  # among valid rows: one statement, one bad key
            db.session.execute(text(f"INSERT INTO complaint_row ({COLUMNS}) VALUES (:v, :i, :p, :n, :c, '2024-01-05', "
                                    "'DIRECT', 'C01', 'B05', 'C01', 'CLOSED', false)"),
                               [_row(vid, inst, period, 10), _row(missing, inst, period, 11)])
        else:
            db.session.execute(text("INSERT INTO topic_row (version_id, topic, row_no) SELECT :m, 'fees', row_no "
                                    "FROM complaint_row WHERE version_id = :v"), {"m": missing, "v": vid})
        db.session.flush()
    nested.rollback()
    assert "foreign key" in str(err.value.orig).lower()
    assert _count(db, table, missing) == 0


def test_moving_rows_to_a_missing_version_is_refused(db, version):
    vid, inst, period = version
    _insert_rows(db, vid, inst, period, 3)
    nested = db.session.begin_nested()
    with pytest.raises(IntegrityError):
        db.session.execute(text("UPDATE complaint_row SET version_id = :m WHERE version_id = :v AND row_no = 2"),
                           {"m": _missing_version(db), "v": vid})
    nested.rollback()
    # an update that keeps the key is fine
    db.session.execute(text("UPDATE complaint_row SET summary = 'x' WHERE version_id = :v"), {"v": vid})


def test_the_bulk_load_of_a_missing_version_is_refused(db, version):
    """The bulk load's own statement is checked like any insert: ``COPY`` on PostgreSQL, the staged
    ``INSERT … SELECT`` on SQLite (:mod:`supervision.sqlitestage`)."""
    vid, inst, period = version
    missing = _missing_version(db)
    values = [(vid if n != 700 else missing, inst, period, n, f"C-{n}", "2024-01-05", "DIRECT", "C01", "B05", "C01",
               "CLOSED", False) for n in range(1, 1001)]
    nested = db.session.begin_nested()
    pooled = db.session.connection().connection  # the savepoint is taken here, before the raw statement
    if db.engine.dialect.name == "postgresql":
        with pytest.raises(Exception) as err, pooled.dbapi_connection.cursor() as cur, \
                cur.copy(f"COPY complaint_row ({COLUMNS}) FROM STDIN") as cp:
            for row in values:
                cp.write_row(row)
        assert getattr(err.value, "sqlstate", None) == "23503", err.value
        assert "fk_complaint_row_version_id_filing_version" in str(err.value)
    else:
        import sqlite3

        import pyarrow as pa

        from supervision import sqlitestage

        names = [c.strip() for c in COLUMNS.split(",")]
        table = pa.table({name: [row[i] for row in values] for i, name in enumerate(names)})
        with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
            sqlitestage.load(pooled, "complaint_row", names, [table])
    nested.rollback()
    assert _count(db, "complaint_row", vid) == 0


def test_deleting_a_version_deletes_its_rows(db, version):
    vid, inst, period = version
    _insert_rows(db, vid, inst, period, 5)
    db.session.execute(text("INSERT INTO topic_row (version_id, topic, row_no) SELECT version_id, 'fees', row_no "
                            "FROM complaint_row WHERE version_id = :v"), {"v": vid})
    db.session.execute(text("DELETE FROM filing_version WHERE id = :v"), {"v": vid})
    for table in ("complaint_row", "topic_row"):
        assert _count(db, table, vid) == 0


def test_the_id_of_a_version_with_rows_cannot_change(db, version):
    vid, inst, period = version
    _insert_rows(db, vid, inst, period, 2)
    nested = db.session.begin_nested()
    with pytest.raises(IntegrityError):
        db.session.execute(text("UPDATE filing_version SET id = :m WHERE id = :v"),
                           {"m": _missing_version(db), "v": vid})
    nested.rollback()
    assert _count(db, "complaint_row", vid) == 2


def test_postgresql_checks_the_keys_by_statement(db):
    """On PostgreSQL the keys are triggers, not per-row foreign keys (the point of 0015); SQLite keeps
    its foreign keys."""
    conn = db.session.connection()
    if conn.dialect.name == "postgresql":
        fks = set(conn.execute(text("SELECT conname FROM pg_constraint WHERE contype = 'f'")).scalars())
        triggers = set(conn.execute(text("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")).scalars())
        assert not {name for _t, name in KEYS} & fks
        assert {"sv_complaint_row_version_key_insert", "sv_complaint_row_version_key_update",
                "sv_topic_row_version_key_insert", "sv_topic_row_version_key_update",
                "sv_filing_version_key_cascade", "sv_filing_version_key_restrict"} <= triggers
    else:
        for table, name in KEYS:
            fks = conn.execute(text(f"PRAGMA foreign_key_list({table})")).all()
            assert any(row[2] == "filing_version" and row[3] == "version_id" for row in fks), name
