"""Alembic environment for Flask-Migrate (Flask-SQLAlchemy 3): one history for SQLite and PostgreSQL."""

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

config = context.config
if config.config_file_name is not None and not logging.getLogger().handlers:
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

target_db = current_app.extensions["migrate"].db


def get_engine():
    """The application's engine."""
    return target_db.engine


config.set_main_option("sqlalchemy.url", get_engine().url.render_as_string(hide_password=False).replace("%", "%%"))


def get_metadata():
    """The models' metadata (every model module is imported by the app factory)."""
    return target_db.metadata


def run_migrations_offline():
    """Emit SQL without a database connection."""
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=get_metadata(),
                      literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    """Run migrations on the application's engine; skip empty autogenerate revisions."""

    def process_revision_directives(context, revision, directives):
        if getattr(config.cmd_opts, "autogenerate", False):
            script = directives[0]
            if script.upgrade_ops.is_empty():
                directives[:] = []
                logger.info("No changes in schema detected.")

    steps = []

    def on_version_apply(ctx, step, heads, run_args):
        steps.append((step.up_revision_id, step.is_upgrade))

    conf_args = dict(current_app.extensions["migrate"].configure_args)
    conf_args.setdefault("process_revision_directives", process_revision_directives)
    with get_engine().connect() as connection:
        from supervision.versionkeys import include_object

        # the version keys that triggers enforce on PostgreSQL are not foreign keys there (0015)
        conf_args.setdefault("include_object", include_object(connection.dialect.name))
        context.configure(connection=connection, target_metadata=get_metadata(), on_version_apply=on_version_apply,
                          **conf_args)
        # only `db upgrade` / `db downgrade` are audited (not current, check, history, migrate, stamp)
        run_fn = getattr(context.get_context().opts.get("fn"), "__name__", "")
        migrating = run_fn in ("upgrade", "downgrade") and not context.get_context().as_sql
        with context.begin_transaction():
            before = context.get_context().get_current_heads() if migrating else ()
            context.run_migrations()
            if migrating:
                # the audit event of the run (platform version, revisions before and after), in the
                # migration's own transaction; see supervision/audit/schema.py
                from supervision.audit.schema import record_migration

                record_migration(connection, before, context.get_context().get_current_heads(), steps)
        if migrating and connection.in_transaction():
            connection.commit()  # SQLite (no transactional DDL): the event's own transaction


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
