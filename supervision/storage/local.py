"""The local folder store: the embedded default, the same ``instance/uploads`` and
``instance/exports`` layout as before (``<root>/<aa>/<sha256><suffix>``)."""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from supervision.storage.base import CHUNK, corrupt, missing, sha256_of_stream, unavailable


class LocalStorage:
    """Objects as files below ``root``; writes go to a temporary file beside the target, are
    fsynced, verified and renamed into place. Temporaries (``tmp/``, dot names) are not objects."""

    def __init__(self, name: str, root: str | os.PathLike[str]):
        self.name = name
        self.root = Path(root)

    def __repr__(self) -> str:
        return f"LocalStorage({self.name!r}, {str(self.root)!r})"

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if self.root.resolve() not in path.parents:
            raise ValueError(f"key outside the store: {key!r}")
        return path

    def put(self, key: str, stream: BinaryIO, sha256: str | None = None) -> str:
        """Write, fsync, read back to verify ``sha256``, then rename into place (atomically
        replacing what is there: the same bytes, or a damaged copy that this heals)."""
        target = self._path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".put-", dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as out:
                for chunk in iter(lambda: stream.read(CHUNK), b""):
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            with open(tmp, "rb") as back:
                written, _size = sha256_of_stream(back)
            if sha256 is not None and written != sha256:
                raise corrupt(key, sha256, written)
            os.replace(tmp, target)
            return written
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)

    def open(self, key: str) -> BinaryIO:
        """The file of ``key``."""
        try:
            return self._path(key).open("rb")
        except FileNotFoundError:
            raise missing(key) from None

    def exists(self, key: str) -> bool:
        """Whether the file exists."""
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        """Remove the file (absent is fine)."""
        self._path(key).unlink(missing_ok=True)

    def iter_keys(self) -> Iterator[str]:
        """Every file below the folder except temporaries, sorted."""
        if not self.root.is_dir():
            return iter(())
        found = []
        for dirpath, dirnames, filenames in os.walk(self.root):
            rel_dir = Path(dirpath).relative_to(self.root)
            dirnames[:] = sorted(d for d in dirnames
                                 if not d.startswith(".") and not (rel_dir == Path(".") and d == "tmp"))
            found += [(rel_dir / f).as_posix() for f in filenames if not f.startswith(".")]
        return iter(sorted(found))

    def ping(self) -> None:
        """The folder exists (or can be created) and is writable."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            fd, probe = tempfile.mkstemp(prefix=".ping-", dir=self.root)
            os.close(fd)
            os.unlink(probe)
        except OSError as exc:
            raise unavailable(str(self.root), exc) from exc

    def local_path(self, key: str) -> Path:
        """The file itself (read in place, named as configured); raises when it is missing."""
        if not self._path(key).is_file():
            raise missing(key)
        return self.root / key

    def digest(self, key: str) -> str:
        """SHA-256 of the stored file."""
        h = hashlib.sha256()
        with self.open(key) as fh:
            for chunk in iter(lambda: fh.read(CHUNK), b""):
                h.update(chunk)
        return h.hexdigest()
