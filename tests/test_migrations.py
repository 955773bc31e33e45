"""One Alembic history for both databases: migrating gives exactly the models (no autogenerate diff)."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from supervision.extensions import db as _db


def test_migrations_match_models(app):
    with app.app_context(), _db.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True, "render_as_batch": True})
        diff = compare_metadata(ctx, _db.metadata)
        assert diff == [], f"models and migrations differ on {app.config['BACKEND']}: {diff}"
        tables = set(inspect(conn).get_table_names())
        assert {"agency", "institution", "user_account", "period", "filing", "filing_version",
                "audit_event", "sharing_agreement", "institution_alias", "reference_code"} <= tables
        head = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        from pathlib import Path

        from alembic.config import Config
        from alembic.script import ScriptDirectory

        cfg = Config()
        cfg.set_main_option("script_location", str(Path(__file__).resolve().parents[1] / "migrations"))
        scripts = ScriptDirectory.from_config(cfg)
        assert len(scripts.get_heads()) == 1, "one migration history, one head"
        assert head == scripts.get_current_head()
