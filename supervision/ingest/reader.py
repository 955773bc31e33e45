"""Streaming workbook reader, chosen by measurement (see ``bench/read_bench.py``).

Two engines yield the same normalised values:

* ``calamine`` (python-calamine, Rust): the fastest, but it materialises a whole sheet in memory
  (about 75-90 bytes per cell), so it is used only for sheets whose extent is small;
* ``stream``: a direct expat stream of the sheet XML plus sharedStrings and styles, with memory
  bounded by the shared-string table whatever the number of rows.

``open_workbook(path)`` picks per sheet: calamine when the sheet's extent (from the guard's scan,
else its verified ``<dimension>``) is at most ``CALAMINE_MAX_CELLS`` cells and its XML part at most
``CALAMINE_MAX_PART_BYTES``; the stream otherwise (and when the extent is unknown).
Run it only after :func:`supervision.ingest.guards.check_file` has passed:
the guards have verified sizes, CRCs, dimensions and the absence of DTDs.

Normalised cell values: ``int`` for integral numbers, ``float`` otherwise (converters turn them into
``Decimal`` through their shortest repr), ``datetime.date`` for date cells with no time of day,
``datetime.datetime`` with one, ``datetime.time`` for time-only cells, ``datetime.timedelta`` for
durations, ``bool``, ``str`` (not trimmed) and ``None`` for empty cells. Error cells (``#N/A``) are
``None``: calamine does not expose them and both engines must agree. Rows whose cells are all
empty are skipped; trailing empty cells are dropped from each row list.
"""

from __future__ import annotations

import datetime as dt
import math
import zipfile
from collections.abc import Iterator
from pathlib import Path

from supervision.ingest import xlsxparts, xlsxstyles

#: calamine holds the sheet's whole rectangle densely (measured ~80-90 bytes of RSS per cell: 140-164 MB
#: for 100,000 rows x 18 columns), so it is used only up to this many cells (~250 MB; a 100,000-row
#: detail sheet has 2.1 M) ...
CALAMINE_MAX_CELLS = 3_000_000
#: ... and this many bytes of sheet XML.
CALAMINE_MAX_PART_BYTES = 96 * 1024 * 1024

Row = tuple[int, list[object]]


def normalise(value: object) -> object:
    """Normalise one raw value from either engine to the reader's value types."""
    if type(value) is str:
        return value or None
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        if value.is_integer():
            return int(value)
        return value
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0) and value.tzinfo is None:
            return value.date()
        return value
    return value


def _trim(values: list[object]) -> list[object]:
    end = len(values)
    while end and values[end - 1] is None:
        end -= 1
    return values[:end] if end != len(values) else values


