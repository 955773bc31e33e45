"""What kind of OLE compound file (CFB, MS-CFB) an upload is, from its directory's stream names.

Excel refuses nothing that starts with ``D0 CF 11 E0``, but the platform must tell apart the three
cases people upload (rules F01/F02): a password-protected ``.xlsx`` (an OOXML package wrapped in
``EncryptionInfo`` + ``EncryptedPackage`` streams: F02), a legacy Excel 97-2003 ``.xls`` (BIFF in a
``Workbook`` stream, or ``Book`` for Excel 5/95: F01 ``xls``) and any other OLE document (a Word
``.doc``, …: F01 ``ole``). Only the header, the FAT sectors and the directory chain are read, all
bounded; a damaged file yields ``None`` and the caller falls back to a byte search.
"""

from __future__ import annotations

import struct
from pathlib import Path

OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
ENDOFCHAIN = 0xFFFFFFFE
MAX_SECTORS = 1 << 20  # directory or FAT chains longer than this are treated as damaged
MAX_ENTRIES = 100_000
ENCRYPTED = "encrypted"
LEGACY_XLS = "xls"
OTHER = "ole"


def stream_names(path: str | Path) -> set[str] | None:
    """The names of the storages and streams in the directory of the CFB file at ``path``.

    Returns None when the file is not a readable compound file (bad header, broken chains).
    """
    try:
        with open(path, "rb") as fh:
            return _names(fh)
    except (OSError, struct.error, ValueError):
        return None


def _names(fh) -> set[str] | None:
    header = fh.read(512)
    if len(header) < 512 or not header.startswith(OLE_MAGIC):
        return None
    shift = struct.unpack_from("<H", header, 0x1E)[0]
    if shift not in (9, 12):
        return None
    size = 1 << shift
    fat_count, dir_start = struct.unpack_from("<iI", header, 0x2C)
    difat_next, difat_count = struct.unpack_from("<Ii", header, 0x44)
    if not 0 <= fat_count <= MAX_SECTORS or not 0 <= difat_count <= MAX_SECTORS:
        return None
    fat_sectors = [s for s in struct.unpack_from("<109I", header, 0x4C) if s < 0xFFFFFFFA]
    seen: set[int] = set()
    while difat_next < 0xFFFFFFFA and len(fat_sectors) < fat_count and difat_next not in seen:
        seen.add(difat_next)
        block = _sector(fh, difat_next, size)
        values = struct.unpack(f"<{size // 4}I", block)
        fat_sectors += [s for s in values[:-1] if s < 0xFFFFFFFA]
        difat_next = values[-1]
    fat: list[int] = []
    for sector in fat_sectors[:fat_count]:
        fat += struct.unpack(f"<{size // 4}I", _sector(fh, sector, size))
    names: set[str] = set()
    sector, hops = dir_start, 0
    while sector != ENDOFCHAIN:
        if sector >= len(fat) or hops > MAX_SECTORS or len(names) > MAX_ENTRIES:
            return None
        block = _sector(fh, sector, size)
        for off in range(0, size, 128):
            length, kind = struct.unpack_from("<HB", block, off + 64)
            if kind in (1, 2, 5) and 2 <= length <= 64:
                names.add(block[off:off + length - 2].decode("utf-16-le", errors="replace"))
        sector, hops = fat[sector], hops + 1
    return names


def _sector(fh, number: int, size: int) -> bytes:
    fh.seek((number + 1) * size)
    block = fh.read(size)
    if len(block) != size:
        raise ValueError("sector beyond the end of the file")
    return block


def classify(names: set[str]) -> str:
    """``encrypted`` (F02), ``xls`` or ``ole`` (F01) from the directory's names."""
    if "EncryptedPackage" in names:
        return ENCRYPTED
    if names & {"Workbook", "Book", "WORKBOOK", "BOOK"}:
        return LEGACY_XLS
    return OTHER
