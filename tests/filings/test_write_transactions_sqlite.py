"""Transactions begun as writers on SQLite (``supervision.transactions``).

A SQLite transaction that has read cannot write once another connection has committed since that
read: the write fails at once with "database is locked" (the busy timeout does not apply). Two
ingests running side by side hit this: one child's progress or result write failed, and its parent
could not even record the failure (CI, ``tests/api/test_filings_api.py::
test_concurrent_submissions_get_consecutive_versions``, 500 instead of 202). The ingest's
transactions now begin with ``BEGIN IMMEDIATE``. These tests put another connection's commit right
after the first read of every transaction and check that the work still lands. SQLite only:
PostgreSQL has no such upgrade, and the helpers change nothing there.
"""

from __future__ import annotations

import contextlib
import threading

import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.exc import OperationalError

OTHER_WRITE = "UPDATE filing_version SET original_filename = original_filename || '+' WHERE id = :v"


@contextlib.contextmanager
def commit_after_each_first_read(engine, version_id: int):
    """After the first ``SELECT`` of every transaction this thread begins, another connection
    commits a write (:data:`OTHER_WRITE` on ``version_id``) from a thread; this thread waits up to
    half a second for it. A transaction that holds the write lock makes the other wait instead.
    Yields the list of the other writes' errors (empty when every one landed)."""
    me = threading.get_ident()
    armed: set[int] = set()
    threads: list[threading.Thread] = []
    errors: list[BaseException] = []

    def other_write():
        try:
            with engine.connect() as conn:
                conn.execute(text(OTHER_WRITE), {"v": version_id})
                conn.commit()
        except BaseException as exc:  # reported to the test, which fails on it
            errors.append(exc)

    def on_begin(conn):
        if threading.get_ident() == me:
            armed.add(id(conn.connection.dbapi_connection))

    def after_execute(conn, cursor, statement, parameters, context, executemany):
        key = id(conn.connection.dbapi_connection)
        if key not in armed or threading.get_ident() != me or not statement.lstrip().upper().startswith("SELECT"):
            return
        armed.discard(key)
        t = threading.Thread(target=other_write)
        t.start()
        threads.append(t)
        t.join(timeout=0.5)

    event.listen(engine, "begin", on_begin)
    event.listen(engine, "after_cursor_execute", after_execute)
    try:
        yield threads, errors
    finally:
        event.remove(engine, "after_cursor_execute", after_execute)
        event.remove(engine, "begin", on_begin)
        for t in threads:
            t.join()


def _other_writes(db, version_id: int) -> int:
    name = db.session.scalar(select(text("original_filename")).select_from(text("filing_version"))
                             .where(text("id = :v")).params(v=version_id))
    return name.count("+")


def test_a_read_then_write_fails_after_another_commit_unless_begun_as_writer(world_app):
    """The hazard itself, then the cure (the other tests rely on the first half being true)."""
    from supervision.extensions import db
    from supervision.filings.models import FilingVersion
    from supervision.transactions import begin_write

    _app, world = world_app
    vid, other = world.filing_a.versions[0].id, world.filing_b.versions[0].id
    db.session.commit()  # the next read begins a transaction
    with commit_after_each_first_read(db.engine, other) as (threads, errors):
        db.session.get(FilingVersion, vid).failure = "x"  # read; the other connection commits
        with pytest.raises(OperationalError, match="locked"):
            db.session.flush()
        db.session.rollback()
        begin_write(db.session)
        db.session.get(FilingVersion, vid).failure = "y"
        db.session.commit()
    assert not errors and len(threads) == 2
    assert db.session.get(FilingVersion, vid).failure == "y"
    assert _other_writes(db, other) == 2


def test_begin_write_holds_the_write_lock_from_its_start_and_keeps_open_work(world_app):
    from supervision.extensions import db
    from supervision.filings.models import FilingVersion
    from supervision.transactions import begin_write, write_connection

    _app, world = world_app
    vid = world.filing_a.versions[0].id
    db.session.get(FilingVersion, vid).failure = "done before"
    db.session.flush()  # work of an open transaction: committed, not lost
    begin_write(db.session)
    assert db.session.get(FilingVersion, vid).failure == "done before"
    with db.engine.connect() as other:  # no other writer gets in meanwhile
        other.exec_driver_sql("PRAGMA busy_timeout=50")
        with pytest.raises(OperationalError, match="locked"):
            other.execute(text(OTHER_WRITE), {"v": vid})
        other.rollback()
        other.exec_driver_sql("PRAGMA busy_timeout=30000")
    db.session.commit()
    with write_connection(db.engine) as conn:
        with db.engine.connect() as other:
            other.exec_driver_sql("PRAGMA busy_timeout=50")
            with pytest.raises(OperationalError, match="locked"):
                other.execute(text(OTHER_WRITE), {"v": vid})
            other.rollback()
            other.exec_driver_sql("PRAGMA busy_timeout=30000")
        conn.execute(text(OTHER_WRITE), {"v": vid})
    assert _other_writes(db, vid) == 1


