"""Job, export and notification tests run on committed data (jobs commit, and the scheduler tests
start real processes): one fresh database per backend and test module, the standard world, and a
clean slate of job runs, notifications and exports before each test."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.conftest import BACKENDS, PG_TEST_DB, IsolatedClient, make_app

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def at(day: dt.date, hour: int = 0, minute: int = 0, second: int = 0) -> dt.datetime:
    """An aware instant at a local (Asia/Shanghai) wall time."""
    return dt.datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=SHANGHAI)


@pytest.fixture(scope="module", params=BACKENDS)
def jlive(request, tmp_path_factory):
    """(app, world) on a fresh committed database; synchronous tasks, retries without delay."""
    name = request.module.__name__.rsplit(".", 1)[-1]
    tmp = tmp_path_factory.mktemp(f"jobs-{request.param}")
    app = make_app(request.param, tmp, TASK_BACKEND="sync", JOB_RETRY_DELAY=0,
                   EXPORT_FOLDER=str(tmp / "exports"), pg_db=f"{PG_TEST_DB}_{name}"[:60])
    app.config["BACKEND"] = request.param
    app.test_client_class = IsolatedClient
    with app.app_context():
        from supervision.extensions import db
        from tests.factories import build_world

        world = plain(build_world(db))
        db.session.commit()
        db.session.remove()
    yield app, world
    with app.app_context():
        from supervision.extensions import db

        db.session.remove()
        db.engine.dispose()


def plain(world) -> SimpleNamespace:
    """The world as plain values (ORM objects do not outlive their session): institutions ``a``,
    ``b``, ``c`` (id, code, name), ``period_id``, ``users`` (key → (id, e-mail)), findings ids."""
    def inst(i):
        """Plain facts of an institution."""
        return SimpleNamespace(id=i.id, code=i.code, name=i.name, sector=i.sector)

    return SimpleNamespace(a=inst(world.inst_a), b=inst(world.inst_b), c=inst(world.inst_c),
                           period_id=world.period.id, period_code=world.period.code,
                           users={k: (u.id, u.email) for k, u in vars(world.users).items()},
                           finding_a=world.finding_a.id, finding_c=world.finding_c.id)


def clean(app) -> None:
    """Remove job runs, job state, notifications and exports (and their files); reopen every period."""
    import shutil

    from supervision.exports.models import Export, ExportInstitution
    from supervision.extensions import db
    from supervision.jobs.models import JobRun, ScheduledJobState, SchedulerProcess
    from supervision.notifications.models import Notification
    from supervision.periods.models import Period

    with app.app_context():
        for model in (ExportInstitution, Export, JobRun, ScheduledJobState, SchedulerProcess, Notification):
            db.session.query(model).delete()
        db.session.query(Period).update({"open": True})
        db.session.commit()
        db.session.remove()
    shutil.rmtree(Path(app.config["EXPORT_FOLDER"]), ignore_errors=True)


@pytest.fixture()
def jctx(jlive):
    """An app context on the module's app, after a clean slate; the session is removed afterwards."""
    app, world = jlive
    clean(app)
    with app.app_context():
        yield app, world
        from supervision.extensions import db

        db.session.rollback()
        db.session.remove()


def idle_in_transaction(app) -> list[tuple]:
    """Sessions of the app's PostgreSQL database left idle inside a transaction (other than this
    query's own connection)."""
    from sqlalchemy import text

    from supervision.extensions import db

    with db.engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT pid, state, now() - state_change, query FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND state IN ('idle in transaction', 'idle in transaction (aborted)')")).all()
    return [tuple(r) for r in rows]
