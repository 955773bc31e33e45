"""One Alembic history for both databases: migrating gives exactly the models (no autogenerate diff)."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from supervision.extensions import db as _db
from tests.conftest import BACKENDS, PG_TEST_DB


def test_migrations_match_models(app):
    with app.app_context(), _db.engine.connect() as conn:
        from supervision.versionkeys import include_object

        ctx = MigrationContext.configure(conn, opts={"compare_type": True, "render_as_batch": True,
                                                     "include_object": include_object(conn.dialect.name)})
        diff = compare_metadata(ctx, _db.metadata)
        assert diff == [], f"models and migrations differ on {app.config['BACKEND']}: {diff}"
        tables = set(inspect(conn).get_table_names())
        assert {"agency", "institution", "user_account", "period", "filing", "filing_version",
                "audit_event", "sharing_agreement", "institution_alias", "reference_code"} <= tables
        head = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        from alembic.config import Config
        from alembic.script import ScriptDirectory

        from supervision.app import MIGRATIONS_DIR

        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
        scripts = ScriptDirectory.from_config(cfg)
        assert len(scripts.get_heads()) == 1, "one migration history, one head"
        assert head == scripts.get_current_head()


@pytest.mark.parametrize("backend", BACKENDS)
def test_every_schema_migration_is_audited_with_the_platform_version(backend, tmp_path, monkeypatch):
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import select

    from supervision.audit.models import AuditEvent
    from supervision.version import platform_version
    from tests.conftest import make_app

    app = make_app(backend, tmp_path / "audited", pg_db=f"{PG_TEST_DB}_audit")  # migrated from an empty database
    with app.app_context():
        from alembic.script import ScriptDirectory

        script = ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config())
        history = [rev.revision for rev in reversed(list(script.walk_revisions()))]

        def events():
            _db.session.remove()
            return _db.session.scalars(select(AuditEvent).where(AuditEvent.action.in_(("db_upgrade", "db_downgrade")))
                                       .order_by(AuditEvent.id)).all()

        first = events()
        assert [(e.action, e.object_id) for e in first] == [("db_upgrade", history[-1])]
        assert first[0].detail == {"version": platform_version(), "from": [], "to": [history[-1]],
                                   "applied": history}
        upgrade()  # nothing to do, same version: nothing recorded
        assert len(events()) == 1
        downgrade(revision="-1")
        upgrade()
        trail = events()
        assert [(e.action, e.detail["applied"]) for e in trail[1:]] == [("db_downgrade", [history[-1]]),
                                                                       ("db_upgrade", [history[-1]])]
        assert trail[1].detail["to"] == [history[-2]]
        monkeypatch.setattr("supervision.audit.schema.platform_version", lambda: "99.0.0")
        upgrade()  # a new release without schema changes is recorded once
        upgrade()
        last = events()
        assert len(last) == 4 and last[-1].detail == {"version": "99.0.0", "from": [history[-1]],
                                                      "to": [history[-1]], "applied": []}
        _db.session.remove()
        _db.engine.dispose()


def test_the_history_lives_inside_the_package():
    from pathlib import Path

    from supervision.app import MIGRATIONS_DIR

    root = Path(__file__).resolve().parents[1]
    assert root / "supervision" / "migrations" == MIGRATIONS_DIR and (MIGRATIONS_DIR / "alembic.ini").is_file()
    stray = sorted(p.relative_to(root).as_posix() for p in (root / "migrations").rglob("*.py"))
    assert stray == [], f"migrations live in supervision/migrations/versions/ (shipped in the wheel): move {stray}"
