"""What killed processes leave in a node's scratch folder is removed a day later, and nothing else
(:mod:`supervision.storage.scratch`)."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

from supervision.storage.scratch import MAX_AGE, sweep

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


def _age(path, hours: float, now: datetime = NOW) -> None:
    when = (now - timedelta(hours=hours)).timestamp()
    os.utime(path, (when, when), follow_symlinks=False)


def _folder(path, hours: float, files: dict[str, float], now: datetime = NOW):
    """A folder ``hours`` old holding ``files`` (name: hours old) at ``now``."""
    path.mkdir()
    for name, file_hours in files.items():
        (path / name).write_bytes(b"x")
        _age(path / name, file_hours, now)
    _age(path, hours, now)
    return path


def test_sweep_removes_only_stale_platform_entries(tmp_path):
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    old = 25.0  # hours: past MAX_AGE
    assert timedelta(hours=24) == MAX_AGE
    _folder(scratch / "sv-spool-abc", old, {"w00000.arrow": old})  # a killed child's spool
    _folder(scratch / "sv-stage-def", old, {"rows.db": old})
    _folder(scratch / "sv-windows-live", old, {"w1.arrow": 0.1})  # something still writes into it
    _folder(scratch / "sv-spool-new", 1.0, {})  # a live ingest's
    for name, hours in ((".upload-1", old), (".object-2.xlsx", old), (".export-3.xlsx", 2.0),
                        ("sv-guard-4.xlsx", old), ("keep-me.txt", old), ("notes", old)):
        (scratch / name).write_bytes(b"x")
        _age(scratch / name, hours)
    outside = _folder(tmp_path / "outside", old, {"precious.xlsx": old})
    (scratch / "sv-link").symlink_to(outside, target_is_directory=True)
    _age(scratch / "sv-link", old)

    removed = sweep(scratch, NOW)

    assert removed == [".object-2.xlsx", ".upload-1", "sv-guard-4.xlsx", "sv-link", "sv-spool-abc", "sv-stage-def"]
    assert sorted(p.name for p in scratch.iterdir()) == [".export-3.xlsx", "keep-me.txt", "notes", "sv-spool-new",
                                                         "sv-windows-live"]
    assert (outside / "precious.xlsx").exists()  # the link was removed, not followed
    assert sweep(scratch, NOW) == []  # nothing more to do
    assert sweep(tmp_path / "missing", NOW) == []

