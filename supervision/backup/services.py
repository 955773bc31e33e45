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
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app

from supervision.backup.blobs import CHUNK, recorded_objects, sha256_of, stores
from supervision.backup.database import (
    BackupError,
    alembic_revision,
    database_is_empty,
    database_rows,
    dialect_name,
    pg_backup,
    pg_restore,
    sqlite_copy,
    sqlite_counts,
    sqlite_path,
    sqlite_restore,
)
from supervision.extensions import db
from supervision.timeutil import utcnow

FORMAT = "supervision-backup/1"
MANIFEST = "manifest.json"
SUMS = "SHA256SUMS"
FILES = "files"


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
    dialect = dialect_name()
    if dialect == "sqlite" and not sqlite_path().is_file():
        raise BackupError(f"数据库文件不存在 / the database file does not exist: {sqlite_path()}")
    revision = alembic_revision()
    if revision is None:
        raise BackupError("数据库尚未建表（请先运行 supervision db upgrade） / the database has no schema (run "
                          "`supervision db upgrade` first): nothing to back up")
    _empty_or_new(out)
    db.session.remove()
    created = utcnow()
    if dialect == "sqlite":
        name = "database.sqlite"
        sqlite_copy(sqlite_path(), out / name)
        counts, tool = sqlite_counts(out / name), f"sqlite3 {sqlite3.sqlite_version}"
    elif dialect == "postgresql":
        name = "database.pgdump"
        counts, tool = pg_backup(out / name)
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
                "alembic_revision": revision,
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
    dialect = dialect_name()
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
        sqlite_restore(db_file)
    else:
        pg_restore(db_file)
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
