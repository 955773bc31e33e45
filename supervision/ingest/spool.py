"""The spool of converted detail rows: what validation produced, kept for storing (one pass).

Windows of converted rows (polars frames, see :mod:`supervision.ingest.coldetail`) are gathered into
frames of about :data:`SPOOL_FRAME_ROWS` rows (the reader's windows are small; what reads the spool
back, such as the cube's grouping, costs per frame as well as per row). Frames stay in memory while
their total stays under ``memory_bytes``; past it, every frame is written to an Arrow IPC file in a
private temporary folder and read back one at a time when stored. The folder is removed
on :meth:`Spool.close` or, failing that, when the spool is garbage-collected.
"""

from __future__ import annotations

import shutil
import tempfile
import weakref
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import polars as pl

#: Converted rows kept in memory up to this many bytes (some hundreds of thousands of detail rows); beyond, on disk.
SPOOL_MEMORY_BYTES = 128 * 1024 * 1024
#: Windows are gathered into frames of at least this many rows (the last one may have fewer).
SPOOL_FRAME_ROWS = 100_000


class Spool:
    """Converted row windows in order (see the module docstring)."""

    def __init__(self, memory_bytes: int = SPOOL_MEMORY_BYTES) -> None:
        """An empty spool."""
        self.memory_bytes = memory_bytes
        self._frames: list[pl.DataFrame | Path] = []
        self._pending: list[pl.DataFrame] = []  # windows not yet gathered into a frame
        self._pending_rows = 0
        self._bytes = 0
        self._dir: Path | None = None
        self._finalizer = None
        self.rows = 0
        #: field codes whose column holds decimals as text (given back as ``Decimal`` by :meth:`dicts`)
        self.decimals: tuple[str, ...] = ()

    def add(self, frame: pl.DataFrame) -> None:
        """Append a window (gathered with the windows before it into a frame of
        :data:`SPOOL_FRAME_ROWS` rows, kept in memory, or written to disk past the budget)."""
        self.rows += frame.height
        size = frame.estimated_size()
        if self._dir is None and self._bytes + size > self.memory_bytes:
            self._dir = Path(tempfile.mkdtemp(prefix="sv-spool-"))
            self._finalizer = weakref.finalize(self, shutil.rmtree, str(self._dir), True)
            self._frames = [self._write(f) if isinstance(f, pl.DataFrame) else f for f in self._frames]
            self._bytes = 0
        if self._dir is None:
            self._bytes += size
        self._pending.append(frame)
        self._pending_rows += frame.height
        if self._pending_rows >= SPOOL_FRAME_ROWS:
            gathered = self._gathered()
            self._pending, self._pending_rows = [], 0
            self._frames.append(gathered if self._dir is None else self._write(gathered))

    def _gathered(self) -> pl.DataFrame:
        """The pending windows as one frame (their chunks are not copied)."""
        return self._pending[0] if len(self._pending) == 1 else pl.concat(self._pending, rechunk=False)

    def _write(self, frame: pl.DataFrame) -> Path:
        path = self._dir / f"{len(list(self._dir.iterdir())):06d}.arrow"
        frame.write_ipc(path)
        return path

    @property
    def on_disk(self) -> bool:
        """True once the spool has spilled to disk."""
        return self._dir is not None

    def frames(self) -> Iterator[pl.DataFrame]:
        """The windows in order (read back from disk one at a time)."""
        for item in self._frames:
            yield item if isinstance(item, pl.DataFrame) else pl.read_ipc(item)
        if self._pending:
            yield self._gathered()

    def dicts(self) -> Iterator[dict[str, object]]:
        """Every row as a dict of Python values (decimals as ``Decimal``)."""
        for frame in self.frames():
            for row in frame.iter_rows(named=True):
                for code in self.decimals:
                    if row[code] is not None:
                        row[code] = Decimal(row[code])
                yield row

    def close(self) -> None:
        """Drop the windows and remove the folder."""
        self._frames, self._pending = [], []
        if self._finalizer is not None:
            self._finalizer()


class Listeners:
    """Several spool listeners as one (validation takes one): each is given every window until it
    is abandoned; abandoned when all are."""

    def __init__(self, *listeners) -> None:
        """The listeners given, Nones left out."""
        self.items = [listener for listener in listeners if listener is not None]

    @property
    def abandoned(self) -> bool:
        """True when no listener takes windows any more."""
        return all(listener.abandoned for listener in self.items)

    def add(self, frame: pl.DataFrame) -> None:
        """Give ``frame`` to every listener still taking windows."""
        for listener in self.items:
            if not listener.abandoned:
                listener.add(frame)

    def abandon(self) -> None:
        """Abandon every listener."""
        for listener in self.items:
            listener.abandon()
