"""``supervision backup`` / ``supervision restore``: a consistent copy of the database and of every
stored file, with a manifest of SHA-256 sums; a restore that verifies everything before it says so.

**Backup** (into an empty or new folder):

1. the database, consistently: SQLite through its online backup API (a page-level copy that other
   connections may keep writing during; ``database.sqlite``); PostgreSQL with ``pg_dump -Fc`` of
   the major version of the server (``database.pgdump``), run on a snapshot exported by a
   ``REPEATABLE READ`` transaction in which every table's rows are counted — so the counts in the
   manifest are exactly those of the dump;
2. then every stored object of every :func:`supervision.backup.blobs.stores` area (originals,
   register uploads, attachments, exports) into ``files/<area>/<key>``, hashed while copied.
   Objects are never changed or deleted once stored and are written before the rows that refer to
   them, so every object the dumped database refers to is in the copy;
3. ``manifest.json`` last (format, time, platform version, Alembic revision, the database file's
   SHA-256 and each table's row count, every file's area, key, SHA-256 and size) and
   ``SHA256SUMS`` (``sha256sum -c`` format, manifest included).

**Restore** (into an empty database and empty stores unless ``force``): every file of the backup is
checked against the manifest first — nothing is touched when one differs; then the database is
restored (SQLite backup API; ``pg_restore --clean --if-exists --single-transaction``), every object
is put back through its store and read back; finally each table's row count is compared with the
manifest and every object the restored database refers to is checked against the SHA-256 recorded
in its row. Only then does it report success (:class:`RestoreReport`); any difference raises
:class:`BackupError` naming it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app
from sqlalchemy import create_engine, func, inspect, select, table, text

from supervision.backup.blobs import CHUNK, recorded_objects, sha256_of, stores
from supervision.errors import ServiceError
from supervision.extensions import db
from supervision.timeutil import utcnow

FORMAT = "supervision-backup/1"
MANIFEST = "manifest.json"
SUMS = "SHA256SUMS"
FILES = "files"


class BackupError(ServiceError):
    """A refused or failed backup or restore (bilingual message)."""


# ------------------------------------------------------------------------------------- helpers
def _hash_file(path: Path) -> tuple[str, int]:
    with path.open("rb") as fh:
        return sha256_of(fh)


def _copy_hashing(src, dst: Path) -> tuple[str, int]:
    """Copy a stream into ``dst`` while hashing it."""
    import hashlib

    dst.parent.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    with dst.open("wb") as out:
        for chunk in iter(lambda: src.read(CHUNK), b""):
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
    return digest.hexdigest(), size


def _alembic_revision() -> str | None:
    with db.engine.connect() as conn:
        if "alembic_version" not in inspect(conn).get_table_names():
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _dialect() -> str:
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


def _pg_backup(target: Path) -> tuple[dict[str, int], str]:
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


def _pg_restore(source: Path) -> None:
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
def _sqlite_path() -> Path:
    return Path(db.engine.url.database)


def _sqlite_counts(path: Path) -> dict[str, int]:
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


def _sqlite_copy(source: Path, target: Path) -> None:
    """SQLite's online backup API from ``source`` into ``target`` (a consistent page copy), left
    as one self-contained file (rollback journal, not WAL)."""
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")
    finally:
        dst.close()
        src.close()


def _sqlite_restore(source: Path) -> None:
    target = _sqlite_path()
    db.session.remove()
    db.engine.dispose()
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


# --------------------------------------------------------------------------------------- backup
@dataclass
class BackupReport:
    """What a backup wrote."""

    folder: Path
    manifest: dict

    @property
    def files(self) -> int:
        """Number of stored files copied."""
        return len(self.manifest["files"])


def _empty_or_new(folder: Path) -> None:
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise BackupError(f"备份目录须为空或不存在 / the backup folder must be empty or new: {folder}")
    folder.mkdir(parents=True, exist_ok=True)


def backup(folder: str | os.PathLike[str], progress: Callable[[str], None] | None = None) -> BackupReport:
    """Back up the database and every stored file into ``folder`` (see the module docstring)."""
    from supervision.version import platform_version

    say = progress or (lambda _m: None)
    out = Path(folder).resolve()
    _empty_or_new(out)
    dialect = _dialect()
    db.session.remove()
    created = utcnow()
    if dialect == "sqlite":
        name = "database.sqlite"
        _sqlite_copy(_sqlite_path(), out / name)
        counts, tool = _sqlite_counts(out / name), f"sqlite3 {sqlite3.sqlite_version}"
    elif dialect == "postgresql":
        name = "database.pgdump"
        counts, tool = _pg_backup(out / name)
    else:
        raise BackupError(f"不支持的数据库 / unsupported database: {dialect}")
    db_sha, db_size = _hash_file(out / name)
    say(f"database: {name} {db_size} bytes, {sum(counts.values())} rows in {len(counts)} tables")
    files = []
    for area, store in stores().items():
        for key in store.iter_keys():
            with store.open(key) as src:
                sha, size = _copy_hashing(src, out / FILES / area / key)
            files.append({"store": area, "key": key, "sha256": sha, "size": size})
        say(f"files: {area} {sum(1 for f in files if f['store'] == area)}")
    manifest = {"format": FORMAT, "created_at": created.isoformat(), "platform_version": platform_version(),
                "alembic_revision": _alembic_revision(),
                "database": {"dialect": dialect, "file": name, "sha256": db_sha, "size": db_size, "tool": tool},
                "tables": counts, "files": files}
    (out / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8")
    lines = [f"{db_sha}  {name}"] + [f"{f['sha256']}  {FILES}/{f['store']}/{f['key']}" for f in files]
    lines.append(f"{_hash_file(out / MANIFEST)[0]}  {MANIFEST}")
    (out / SUMS).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return BackupReport(out, manifest)


# -------------------------------------------------------------------------------------- restore
@dataclass
class RestoreReport:
    """What a restore verified: tables and their rows, files put back, objects checked."""

    tables: dict[str, int]
    files: int
    bytes: int
    recorded_checked: int
    notes: list[str] = field(default_factory=list)


def read_manifest(folder: Path) -> dict:
    """The backup's manifest (refusing a folder that is not a complete backup)."""
    path = folder / MANIFEST
    if not path.is_file():
        raise BackupError(f"不是完整的备份（缺少 {MANIFEST}）/ not a complete backup (no {MANIFEST}): {folder}")
    manifest = json.loads(path.read_text(encoding="utf-8"))
    if manifest.get("format") != FORMAT:
        raise BackupError(f"未知的备份格式 / unknown backup format: {manifest.get('format')!r}")
    return manifest