def test_an_ingest_lands_while_another_connection_commits_after_each_of_its_reads(world_app, tmp_path):
    """The whole pipeline in this process: start, progress, store, checks after acceptance, the
    final progress; every transaction sees another commit right after its first read."""
    from supervision.extensions import db
    from supervision.filings import services
    from supervision.filings.content_models import ComplaintRow
    from supervision.filings.models import FilingVersion
    from supervision.filings.pipeline import process_version
    from tests.api.helpers import good_workbook

    _app, world = world_app
    path = good_workbook(tmp_path / "a.xlsx", world.inst_a, world.current)
    with path.open("rb") as fh:
        stored = services.store_original(fh)
    vid = services.submit(None, world.inst_a, world.current, "CMP", stored, path.name).version.id
    other = world.filing_b.versions[0].id
    db.session.commit()  # the pipeline's first read begins a transaction
    with commit_after_each_first_read(db.engine, other) as (threads, errors):
        status = process_version(vid, path=str(path))
    db.session.rollback()
    v = db.session.get(FilingVersion, vid)
    assert (status, v.status, v.failure) == ("ACCEPTED", "ACCEPTED", None)
    assert v.progress["stage"] == "done" and v.progress["checks"] == "ok", v.progress
    assert db.session.scalar(select(func.count()).select_from(ComplaintRow)
                             .where(ComplaintRow.version_id == vid)) == 4
    assert not errors and len(threads) >= 5
    assert _other_writes(db, other) == len(threads)


def test_a_dead_childs_failure_is_recorded_while_another_connection_commits(world_app):
    from supervision.audit.models import AuditEvent
    from supervision.extensions import db
    from supervision.filings.models import FilingVersion
    from supervision.filings.runner import mark_failed

    _app, world = world_app
    vid, other = world.filing_a.versions[0].id, world.filing_b.versions[0].id
    db.session.get(FilingVersion, vid).status = "VALIDATING"
    db.session.commit()
    with commit_after_each_first_read(db.engine, other) as (threads, errors):
        mark_failed(vid, "处理进程异常退出 / processing exited")
    db.session.rollback()
    assert db.session.get(FilingVersion, vid).status == "FAILED"
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "filing_failed", AuditEvent.object_id == str(vid))) == 1
    assert not errors and len(threads) == 1 and _other_writes(db, other) == 1


def test_a_form_post_lands_while_another_connection_commits_after_its_first_read(world_app):
    """A request that may write (any method but GET, HEAD, OPTIONS; uploads excepted) begins as a
    writer: an ingest's commit between its first read and its write no longer answers 500."""
    from supervision.accounts.models import User
    from supervision.extensions import db
    from tests.conftest import PASSWORD, IsolatedClient, login, page_token

    app, world = world_app
    other = world.filing_b.versions[0].id
    uid = world.users.analyst_nfra.id
    app.test_client_class = IsolatedClient
    client = app.test_client()
    assert login(client, world.users.analyst_nfra.email, PASSWORD).status_code == 302
    token = page_token(client, "/account")
    db.session.commit()
    with commit_after_each_first_read(db.engine, other) as (threads, errors):
        resp = client.post("/account/name", data={"csrf_token": token, "name": "并发测试 / concurrent"})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
    db.session.rollback()
    assert db.session.get(User, uid).name == "并发测试 / concurrent"
    assert not errors and len(threads) >= 1 and _other_writes(db, other) == len(threads)


def test_a_download_is_audited_while_another_connection_commits_after_its_first_read(world_app):
    """A GET that writes only its audit event (``record_download``) begins that write as a writer."""
    from supervision.audit.models import AuditEvent
    from supervision.extensions import db
    from tests.conftest import PASSWORD, IsolatedClient, login

    app, world = world_app
    vid, other = world.filing_a.versions[0].id, world.filing_b.versions[0].id
    app.test_client_class = IsolatedClient
    client = app.test_client()
    assert login(client, world.users.filer_a.email, PASSWORD).status_code == 302
    db.session.commit()
    with commit_after_each_first_read(db.engine, other) as (threads, errors):
        resp = client.get(f"/filings/versions/{vid}/original")
        status, body = resp.status_code, resp.get_data()
        resp.close()
    assert status == 200, body[:500]
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "download", AuditEvent.object_id == str(vid))) == 1
    assert not errors and len(threads) >= 1 and _other_writes(db, other) == len(threads)


def test_an_api_post_lands_while_another_connection_commits_after_each_of_its_reads(world_app):
    """API authentication commits the token's use first; the hook begins the view's transaction as
    a writer after it (registered last), so the view's read-then-write is not left deferred."""
    from supervision.extensions import db
    from supervision.findings.models import Referral
    from tests.api.helpers import bearer, token_for

    app, world = world_app
    secret = token_for(world.users.analyst_nfra, "manage")
    finding, other = world.finding_a.id, world.filing_b.versions[0].id
    db.session.commit()
    with commit_after_each_first_read(db.engine, other) as (threads, errors):
        resp = app.test_client().post(f"/api/v1/findings/{finding}/refer", headers=bearer(secret),
                                      json={"agency": "PBOC", "note": "请协助核查 / please check"})
    assert resp.status_code == 201, resp.get_json()
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Referral).where(Referral.finding_id == finding)) == 1
    assert not errors and len(threads) >= 2 and _other_writes(db, other) == len(threads)


def test_a_dry_run_reports_while_another_connection_commits_after_each_of_its_reads(world_app, tmp_path):
    """The dry-run job holds no transaction while its child validates, and writes the report as a
    writer: a commit meanwhile no longer leaves the run "running" for ever."""
    from supervision.extensions import db
    from supervision.filings import dryrun
    from supervision.filings.models import DryRun
    from tests.api.helpers import good_workbook

    _app, world = world_app
    path = good_workbook(tmp_path / "dry.xlsx", world.inst_a, world.current)
    with path.open("rb") as fh:
        run_id = dryrun.create(world.users.filer_a, world.inst_a, world.current, "CMP", fh, "dry.xlsx").id
    other = world.filing_b.versions[0].id
    db.session.commit()
    with commit_after_each_first_read(db.engine, other) as (threads, errors):
        assert dryrun.run_dry_run(run_id) == "done"
    db.session.rollback()
    run = db.session.get(DryRun, run_id)
    assert run.status == "done" and run.report["status"] == "VALIDATED", run.report
    assert not errors and len(threads) >= 2 and _other_writes(db, other) == len(threads)
