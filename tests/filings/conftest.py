"""Ingest tests run against committed data (the pipeline runs in a real child process, which
cannot see a test's uncommitted transaction): one fresh database per backend and module."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.conftest import BACKENDS, PG_TEST_DB, IsolatedClient, make_app


@pytest.fixture(scope="module", params=BACKENDS)
def live(request, tmp_path_factory):
    """(app, world) on a fresh committed database; jobs run synchronously (the CLI's mode)."""
    name = request.module.__name__.rsplit(".", 1)[-1]
    app = make_app(request.param, tmp_path_factory.mktemp(f"ingest-{request.param}"), TASK_BACKEND="sync",
                   pg_db=f"{PG_TEST_DB}_{name}"[:60])
    app.config["BACKEND"] = request.param
    app.test_client_class = IsolatedClient
    with app.app_context():
        from supervision.extensions import db
        from tests.factories import build_world_with_open_period

        world = build_world_with_open_period(db)
        yield app, world
        db.session.remove()
        db.engine.dispose()


@pytest.fixture()
def world_app(tmp_path):
    """A migrated SQLite app of the test's own with the standard world and an open current period,
    committed (tests of SQLite's own transaction and bulk-load mechanics)."""
    from supervision.extensions import db
    from tests.factories import build_world_with_open_period

    app = make_app("sqlite", tmp_path / "db", TASK_BACKEND="sync")
    with app.app_context():
        world = build_world_with_open_period(db)
        yield app, world
        db.session.remove()
        db.engine.dispose()


@pytest.fixture()
def ctx(live):
    """An app context on the live app for each test."""
    app, world = live
    with app.app_context():
        yield app, world
        from supervision.extensions import db

        db.session.remove()


Q1_START = dt.date(2024, 1, 1)


@pytest.fixture()
def windows(monkeypatch):
    """The detail sheet read in windows of a few rows each, as a large sheet is (several windows
    reach the spool's listeners while the rest is read)."""
    from supervision.ingest import colnative, colread

    monkeypatch.setattr(colread.fast_windows, "__defaults__", (0, 4096, colread.READ_THREADS))
    monkeypatch.setattr(colnative.native_windows, "__defaults__", (4096,))
