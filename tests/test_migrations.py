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


@pytest.mark.parametrize("backend", BACKENDS)
def test_0019_keeps_every_topic_mention_and_cube_day_both_ways(backend, tmp_path):
    """Migration 0019 on a database holding an ingested version: each topic mention keeps naming the
    same stored row (by ``row_id`` before, by ``row_no`` after, and back), and every ``cube_days``
    row is kept; on PostgreSQL the ids and codes compare bytewise after it and not before."""
    import datetime as dt

    from flask_migrate import downgrade, upgrade

    from supervision.demo import workbooks as gen
    from supervision.demo.summaries import COLLECTION
    from supervision.domain.calendar import period_of, today_local
    from supervision.domain.uscc import generate_uscc
    from supervision.orgs.services import create_institution
    from supervision.periods.services import add_period
    from supervision.reference.services import load_reference
    from tests.checks.helpers import ingest, profile
    from tests.conftest import make_app

    app = make_app(backend, tmp_path / "m19", pg_db=f"{PG_TEST_DB}_m19")
    with app.app_context():
        load_reference(None)
        period = add_period(None, period_of(today_local() - dt.timedelta(days=100)).code)
        inst = create_institution(None, code=generate_uscc(919, "11"), name="迁移核对消费金融有限公司", sector="CF",
                                  active_from="2020Q1")
        _db.session.commit()
        filing = gen.generate_cmp(profile(inst, 19, received=160), period.code, topics={COLLECTION: 9})
        vid = ingest(tmp_path, inst, period, "CMP", filing, "m19").id

        def mentions(key: str) -> set[tuple[str, str]]:  # (topic, complaint id) of every stored mention
            return set(_db.session.execute(text(
                f"SELECT t.topic, c.complaint_id FROM topic_row t JOIN complaint_row c "
                f"ON c.version_id = t.version_id AND {key} WHERE t.version_id = :v"), {"v": vid}).all())

        def days() -> list[tuple]:
            return sorted(tuple(r) for r in _db.session.execute(text(
                "SELECT dim_a, val_a, dim_b, val_b, days, closed_rows FROM cube_days WHERE version_id = :v"),
                {"v": vid}).all())

        def collations() -> dict[str, str | None]:
            if backend != "postgresql":
                return {}
            return dict(_db.session.execute(text(
                "SELECT table_name || '.' || column_name, collation_name FROM information_schema.columns "
                "WHERE table_schema = current_schema() AND column_name IN ('complaint_id', 'topic', 'dim_a', "
                "'dim_b') AND table_name IN ('complaint_row', 'topic_row', 'cube_days')")).all())

        at_head, cube = mentions("c.row_no = t.row_no"), days()
        assert len(at_head) >= 9 and cube
        assert set(collations().values()) == ({"C"} if backend == "postgresql" else set())
        _db.session.remove()  # no transaction of this session may hold the tables the migration alters
        downgrade(revision="0018_row_inst_complaint")
        _db.session.remove()
        assert mentions("c.id = t.row_id") == at_head and days() == cube
        assert "C" not in collations().values()
        _db.session.remove()
        upgrade()
        _db.session.remove()
        assert mentions("c.row_no = t.row_no") == at_head and days() == cube
        assert set(collations().values()) == ({"C"} if backend == "postgresql" else set())
        _db.session.remove()
        _db.engine.dispose()
