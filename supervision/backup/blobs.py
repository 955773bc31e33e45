"""The one boundary between backup/restore and where stored files live.

Every file the platform keeps is content-addressed: originals of filing versions and register
uploads, answer attachments (``SUPERVISION_UPLOAD_FOLDER``) and exports
(``SUPERVISION_EXPORT_FOLDER``), each under a key such as ``ab/<sha256>.xlsx``. Backup and restore
see them only through an :class:`ObjectStore` — ``iter_keys``, ``open``, ``put``, ``exists`` — named by
area (``uploads``, ``exports``); :func:`stores` returns the configured ones: local folders or
prefixes of an S3-compatible bucket (:mod:`supervision.storage`), and backup/restore do not change.

:func:`recorded_objects` lists, from the database, every object a row refers to with the SHA-256
recorded beside it — what a restore must find intact.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO, Protocol

from sqlalchemy import select

from supervision.storage.local import LocalStorage

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


#: the local folder store (kept under its former name for backup/restore callers)
FolderStore = LocalStorage


def stores() -> dict[str, ObjectStore]:
    """The configured stores by area name (local folders, or prefixes of the S3 bucket)."""
    from supervision.storage.service import AREAS, storage

    return {area: storage(area) for area in AREAS}


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