def verify_backup(folder: Path, manifest: dict) -> list[str]:
    """Every file of the backup against its SHA-256 in the manifest; the problems found."""
    problems = []
    entries = [(manifest["database"]["file"], manifest["database"]["sha256"], manifest["database"]["size"])]
    entries += [(f"{FILES}/{f['store']}/{f['key']}", f["sha256"], f["size"]) for f in manifest["files"]]
    for rel, sha, size in entries:
        path = folder / rel
        if not path.is_file():
            problems.append(f"missing {rel}")
            continue
        got, n = _hash_file(path)
        if got != sha or n != size:
            problems.append(f"{rel}: SHA-256 {got} ({n} bytes), manifest {sha} ({size} bytes)")
    return problems


def database_rows() -> dict[str, int]:
    """Row count of every table of the configured database."""
    with db.engine.connect() as conn:
        return _counts(conn)


def database_is_empty() -> bool:
    """True when no table but Alembic's holds a row."""
    return not any(n for t, n in database_rows().items() if t != "alembic_version")


def _known_revision(revision: str | None) -> bool:
    if revision is None:
        return True
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(current_app.extensions["migrate"].migrate.get_config())
    try:
        return script.get_revision(revision) is not None
    except Exception:  # alembic raises its own errors for unknown ids
        return False


