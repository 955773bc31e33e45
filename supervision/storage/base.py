"""What every blob store provides, and the errors a reader of stored files can meet.

Stored files are content-addressed: a key is ``[<area prefix>/]<aa>/<sha256><suffix>`` (for example
``register/3f/3f…e1.xlsx``), exactly the relative path recorded in the database rows since the
first release, so the SHA-256 that names an object is always known to whoever reads it.
No Flask and no database here.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import BinaryIO, Protocol

from supervision.errors import ServiceError

CHUNK = 1 << 20


class StorageError(ServiceError):
    """Stored bytes cannot be given: shown as a bilingual error page, never a 500."""

    default_status = 503


class ObjectMissing(StorageError):
    """No object under the key."""

    default_status = 404


class ObjectCorrupt(StorageError):
    """The object's bytes do not have the SHA-256 recorded for them."""

    default_status = 409


class StorageUnavailable(StorageError):
    """The store cannot be reached (object storage down, folder unmounted)."""

    default_status = 503


def key_for(sha256: str, suffix: str = "", prefix: str = "") -> str:
    """The key of an object named by its SHA-256: ``[prefix/]<aa>/<sha256><suffix>``."""
    head = f"{prefix.strip('/')}/" if prefix.strip("/") else ""
    return f"{head}{sha256[:2]}/{sha256}{suffix}"


def sha256_of_stream(stream: BinaryIO) -> tuple[str, int]:
    """SHA-256 and size of ``stream`` read to its end."""
    digest, size = hashlib.sha256(), 0
    for chunk in iter(lambda: stream.read(CHUNK), b""):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def missing(key: str) -> ObjectMissing:
    """The bilingual error for an absent object."""
    return ObjectMissing(f"存储中找不到该文件（{key}），请联系平台运维 / "
                         f"the stored file {key} is missing from storage; please tell the platform's operators")


def corrupt(key: str, expected: str, actual: str) -> ObjectCorrupt:
    """The bilingual error for an object whose bytes changed."""
    return ObjectCorrupt(f"存储中的文件 {key} 已损坏（SHA-256 为 {actual[:12]}…，应为 {expected[:12]}…），"
                         "请联系平台运维 / "
                         f"the stored file {key} is damaged (SHA-256 {actual[:12]}…, recorded {expected[:12]}…); "
                         "please tell the platform's operators")


def unavailable(what: str, exc: BaseException) -> StorageUnavailable:
    """The bilingual error for a store that cannot be reached."""
    detail = getattr(exc, "response", {}).get("Error", {}).get("Code") or type(exc).__name__
    return StorageUnavailable(f"文件存储暂时无法访问（{what}），请稍后再试 / file storage cannot be reached ({what}: "
                              f"{detail}); please try again later")


class Storage(Protocol):
    """A blob store: the local folder (embedded default) or an S3-compatible bucket."""

    name: str

    def put(self, key: str, stream: BinaryIO, sha256: str | None = None) -> str:
        """Store ``stream`` under ``key`` whole or not at all, read back and verify it has ``sha256``
        (raises :class:`ObjectCorrupt` and keeps nothing otherwise); returns the SHA-256 stored."""

    def open(self, key: str) -> BinaryIO:
        """The stored bytes of ``key`` as a readable stream (the caller closes it); raises
        :class:`ObjectMissing`."""

    def exists(self, key: str) -> bool:
        """Whether ``key`` is stored."""

    def delete(self, key: str) -> None:
        """Remove ``key`` (exports past retention); absent keys are fine."""

    def iter_keys(self) -> Iterator[str]:
        """Every stored key, sorted (backups)."""

    def digest(self, key: str) -> str:
        """SHA-256 of the stored bytes of ``key``."""

    def ping(self) -> None:
        """Raise :class:`StorageUnavailable` unless the store answers (readiness)."""

    def local_path(self, key: str):
        """The file of ``key`` when the store is a local folder (read in place), else None."""
