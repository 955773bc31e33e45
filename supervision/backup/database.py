"""The database half of a backup and a restore: a consistent copy and its row counts.

* SQLite: the online backup API (a page-level copy taken while other connections may write),
  left as one self-contained file; restored with the same API into the configured file.
* PostgreSQL: ``pg_dump -Fc`` of the server's major version (``SUPERVISION_PG_BIN_DIR``, then
  ``/usr/lib/postgresql/<major>/bin``, then ``PATH``) on a snapshot exported by a ``REPEATABLE
  READ`` transaction in which every table is counted — the counts are exactly those of the dump;
  restored with ``pg_restore --clean --if-exists --single-transaction --exit-on-error``.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from pathlib import Path

from flask import current_app
from sqlalchemy import create_engine, func, inspect, select, table, text

from supervision.errors import ServiceError
from supervision.extensions import db


class BackupError(ServiceError):
    """A refused or failed backup or restore (bilingual message)."""


def alembic_revision() -> str | None:
    with db.engine.connect() as conn:
        if "alembic_version" not in inspect(conn).get_table_names():
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def dialect_name() -> str:
    return db.engine.dialect.name


# --------------------------------------------------------------------------------- PostgreSQL
def _libpq(url) -> tuple[str, dict[str, str]]:
    """A libpq connection string (no password) and the environment carrying the password."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def server_major() -> int:
    """The PostgreSQL server's major version."""
    with db.engine.connect() as conn:
        return int(conn.execute(text("SHOW server_version_num")).scalar()) // 10000


def _tool_major(path: str) -> int | None:
    try:
        out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=30, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    m = re.search(r"\(PostgreSQL\)\s+(\d+)", out)
    return int(m.group(1)) if m else None


def pg_tool(name: str, major: int) -> str:
    """``pg_dump``/``pg_restore`` of the server's major version: ``SUPERVISION_PG_BIN_DIR``, then
    ``/usr/lib/postgresql/<major>/bin`` (Debian), then ``PATH``."""
    candidates = []
    if current_app.config.get("PG_BIN_DIR"):
        candidates.append(str(Path(current_app.config["PG_BIN_DIR"]) / name))
    candidates.append(f"/usr/lib/postgresql/{major}/bin/{name}")
    on_path = shutil.which(name)
    if on_path:
        candidates.append(on_path)
    seen = []
    for c in candidates:
        if Path(c).is_file():
            found = _tool_major(c)
            seen.append(f"{c} ({found})")
            if found == major:
                return c
    found = ", ".join(seen) or "none"
    raise BackupError(f"找不到与服务器主版本 {major} 一致的 {name}（已找到：{found}）；请安装 "
                      f"postgresql-client-{major} 或设置 SUPERVISION_PG_BIN_DIR / no {name} of the server's "
                      f"major version {major} (found: {found}); install postgresql-client-{major} or set "
                      f"SUPERVISION_PG_BIN_DIR")


def pg_backup(target: Path) -> tuple[dict[str, int], str]:
    """``pg_dump -Fc`` on an exported snapshot; every table counted in the same snapshot."""
    import psycopg
    from psycopg import sql

    major = server_major()
    tool = pg_tool("pg_dump", major)
    conninfo, env = _libpq(db.engine.url)
    with psycopg.connect(conninfo) as conn:
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        snapshot = conn.execute("SELECT pg_export_snapshot()").fetchone()[0]
        tables = [r[0] for r in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")]
        counts = {t: conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(t))).fetchone()[0]
                  for t in tables}
        done = subprocess.run([tool, "--format=custom", "--no-owner", "--no-privileges", f"--snapshot={snapshot}",
                               f"--file={target}", f"--dbname={conninfo}"], env=env, capture_output=True, text=True,
                              timeout=6 * 3600, check=False)
        conn.rollback()
    if done.returncode != 0:
        raise BackupError(f"pg_dump 失败 / pg_dump failed: {done.stderr.strip()[-2000:]}")
    return counts, f"{Path(tool).name} {major}"


def pg_restore(source: Path) -> None:
    major = server_major()
    tool = pg_tool("pg_restore", major)
    conninfo, env = _libpq(db.engine.url)
    db.session.remove()
    db.engine.dispose()
    done = subprocess.run([tool, "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction",
                           "--exit-on-error", f"--dbname={conninfo}", str(source)], env=env, capture_output=True,
                          text=True, timeout=6 * 3600, check=False)
    if done.returncode != 0:
        raise BackupError(f"pg_restore 失败 / pg_restore failed: {done.stderr.strip()[-2000:]}")


# ------------------------------------------------------------------------------------- SQLite
def sqlite_path() -> Path:
    return Path(db.engine.url.database)


def sqlite_counts(path: Path) -> dict[str, int]:
    engine = create_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as conn:
            return _counts(conn)
    finally:
        engine.dispose()


def _counts(conn) -> dict[str, int]:
    """Row count of every table on a connection (names quoted by SQLAlchemy)."""
    names = sorted(inspect(conn).get_table_names())
    return {t: conn.execute(select(func.count()).select_from(table(t))).scalar() for t in names}


def sqlite_copy(source: Path, target: Path) -> None:
    """SQLite's online backup API from ``source`` into ``target`` (a consistent page copy), left
    as one self-contained file (rollback journal, not WAL)."""
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")
    finally:
        dst.close()
        src.close()


def sqlite_restore(source: Path) -> None:
    target = sqlite_path()
    db.session.remove()
    db.engine.dispose()
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def database_rows() -> dict[str, int]:
    """Row count of every table of the configured database."""
    with db.engine.connect() as conn:
        return _counts(conn)


#: audit actions a freshly migrated database already holds (``supervision db upgrade`` audits itself)
MIGRATION_ACTIONS = ("db_upgrade", "db_downgrade")


def database_is_empty() -> bool:
    """True when the database holds nothing but its schema: no row in any table except Alembic's
    and the audit records of the migrations themselves."""
    from supervision.audit.models import AuditEvent

    rows = database_rows()
    others = db.session.scalar(select(func.count()).select_from(AuditEvent)
                               .where(AuditEvent.action.not_in(MIGRATION_ACTIONS))) if "audit_event" in rows else 0
    db.session.remove()
    return not others and not any(n for t, n in rows.items() if t not in ("alembic_version", "audit_event"))