class Workbook:
    """An opened workbook: ``sheet_names`` and ``rows(name)`` (see the module docstring)."""

    def __init__(self, path: str | Path, *, engine: str = "auto", extents: dict[str, int] | None = None,
                 calamine_max_cells: int = CALAMINE_MAX_CELLS, last_columns: dict[str, int] | None = None,
                 first_columns: dict[str, int] | None = None) -> None:
        """Open ``path``; ``engine`` is ``auto``, ``calamine`` or ``stream``; ``extents`` maps sheet → cells
        and ``last_columns`` sheet → its last column holding a cell (1-based), both from the guard's scan."""
        if engine not in {"auto", "calamine", "stream"}:
            raise ValueError(f"unknown engine {engine!r}")
        self.path = Path(path)
        self.engine = engine
        self.extents = dict(extents or {})
        self.last_columns = dict(last_columns or {})
        #: the first column (1-based) holding a cell, per sheet, from the guard's scan
        self.first_columns = dict(first_columns or {})
        self.calamine_max_cells = calamine_max_cells
        self._zip = zipfile.ZipFile(self.path)
        self._package = xlsxparts.read_package(self._zip)
        self._shared: list[str] | None = None
        self._styles: xlsxstyles.Styles | None = None
        self._calamine = None

    @property
    def sheet_names(self) -> list[str]:
        """Worksheet names in workbook order (chart sheets and dialog sheets excluded)."""
        return [s.name for s in self._package.sheets]

    def engine_for(self, sheet_name: str) -> str:
        """Return the engine ``rows(sheet_name)`` will use (``calamine`` or ``stream``)."""
        if self.engine != "auto":
            return self.engine
        part = self._package.sheet(sheet_name).part
        if self._zip.getinfo(part).file_size > CALAMINE_MAX_PART_BYTES:
            return "stream"
        cells = self.extents.get(sheet_name)
        if cells is None:
            cells = xlsxparts.declared_cells(self._zip, part)
        return "calamine" if cells is not None and cells <= self.calamine_max_cells else "stream"

    def rows(self, sheet_name: str) -> Iterator[Row]:
        """Yield ``(excel_row_number, values)`` for every non-empty row of ``sheet_name``."""
        sheet = self._package.sheet(sheet_name)  # KeyError for unknown names
        if self.engine_for(sheet_name) == "calamine":
            return self._calamine_rows(sheet.name)
        return self._stream_rows(sheet.part)

    @property
    def zip(self) -> zipfile.ZipFile:
        """The open zip of the workbook (read-only use)."""
        return self._zip

    @property
    def package(self) -> xlsxparts.Package:
        """The workbook's package map (workbook part, worksheets, date system)."""
        return self._package

    def first_row(self, sheet_name: str) -> Row | None:
        """The first non-empty row of ``sheet_name`` (streamed: the rest of the sheet is not read)."""
        rows = self._stream_rows(self._package.sheet(sheet_name).part)
        try:
            return next(rows, None)
        finally:
            rows.close()

    def last_column(self, sheet_name: str) -> int | None:
        """The last column (1-based) of ``sheet_name`` holding a cell: the guard's scan, else the verified
        declared ``<dimension>``; None when neither is known."""
        if sheet_name in self.last_columns:
            return self.last_columns[sheet_name]
        ref = xlsxparts.declared_range(self._zip, self._package.sheet(sheet_name).part)
        return ref[3] if ref is not None else None

    def _calamine_rows(self, name: str) -> Iterator[Row]:
        import python_calamine

        if self._calamine is None:
            self._calamine = python_calamine.CalamineWorkbook.from_path(str(self.path))
        sheet = self._calamine.get_sheet_by_name(name)
        start = sheet.start
        col_offset = start[1] if start else 0
        for index, raw in enumerate(sheet.iter_rows()):
            values = [normalise(v) for v in raw]
            if not any(v is not None for v in values):
                continue
            if col_offset:
                values = [None] * col_offset + values
            yield index + 1, _trim(values)

    def _stream_rows(self, part: str) -> Iterator[Row]:
        if self._shared is None:
            self._shared = xlsxparts.read_shared_strings(self._zip)
        if self._styles is None:
            self._styles = xlsxstyles.read_styles(self._zip)
        for number, values in xlsxparts.iter_sheet(self._zip, part, self._shared, self._styles,
                                                   date1904=self._package.date1904):
            yield number, _trim([normalise(v) for v in values])

    def close(self) -> None:
        """Release the file handles."""
        if self._calamine is not None:
            self._calamine.close()
            self._calamine = None
        self._zip.close()

    def __enter__(self) -> Workbook:
        """Enter a ``with`` block."""
        return self

    def __exit__(self, *_exc: object) -> None:
        """Close on leaving a ``with`` block."""
        self.close()


def open_workbook(path: str | Path, *, engine: str = "auto", guard=None,
                  calamine_max_cells: int = CALAMINE_MAX_CELLS) -> Workbook:
    """Open a guarded ``.xlsx`` at ``path`` for streaming reads (use as a context manager).

    Pass the :class:`~supervision.ingest.guards.GuardResult` as ``guard`` so that engine choice
    uses the real cell extents the guard measured.
    """
    extents = last_columns = first_columns = None
    if guard is not None:
        extents = {f.sheet: (f.max_row - f.min_row + 1) * (f.max_col - f.min_col + 1) if f.max_row else 0
                   for f in guard.sheets}
        last_columns = {f.sheet: f.max_col for f in guard.sheets}
        first_columns = {f.sheet: f.min_col for f in guard.sheets}
    return Workbook(path, engine=engine, extents=extents, calamine_max_cells=calamine_max_cells,
                    last_columns=last_columns, first_columns=first_columns)
