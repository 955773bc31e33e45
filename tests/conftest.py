"""Shared fixtures: an app per database backend (SQLite and PostgreSQL, both migrated with
Alembic), a rollback-isolated session per test, clients, and a standard "world" of agencies,
institutions, users and filings built through the real services.

Real third-party data (``../shared`` beside the repository) is read only by tests marked
``@pytest.mark.realdata``: they are skipped, with the reason, where that folder is absent (a user's
clone), and every other test fails if it reads anything under it (an audit hook watches ``open``,
directory listings and globbing in this process).
"""

from __future__ import annotations

import os
import re
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import scoped_session, sessionmaker

PG_ADMIN_DSN = os.environ.get("SUPERVISION_TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")
#: Each pytest-xdist worker (``make test`` runs the suite on every core) has its own databases: every
#: PostgreSQL database a test creates is named from this prefix, so workers never share one.
PG_TEST_DB = os.environ.get("SUPERVISION_TEST_PG_DB", "supervision_test") + (
    f"_{os.environ['PYTEST_XDIST_WORKER']}" if os.environ.get("PYTEST_XDIST_WORKER") else "")
BACKENDS = ["sqlite", "postgresql"]
#: Real third-party data and the spec folder, beside the repository (CI has it; a user's clone does not).
SHARED = Path(__file__).resolve().parents[2] / "shared"


def pg_url(dbname: str = PG_TEST_DB) -> str:
    """SQLAlchemy URL of a database on the local PostgreSQL server."""
    base = PG_ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    return f"{base}/{dbname}"


def recreate_pg_database(dbname: str) -> str:
    """Drop and create a PostgreSQL database for the tests; returns its SQLAlchemy URL."""
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{dbname}"')
    return pg_url(dbname)


def make_app(backend: str, tmp: Path, **extra):
    """A migrated app on ``backend`` with its instance folder under ``tmp``."""
    from flask_migrate import upgrade

    from supervision.app import create_app

    tmp.mkdir(parents=True, exist_ok=True)
    if backend == "sqlite":
        url = f"sqlite:///{tmp / 'test.db'}"
    else:
        url = recreate_pg_database(extra.pop("pg_db", PG_TEST_DB))
    cfg = {
        "ENV": "testing",
        "TESTING": True,
        "INSTANCE_PATH": str(tmp),
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": "test-secret-" + uuid.uuid4().hex,
        "LOGIN_RATE_LIMIT": "1000 per minute",
        "SHARED_DATA_DIR": None,  # tests never depend on ../shared unless marked realdata
        "SERVER_NAME": None,
        # cheaper argon2id for the suite (production keeps the library defaults)
        "ARGON2_TIME_COST": 1,
        "ARGON2_MEMORY_COST": 1024,
        "ARGON2_PARALLELISM": 1,
    }
    cfg.update(extra)
    app = create_app(cfg)
    with app.app_context():
        upgrade()
    return app


@pytest.fixture(scope="session", params=BACKENDS)
def app(request, tmp_path_factory):
    """The application on each backend (tests using it run once per backend)."""
    application = make_app(request.param, tmp_path_factory.mktemp(f"inst-{request.param}"))
    application.config["BACKEND"] = request.param
    yield application
    from supervision.extensions import db

    with application.app_context():
        db.engine.dispose()


@pytest.fixture()
def db(app):
    """A database session whose work is rolled back after the test (services' commits become
    savepoint releases)."""
    from supervision.extensions import db as _db
    from supervision.extensions import limiter

    with app.app_context():
        connection = _db.engine.connect()
        outer = connection.begin()
        original = _db.session
        factory = sessionmaker(bind=connection, join_transaction_mode="create_savepoint")
        _db.session = scoped_session(factory, scopefunc=original.registry.scopefunc)
        limiter.reset()
        try:
            yield _db
        finally:
            _db.session.remove()
            _db.session = original
            outer.rollback()
            connection.close()


