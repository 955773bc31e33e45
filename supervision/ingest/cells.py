"""Excel cell addressing helpers: column letters, cell references and ranges (pure, no I/O)."""

from __future__ import annotations

import re

MAX_EXCEL_ROWS = 1_048_576
MAX_EXCEL_COLUMNS = 16_384

_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?([0-9]{1,7})$")


def column_letter(index: int) -> str:
    """Return the Excel column letters of a 1-based column ``index`` (1 → ``A``, 28 → ``AB``)."""
    if index < 1:
        raise ValueError(f"column index must be >= 1, got {index}")
    letters = []
    while index:
        index, rem = divmod(index - 1, 26)
        letters.append(chr(65 + rem))
    return "".join(reversed(letters))


def column_index(letters: str) -> int:
    """Return the 1-based column index of Excel column ``letters`` (``A`` → 1, ``XFD`` → 16384)."""
    index = 0
    for ch in letters.upper():
        if not "A" <= ch <= "Z":
            raise ValueError(f"not a column name: {letters!r}")
        index = index * 26 + ord(ch) - 64
    if index == 0:
        raise ValueError("empty column name")
    return index


def split_ref(ref: str) -> tuple[int, int]:
    """Split a cell reference such as ``AB12`` or ``$A$1`` into ``(row, column)``, both 1-based."""
    m = _REF.match(ref.strip())
    if not m:
        raise ValueError(f"not a cell reference: {ref!r}")
    return int(m.group(2)), column_index(m.group(1))


def parse_range(ref: str) -> tuple[int, int, int, int]:
    """Parse ``A1:C5`` (or a single cell ``B2``) into ``(min_row, min_col, max_row, max_col)``."""
    parts = ref.strip().split(":")
    if len(parts) == 1:
        parts = parts * 2
    if len(parts) != 2:
        raise ValueError(f"not a range: {ref!r}")
    r1, c1 = split_ref(parts[0])
    r2, c2 = split_ref(parts[1])
    return min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)


def cell_ref(row: int, column: int) -> str:
    """Return the A1-style reference of 1-based ``row`` and ``column``."""
    return f"{column_letter(column)}{row}"


def range_ref(min_row: int, min_col: int, max_row: int, max_col: int) -> str:
    """Return the A1-style range ``A1:C5`` for the given 1-based bounds."""
    return f"{cell_ref(min_row, min_col)}:{cell_ref(max_row, max_col)}"