def restore(folder: str | os.PathLike[str], force: bool = False,
            progress: Callable[[str], None] | None = None) -> RestoreReport:
    """Restore a backup made by :func:`backup` (see the module docstring); ``force`` allows a
    non-empty database or stores (their content is replaced; stored objects are added)."""
    say = progress or (lambda _m: None)
    src = Path(folder).resolve()
    manifest = read_manifest(src)
    dialect = _dialect()
    if manifest["database"]["dialect"] != dialect:
        raise BackupError(f"备份来自 {manifest['database']['dialect']}，目标为 {dialect} / the backup is of "
                          f"{manifest['database']['dialect']}, the target database is {dialect}")
    if not _known_revision(manifest.get("alembic_revision")):
        raise BackupError(f"备份的数据库版本 {manifest['alembic_revision']} 比本平台新，请先升级平台 / the backup's "
                          f"schema revision {manifest['alembic_revision']} is unknown to this platform version; "
                          f"install the version that made it (or newer) first")
    problems = verify_backup(src, manifest)
    if problems:
        raise BackupError("备份文件与清单不符，未做任何恢复 / the backup does not match its manifest; nothing was "
                          "restored:\n- " + "\n- ".join(problems[:50]))
    say(f"backup verified: {len(manifest['files'])} files and the database file")
    targets = stores()
    if not force:
        if not database_is_empty():
            raise BackupError("目标数据库非空；确认覆盖请加 --force / the target database is not empty; add --force to "
                              "replace its content")
        busy = [area for area, store in targets.items() if next(iter(store.iter_keys()), None) is not None]
        if busy:
            raise BackupError(f"目标存储区非空：{', '.join(busy)}；确认请加 --force / the target stores are not empty "
                              f"({', '.join(busy)}); add --force to add to them")
    unknown = {f["store"] for f in manifest["files"]} - set(targets)
    if unknown:
        raise BackupError(f"未知的存储区 / unknown stores in the backup: {', '.join(sorted(unknown))}")
    db_file = src / manifest["database"]["file"]
    if dialect == "sqlite":
        _sqlite_restore(db_file)
    else:
        _pg_restore(db_file)
    say("database restored")
    total = 0
    for f in manifest["files"]:
        store = targets[f["store"]]
        with (src / FILES / f["store"] / f["key"]).open("rb") as fh:
            store.put(f["key"], fh)
        with store.open(f["key"]) as fh:
            sha, size = sha256_of(fh)
        if sha != f["sha256"]:
            raise BackupError(f"写回后校验失败 / stored copy differs after writing: {f['store']}/{f['key']}")
        total += size
    say(f"files restored: {len(manifest['files'])} ({total} bytes)")
    return _verify_restored(manifest, targets, total)


def _verify_restored(manifest: dict, targets: dict, total: int) -> RestoreReport:
    problems = []
    rows = database_rows()
    for name, n in manifest["tables"].items():
        if rows.get(name) != n:
            problems.append(f"table {name}: {rows.get(name)} rows, backup had {n}")
    checked = 0
    for obj in recorded_objects():
        store = targets[obj.store]
        if not store.exists(obj.key):
            problems.append(f"{obj.what}: {obj.store}/{obj.key} missing")
            continue
        with store.open(obj.key) as fh:
            sha, _size = sha256_of(fh)
        if sha != obj.sha256:
            problems.append(f"{obj.what}: {obj.store}/{obj.key} has SHA-256 {sha}, recorded {obj.sha256}")
        checked += 1
    db.session.remove()
    if problems:
        raise BackupError("恢复后校验失败 / the restored data failed verification:\n- " + "\n- ".join(problems[:50]))
    return RestoreReport(rows, len(manifest["files"]), total, checked)
