"""Content-addressed storage of original files: bytes kept exactly, named by SHA-256.

Pure file-system code (no Flask, no database). A file is streamed to a temporary name in the
target folder, hashed on the way, fsynced, then atomically renamed to ``<aa>/<sha256><suffix>``;
an identical file already present is left as it is.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

CHUNK = 1024 * 1024


@dataclass(frozen=True)
class StoredFile:
    """Where the original is, its digest and size, and whether it exceeded the size limit."""

    sha256: str
    size: int
    path: Path
    relative: str
    over_limit: bool


def store_stream(root: str | os.PathLike[str], stream: BinaryIO, suffix: str = ".xlsx",
                 limit: int | None = None, hard_limit: int | None = None) -> StoredFile:
    """Copy ``stream`` into ``root`` byte for byte; returns its SHA-256 and size.

    ``limit`` only flags the file (it is still kept so its rejection can cite it); reading stops
    with ``ValueError`` past ``hard_limit`` (then nothing is kept).
    """
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    fd, tmp_name = tempfile.mkstemp(prefix=".upload-", dir=root)
    try:
        with os.fdopen(fd, "wb") as out:
            while True:
                chunk = stream.read(CHUNK)
                if not chunk:
                    break
                size += len(chunk)
                if hard_limit is not None and size > hard_limit:
                    raise ValueError(f"file exceeds {hard_limit} bytes")
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        sha = digest.hexdigest()
        relative = f"{sha[:2]}/{sha}{suffix}"
        final = root / relative
        final.parent.mkdir(parents=True, exist_ok=True)
        if final.exists():
            os.unlink(tmp_name)
        else:
            os.replace(tmp_name, final)
        return StoredFile(sha, size, final, relative, limit is not None and size > limit)
    except BaseException:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
        raise


def sha256_of(path: str | os.PathLike[str]) -> str:
    """SHA-256 of a file on disk (to verify a stored original)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()
