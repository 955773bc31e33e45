"""The spool gathers the reader's windows into frames (issue 12): what reads it back costs per frame."""

from __future__ import annotations

import polars as pl
import pytest

from supervision.ingest import spool as spool_module
from supervision.ingest.spool import Spool


def _windows(n: int, height: int) -> list[pl.DataFrame]:
    return [pl.DataFrame({"_row": list(range(2 + i * height, 2 + (i + 1) * height)),
                          "amount": [f"{i}.{j:02d}" for j in range(height)]}) for i in range(n)]


@pytest.mark.parametrize("memory_bytes", [spool_module.SPOOL_MEMORY_BYTES, 1])
def test_windows_are_gathered_into_frames_in_order(monkeypatch, memory_bytes):
    monkeypatch.setattr(spool_module, "SPOOL_FRAME_ROWS", 10)
    windows = _windows(7, 4)  # 28 rows: frames of 12 and 12 rows (3 windows each), then the last 4
    spool = Spool(memory_bytes=memory_bytes)
    spool.decimals = ("amount",)
    try:
        for w in windows:
            spool.add(w)
        frames = list(spool.frames())
        assert [f.height for f in frames] == [12, 12, 4]
        assert pl.concat(frames).equals(pl.concat(windows))
        assert spool.rows == 28 and spool.on_disk == (memory_bytes == 1)
        assert [r["_row"] for r in spool.dicts()] == list(range(2, 30))  # read again: the same, in order
        assert next(iter(spool.frames())).equals(frames[0])
    finally:
        spool.close()
    assert list(spool.frames()) == []


def test_a_spool_without_windows_gives_no_frame():
    spool = Spool()
    assert list(spool.frames()) == [] and spool.rows == 0
