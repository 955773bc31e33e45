"""The one boundary between backup/restore and where stored files live.

Every file the platform keeps is content-addressed: originals of filing versions and register
uploads, answer attachments (``SUPERVISION_UPLOAD_FOLDER``) and exports
(``SUPERVISION_EXPORT_FOLDER``), each under a key such as ``ab/<sha256>.xlsx``. Backup and restore
see them only through an :class:`ObjectStore` — ``iter_keys``, ``open``, ``put``, ``exists`` — named by
area (``uploads``, ``exports``); :func:`stores` returns the configured ones. Today they are local
folders (:class:`FolderStore`); an object-storage implementation (S3, by SHA-256) plugs in by
providing the same four methods from :func:`stores`, and backup/restore do not change.

:func:`recorded_objects` lists, from the database, every object a row refers to with the SHA-256
recorded beside it — what a restore must find intact.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

from flask import current_app
from sqlalchemy import select

CHUNK = 1 << 20


class ObjectStore(Protocol):
    """Where one area's stored files live."""

    name: str

    def iter_keys(self) -> Iterator[str]:
        """Every stored key (``ab/<sha256>.xlsx``), in a stable order."""

    def open(self, key: str) -> BinaryIO:
        """The stored bytes of ``key`` (a readable binary stream; the caller closes it)."""

    def put(self, key: str, stream: BinaryIO) -> None:
        """Store ``stream`` under ``key`` (whole or not at all)."""

    def exists(self, key: str) -> bool:
        """Whether ``key`` is stored."""


class FolderStore:
    """An :class:`ObjectStore` in a local folder (the embedded default). Temporary files of the
    writers (``tmp/``, names starting with a dot) are not objects."""

    def __init__(self, name: str, root: str | os.PathLike[str]):
        self.name = name
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if self.root.resolve() not in path.parents:
            raise ValueError(f"key outside the store: {key!r}")
        return path

    def iter_keys(self) -> Iterator[str]:
        """Every file below the folder except temporaries, sorted."""
        if not self.root.is_dir():
            return iter(())
        found = []
        for dirpath, dirnames, filenames in os.walk(self.root):
            rel_dir = Path(dirpath).relative_to(self.root)
            dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and not (rel_dir == Path(".")
                                                                                     and d == "tmp"))
            found += [(rel_dir / f).as_posix() for f in filenames if not f.startswith(".")]
        return iter(sorted(found))

    def open(self, key: str) -> BinaryIO:
        """The file of ``key``."""
        return self._path(key).open("rb")

    def put(self, key: str, stream: BinaryIO) -> None:
        """Write to a temporary file beside the target, then rename it into place."""
        target = self._path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".restore-", dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as out:
                for chunk in iter(lambda: stream.read(CHUNK), b""):
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, target)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)

    def exists(self, key: str) -> bool:
        """Whether the file exists."""
        return self._path(key).is_file()


def stores() -> dict[str, ObjectStore]:
    """The configured stores by area name."""
    cfg = current_app.config
    return {"uploads": FolderStore("uploads", cfg["UPLOAD_FOLDER"]),
            "exports": FolderStore("exports", cfg["EXPORT_FOLDER"])}


def sha256_of(stream: BinaryIO) -> tuple[str, int]:
    """SHA-256 and size of a stream read to its end."""
    digest, size = hashlib.sha256(), 0
    for chunk in iter(lambda: stream.read(CHUNK), b""):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


@dataclass(frozen=True)
class RecordedObject:
    """An object a database row refers to, with the SHA-256 recorded there."""

    store: str
    key: str
    sha256: str
    what: str


def recorded_objects() -> Iterator[RecordedObject]:
    """Every stored object the database refers to: originals of filing versions and register
    uploads, answer attachments, exports."""
    from supervision.exports.models import Export
    from supervision.extensions import db
    from supervision.filings.models import FilingVersion
    from supervision.findings.models import FindingEvent
    from supervision.register.models import RegisterUpload

    for vid, path, sha in db.session.execute(select(FilingVersion.id, FilingVersion.storage_path,
                                                    FilingVersion.sha256).order_by(FilingVersion.id)):
        yield RecordedObject("uploads", path, sha, f"filing_version {vid}")
    for uid, path, sha in db.session.execute(select(RegisterUpload.id, RegisterUpload.storage_path,
                                                    RegisterUpload.sha256).order_by(RegisterUpload.id)):
        yield RecordedObject("uploads", path, sha, f"register_upload {uid}")
    for eid, path, sha in db.session.execute(
            select(FindingEvent.id, FindingEvent.attachment_path, FindingEvent.attachment_sha256)
            .where(FindingEvent.attachment_path.is_not(None)).order_by(FindingEvent.id)):
        yield RecordedObject("uploads", path, sha, f"finding_event {eid}")
    for xid, path, sha in db.session.execute(select(Export.id, Export.storage_path, Export.sha256)
                                             .order_by(Export.id)):
        yield RecordedObject("exports", path, sha, f"export {xid}")
