"""The application's blob stores and the few operations the features need.

``storage("uploads")`` holds originals of filing versions (``<aa>/<sha>.xlsx``), register uploads
(``register/…``) and answer attachments (``attachments/…``); ``storage("exports")`` holds generated
exports. Both are local folders (``SUPERVISION_UPLOAD_FOLDER`` / ``SUPERVISION_EXPORT_FOLDER``) unless
``SUPERVISION_STORAGE_URL=s3://bucket[/prefix]`` names an S3-compatible bucket (with
``SUPERVISION_S3_ENDPOINT_URL``, ``SUPERVISION_S3_ACCESS_KEY_ID``, ``SUPERVISION_S3_SECRET_ACCESS_KEY``,
``SUPERVISION_S3_REGION``); then the areas are prefixes of that bucket and no node needs a shared disk.

Writers: :func:`store_upload` (a stream, hashed while spooled to a private scratch file, then put and
verified) and :func:`store_file`. Readers: :func:`materialise` (a local path to read, e.g. the ingest
child's input) and :func:`send_object` (a download, verified against its recorded SHA-256).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlparse

from flask import current_app, send_file

from supervision.storage.base import CHUNK, Storage, StorageError, corrupt, key_for
from supervision.storage.local import LocalStorage

AREAS = ("uploads", "exports")


@dataclass(frozen=True)
class StoredFile:
    """A stored upload: its digest, size, key, and whether it exceeded the (flagging) size limit;
    ``path`` is the stored file itself when the store is a local folder (else None)."""

    sha256: str
    size: int
    relative: str
    over_limit: bool
    path: Path | None = None


def build_storage(area: str, cfg) -> Storage:
    """The store of ``area`` for configuration mapping ``cfg``."""
    url = (cfg.get("STORAGE_URL") or "").strip()
    if not url or url.startswith(("file:", "local")):
        return LocalStorage(area, cfg["UPLOAD_FOLDER"] if area == "uploads" else cfg["EXPORT_FOLDER"])
    parsed = urlparse(url)
    if parsed.scheme != "s3" or not parsed.netloc:
        raise ValueError(f"SUPERVISION_STORAGE_URL 应为 s3://bucket[/prefix] / must be s3://bucket[/prefix]: {url!r}")
    from supervision.storage.s3 import S3Storage, make_client

    client = make_client(cfg.get("S3_ENDPOINT_URL"), cfg.get("S3_ACCESS_KEY_ID"), cfg.get("S3_SECRET_ACCESS_KEY"),
                         cfg.get("S3_REGION"), float(cfg.get("S3_TIMEOUT") or 10))
    prefix = "/".join(p for p in (parsed.path.strip("/"), area) if p)
    return S3Storage(area, client, parsed.netloc, prefix)


def storage(area: str = "uploads") -> Storage:
    """The configured store of ``area`` (built once per application)."""
    if area not in AREAS:
        raise ValueError(f"unknown storage area {area!r}")
    stores = current_app.extensions.setdefault("supervision_storage", {})
    if area not in stores:
        stores[area] = build_storage(area, current_app.config)
    return stores[area]


def scratch_dir() -> Path:
    """A private scratch folder of this node (``instance/tmp``) for spools and downloaded copies."""
    path = Path(current_app.config["INSTANCE_PATH"]) / "tmp"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def _count_error(exc: BaseException) -> None:
    from supervision.ops.metrics import storage_error

    storage_error(type(exc).__name__)


def store_upload(stream: BinaryIO, *, prefix: str = "", suffix: str = ".xlsx", limit: int | None = None,
                 hard_limit: int | None = None, area: str = "uploads") -> StoredFile:
    """Keep ``stream`` byte for byte under ``[prefix/]<aa>/<sha256><suffix>``.

    The bytes are hashed while spooled to a private scratch file; reading stops with ``ValueError``
    past ``hard_limit`` (nothing is kept); ``limit`` only flags the file. The store verifies the
    SHA-256 after its write."""
    fd, tmp = tempfile.mkstemp(prefix=".upload-", dir=scratch_dir())
    try:
        digest, size = hashlib.sha256(), 0
        with os.fdopen(fd, "wb") as out:
            for chunk in iter(lambda: stream.read(CHUNK), b""):
                size += len(chunk)
                if hard_limit is not None and size > hard_limit:
                    raise ValueError(f"file exceeds {hard_limit} bytes")
                digest.update(chunk)
                out.write(chunk)
        sha = digest.hexdigest()
        return _put_file(area, Path(tmp), sha, size, key_for(sha, suffix, prefix), limit)
    finally:
        Path(tmp).unlink(missing_ok=True)


def store_file(area: str, path: str | os.PathLike[str], *, suffix: str, prefix: str = "") -> StoredFile:
    """Store a finished local file (an export) by its SHA-256."""
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(CHUNK), b""):
            digest.update(chunk)
            size += len(chunk)
    sha = digest.hexdigest()
    return _put_file(area, Path(path), sha, size, key_for(sha, suffix, prefix), None)


def _put_file(area: str, path: Path, sha: str, size: int, key: str, limit: int | None) -> StoredFile:
    store = storage(area)
    try:
        with path.open("rb") as fh:
            store.put(key, fh, sha)
    except StorageError as exc:
        _count_error(exc)
        raise
    local = store.local_path(key)
    return StoredFile(sha, size, key, limit is not None and size > limit, local)


@contextmanager
def materialise(area: str, key: str, sha256: str | None = None, *, verify: bool = False) -> Iterator[Path]:
    """A local path holding the object's bytes while the block runs: the stored file itself for a
    local folder (hashed first when ``verify``), else a private scratch copy streamed from the
    store, checked against ``sha256`` on the way and removed afterwards."""
    store = storage(area)
    try:
        local = store.local_path(key)
        if local is not None:
            if verify and sha256 is not None:
                actual = store.digest(key)
                if actual != sha256:
                    raise corrupt(key, sha256, actual)
            yield local
            return
        with fetch_copy(store, key, sha256) as path:
            yield path
    except StorageError as exc:
        _count_error(exc)
        raise


def download_copy(store: Storage, key: str, sha256: str | None, directory: Path) -> Path:
    """Stream ``key`` to a new private file in ``directory`` (mode 0600), checking ``sha256``;
    the caller removes it."""
    fd, tmp = tempfile.mkstemp(prefix=".object-", suffix=Path(key).suffix, dir=directory)
    try:
        digest = hashlib.sha256()
        src = store.open(key)
        try:
            with os.fdopen(fd, "wb") as out:
                for chunk in iter(lambda: src.read(CHUNK), b""):
                    digest.update(chunk)
                    out.write(chunk)
        finally:
            src.close()
        if sha256 is not None and digest.hexdigest() != sha256:
            raise corrupt(key, sha256, digest.hexdigest())
        return Path(tmp)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@contextmanager
def fetch_copy(store: Storage, key: str, sha256: str | None) -> Iterator[Path]:
    """:func:`download_copy` into the scratch folder, removed when the block ends."""
    path = download_copy(store, key, sha256, scratch_dir())
    try:
        yield path
    finally:
        path.unlink(missing_ok=True)


def send_object(area: str, key: str, sha256: str | None, *, download_name: str, mimetype: str | None = None,
                etag: str | None = None, max_age: int | None = None):
    """A download of a stored object, verified against ``sha256`` before the first byte is sent
    (a missing or damaged object raises :class:`StorageError`: an error page, not a broken file)."""
    store = storage(area)
    try:
        local = store.local_path(key)
        if local is not None:
            if sha256 is not None:
                actual = store.digest(key)
                if actual != sha256:
                    raise corrupt(key, sha256, actual)
            return send_file(local, as_attachment=True, download_name=download_name, mimetype=mimetype,
                             etag=etag if etag is not None else True, max_age=max_age)
        path = download_copy(store, key, sha256, scratch_dir())
    except StorageError as exc:
        _count_error(exc)
        raise
    fh = path.open("rb")
    path.unlink()  # the open handle keeps the bytes until the response is sent
    return send_file(fh, as_attachment=True, download_name=download_name, mimetype=mimetype,
                     etag=etag if etag is not None else False, max_age=max_age)


def describe() -> str:
    """Where stored files live, for ``supervision doctor`` and /readyz."""
    return ", ".join(repr(storage(a)) for a in AREAS)