class IsolatedClient(FlaskClient):
    """Each request runs in a fresh application context (fresh ``g`` and session scope), as in
    production, instead of reusing the test's own context; data still lives in the test's
    rolled-back transaction."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture()
def client(app, db):
    """A test client on the rolled-back connection."""
    app.test_client_class = IsolatedClient
    return app.test_client()


CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_from(html: str) -> str:
    """The CSRF token embedded in a page."""
    m = CSRF_RE.search(html)
    assert m, "page has no CSRF token"
    return m.group(1)


def login(client, email: str, password: str, remember: bool = False):
    """Log in through the real form (with its CSRF token); returns the response."""
    page = client.get("/login")
    token = csrf_from(page.get_data(as_text=True))
    data = {"email": email, "password": password, "csrf_token": token}
    if remember:
        data["remember"] = "y"
    return client.post("/login", data=data)


def page_token(client, path: str = "/") -> str:
    """A CSRF token for the logged-in client (from the logout form on any page)."""
    return csrf_from(client.get(path).get_data(as_text=True))


PASSWORD = "Test-pass-12345"


@pytest.fixture()
def world(db):
    """Agencies NFRA(+NFRA-BJ) and PBOC(+PBOC-SH) with the default sharing; institution A (CF,
    led by NFRA-BJ) and B (PAY, led by PBOC-SH); one user per role of the access matrix; a period
    and one filing with a version for each institution."""
    from tests.factories import build_world

    return build_world(db)


# ---- real third-party data: the realdata marker and the guard ------------------------------------

def realdata_missing(item) -> Path | None:
    """The first path under ``SHARED`` that a ``realdata`` test needs and that is absent (else None).

    ``@pytest.mark.realdata`` needs ``../shared/data``; ``@pytest.mark.realdata("spec/codes.json")``
    names what it reads instead.
    """
    for mark in item.iter_markers("realdata"):
        for rel in mark.args or ("data",):
            if not (SHARED / rel).exists():
                return SHARED / rel
    return None


class SharedGuard:
    """Records every path under ``SHARED`` opened, listed or globbed while :attr:`active`."""

    EVENTS = frozenset({"open", "os.listdir", "os.scandir", "glob.glob", "shutil.copyfile", "shutil.copytree",
                        "sqlite3.connect", "os.chdir"})

    def __init__(self, root: Path) -> None:
        self.prefixes = tuple({os.path.abspath(root), os.path.realpath(root)})
        self.active = False
        self.reads: list[str] = []

    def hit(self, path) -> bool:
        """True when ``path`` (str, bytes or path-like; relative to the working directory) lies under the root."""
        if path is None or isinstance(path, int):
            return False
        try:
            text = os.path.abspath(os.fsdecode(path))
        except (TypeError, ValueError):
            return False
        return any(text == p or text.startswith(p + os.sep) for p in self.prefixes)

    def __call__(self, event: str, args: tuple) -> None:
        if self.active and event in self.EVENTS and args and self.hit(args[0]):
            self.reads.append(f"{event} {os.fsdecode(args[0])}")


SHARED_GUARD = SharedGuard(SHARED)


def pytest_configure(config):
    """Install the guard once per process (audit hooks cannot be removed; it is switched per test)."""
    if not getattr(sys, "_supervision_shared_guard", False):
        sys.addaudithook(SHARED_GUARD)
        sys._supervision_shared_guard = True


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """Skip ``realdata`` tests without their data; guard every other test (fixtures included)."""
    SHARED_GUARD.reads.clear()
    realdata = item.get_closest_marker("realdata") is not None
    SHARED_GUARD.active = not realdata
    if realdata and (missing := realdata_missing(item)) is not None:
        pytest.skip(f"real third-party data absent: {missing} (realdata tests run where ../shared exists)")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A test not marked ``realdata`` that read under ``../shared`` fails, naming what it read."""
    outcome = yield
    report = outcome.get_result()
    if call.when == "teardown":
        reads, SHARED_GUARD.reads[:] = list(SHARED_GUARD.reads), []
        SHARED_GUARD.active = False
        if reads and report.passed:
            report.outcome = "failed"
            report.longrepr = ("read ../shared without @pytest.mark.realdata (a user's clone has no ../shared): "
                               + "; ".join(reads[:5]))


@pytest.fixture(scope="session")
def seaweed(tmp_path_factory):
    """A real SeaweedFS S3 server for the session (skipped, with the reason, where it cannot start)."""
    from tests.seaweed import start_seaweed

    try:
        server = start_seaweed(tmp_path_factory.mktemp("seaweed"))
    except RuntimeError as exc:
        pytest.skip(f"SeaweedFS cannot start here: {exc}")
    yield server
    server.stop()
