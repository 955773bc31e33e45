"""``supervision db-app-role ROLE``: the privileges of the PostgreSQL role the application runs as.

Two roles (docs/deploy.md): the *owner* owns the schema and runs ``supervision db upgrade``; the
*application role* owns nothing and gets only what the running platform needs — read and write of
the data tables, and on ``audit_event`` only SELECT and INSERT. Owning nothing, it cannot
``TRUNCATE`` the audit log, disable its append-only trigger, or (not being a superuser) set
``session_replication_role`` to bypass triggers (issue 11, defect 6). Run as the owner after every
upgrade (new tables need their grants).
"""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import text

AUDIT_TABLE = "audit_event"


def grant_statements(role: str, tables: list[str]) -> list[str]:
    """The GRANT/REVOKE statements giving ``role`` exactly the application's privileges."""
    q = '"' + role.replace('"', '""') + '"'
    out = [f"GRANT USAGE ON SCHEMA public TO {q}",
           f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {q}"]
    for t in tables:
        if t == AUDIT_TABLE:
            out.append(f'GRANT SELECT, INSERT ON "{t}" TO {q}')
        elif t == "alembic_version":
            out.append(f'GRANT SELECT ON "{t}" TO {q}')
        else:
            out.append(f'GRANT SELECT, INSERT, UPDATE, DELETE ON "{t}" TO {q}')
    out.append(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {q}")
    return out


def grant_app_role(connection, role: str) -> list[str]:
    """Apply :func:`grant_statements` on ``connection`` (the owner's); refuses a role that owns
    anything or is a superuser. Returns the statements run."""
    owns = connection.execute(text(
        "SELECT count(*) FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner "
        "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE r.rolname = :r AND n.nspname = 'public'"),
        {"r": role}).scalar()
    attrs = connection.execute(text("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = :r"),
                               {"r": role}).first()
    if attrs is None:
        raise click.UsageError(f"数据库角色 {role} 不存在 / role {role} does not exist (CREATE ROLE … LOGIN first)")
    if owns or attrs[0] or attrs[1]:
        raise click.UsageError(f"角色 {role} 拥有对象或为超级用户，不能作为应用角色 / role {role} owns objects or is a "
                               "superuser: the application role must own nothing")
    tables = [r[0] for r in connection.execute(text(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"))]
    statements = grant_statements(role, tables)
    for s in statements:
        connection.execute(text(s))
    return statements


@click.command("db-app-role")
@with_appcontext
@click.argument("role")
def db_app_role(role):
    """Grant the PostgreSQL application ROLE what the platform needs, nothing more (run as the owner)."""
    from supervision.extensions import db

    if db.engine.dialect.name != "postgresql":
        raise click.UsageError("仅适用于 PostgreSQL / PostgreSQL only")
    with db.engine.begin() as conn:
        statements = grant_app_role(conn, role)
    click.echo(f"{len(statements)} statements: role {role} may read and write the data, append to the audit log")
