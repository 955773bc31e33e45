"""A CSV file seen through the workbook interface of :mod:`supervision.ingest.reader` (pure).

The register may be uploaded as ``.csv`` (§7): UTF-8 with or without BOM, or GB18030 as
exported by Chinese office software. One sheet, named like the template's register sheet.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path


class CsvDecodeError(ValueError):
    """The CSV file is neither UTF-8 nor GB18030 text."""


def decode(data: bytes) -> str:
    """Decode CSV bytes: UTF-8 (BOM optional) first, then GB18030."""
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    raise CsvDecodeError("CSV 文件编码无法识别（应为 UTF-8 或 GB18030）/ CSV is neither UTF-8 nor GB18030")


class CsvWorkbook:
    """``sheet_names`` and ``rows(name)`` over one CSV file; empty cells are ``None``."""

    def __init__(self, path: str | Path, sheet_name: str):
        """Read and decode the file (it is size-limited by the caller)."""
        self._text = decode(Path(path).read_bytes())
        self.sheet_names = [sheet_name]

    def rows(self, sheet_name: str) -> Iterator[tuple[int, list[object]]]:
        """Yield ``(line number, values)`` for every non-empty record."""
        reader = csv.reader(io.StringIO(self._text, newline=""))
        for number, record in enumerate(reader, start=1):
            values = [v if v.strip() != "" else None for v in record]
            while values and values[-1] is None:
                values.pop()
            if values:
                yield number, values

    def close(self) -> None:
        """Nothing to release."""

    def __enter__(self) -> CsvWorkbook:
        """Enter a ``with`` block."""
        return self

    def __exit__(self, *_exc: object) -> None:
        """Leave a ``with`` block."""
