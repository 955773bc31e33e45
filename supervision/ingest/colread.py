"""Column-wise reading of a table sheet: raw cells as polars columns, in bounded row windows.

A window is a :class:`RawWindow`: its Excel row numbers (``_row``) and, per mapped field, the cell's
*kind* (``{code}.k``: empty, text, number, boolean, date), its text (``{code}.s``), number
(``{code}.n``) and date-time (``{code}.d``). Only non-blank data rows (after the header, row 1) are
kept, as :func:`supervision.ingest.rowconv.open_table` does. Two sources give the same frames:

* :func:`fast_windows` — ``fastexcel`` (Rust, calamine) reads the sheet into Arrow columns: dates as
  ``datetime`` (a cell of another type is a conversion error, which names its type), everything
  else as text. A small sheet is read straight from the file; a large one is cut at row
  boundaries into windows of bounded size (:mod:`.colwindows`) while the windows before are read,
  so memory is bounded by the window (a few: cut, being read, being converted), not the sheet, and
  the first window is read as soon as it is cut. Whatever this
  path cannot decide exactly (see :class:`NeedsExact`) stops it: the caller then uses
  :func:`exact_windows`.
* :func:`exact_windows` — the platform's row reader (:mod:`supervision.ingest.reader`), cell by
  cell: the reference semantics, slower.

Kinds are what the row reader would have returned: a reconstructed raw value
(:func:`raw_value`) equals the reader's value, so conversions decide exactly as the row path does.
"""

from __future__ import annotations

import datetime as dt
import queue
import re
import shutil
import tempfile
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from supervision.ingest import values as conv
from supervision.ingest.colwindows import NeedsExact, Window, cut, packaged, repackage, workbook_parts_of
from supervision.ingest.templates import BOOL, DATE, DECIMAL, INTEGER, Field

EMPTY, TEXT, NUMBER, BOOLEAN, DATETIME, OTHER = 0, 1, 2, 3, 4, 5
#: A sheet of at most this many cells is read by fastexcel in one piece, straight from the file
#: (fastexcel holds a sheet's cells densely, ~80 bytes each: ~360 MB here) ...
WHOLE_SHEET_CELLS = 4_500_000
#: ... a larger one in windows of about this many bytes of sheet XML (~27,000 rows of 21 columns
#: with inline strings, more rows with shared strings), cut while the windows before are read ...
WINDOW_BYTES = 24 * 1024 * 1024
#: ... by this many reader threads (two cores: the cutting, conversion and staging take the other;
#: more readers add CPU there, measured in docs/performance.md) ...
READ_THREADS = 1
#: ... each window a workbook of its own, in memory, while the shared strings are at most this many
#: bytes (they are then parsed once per window); larger ones are parsed once per reader, from one
#: temporary workbook of all windows written first.
SHARED_STRINGS_PER_WINDOW = 2 * 1024 * 1024
_MIN_DATE = dt.datetime(1900, 3, 1)
#: Renderings of a non-text cell in a text column that the row reader would have written otherwise
#: (booleans ``TRUE``/``FALSE``, dates without time, numbers by ``repr``): seeing one, the reader cannot
#: tell it from the same text typed by a person, so the exact reader decides.
_STAMP = r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?"
_AMBIGUOUS = {
    # text and code fields: repr() of a number below 1e-4 uses an exponent; 9 decimals may be rounded
    "text": rf"^(?:true|false|-0|-?0\.0000[0-9]*|-?[0-9]+\.[0-9]{{9}}|{_STAMP})$",
    # numbers: a boolean or date cell is refused either way, but its message shows TRUE / the date;
    # more than 20 integer digits: a numeric cell is taken whole, the same text is refused
    "number": rf"^(?:true|false|-?[1-9][0-9]{{20,}}(?:\.[0-9]*)?|{_STAMP})$",
    # yes/no: a date cell is refused with its date in the message
    "bool": rf"^(?:{_STAMP})$",
}
_BLANKISH = r"^[\s\x1c-\x1f\p{Zs}]*$"
_ERROR_DETAIL = re.compile(r"^Expected \w+ but got '?(\w+)(?:\((.*)\))?'?$", re.DOTALL)
_NUMBER_TYPES = (INTEGER, DECIMAL)


@dataclass
class RawWindow:
    """Raw cells of consecutive data rows: ``frame`` (see the module docstring) and, for the exact
    source, the few values that have no column form (times, durations) by ``(code, index)``."""

    frame: pl.DataFrame
    others: dict[tuple[str, int], object] = field(default_factory=dict)

    @property
    def height(self) -> int:
        """Number of data rows."""
        return self.frame.height


def preload() -> None:
    """Import fastexcel and pyarrow now (a parsing child does it while its guards run)."""
    import fastexcel  # noqa: F401
    import pyarrow  # noqa: F401


def dtype_of(f: Field) -> str:
    """The fastexcel dtype a field's column is read with: dates as ``datetime`` (a cell of another type
    is then a conversion error naming its type), everything else as text (fastexcel writes numbers
    with up to 9 decimals, booleans as ``true``/``false``, dates as ``YYYY-MM-DD hh:mm:ss``)."""
    return "datetime" if f.type == DATE else "string"


def raw_value(kind: int, text: str | None, number: float | None, when: dt.datetime | None) -> object:
    """The row reader's value for a cell of ``kind`` (see :func:`supervision.ingest.reader.normalise`)."""
    if kind == TEXT:
        return text
    if kind == NUMBER:
        return int(number) if number.is_integer() else number
    if kind == BOOLEAN:
        return text == "true"
    if kind == DATETIME:
        return when.date() if when.time() == dt.time(0) else when
    return None


# ---------------------------------------------------------------------------------------- exact


def _classify(value: object) -> tuple[int, str | None, float | None, dt.datetime | None]:
    if value is None:
        return EMPTY, None, None, None
    if isinstance(value, str):
        return TEXT, value, None, None
    if isinstance(value, bool):
        return BOOLEAN, "true" if value else "false", None, None
    if isinstance(value, int | float):
        return NUMBER, None, float(value), None
    if isinstance(value, dt.datetime):
        return DATETIME, None, None, value
    if isinstance(value, dt.date):
        return DATETIME, None, None, dt.datetime(value.year, value.month, value.day)
    return OTHER, None, None, None


def exact_windows(workbook, sheet_name: str, columns: list[tuple[int, Field]],
                  rows_per_window: int = 50_000) -> Iterator[RawWindow]:
    """Raw windows from the row reader (the reference semantics; every cell through Python)."""
    rows = iter(workbook.rows(sheet_name))
    first = next(rows, None)
    pending = [first] if first is not None and first[0] != 1 else []
    buf: list[tuple[int, list[object]]] = []
    for item in _chain(pending, rows):
        if all(conv.is_blank(v) for v in item[1]):
            continue
        buf.append(item)
        if len(buf) >= rows_per_window:
            yield _exact_frame(buf, columns)
            buf = []
    if buf:
        yield _exact_frame(buf, columns)


def _chain(first: list, rest: Iterator) -> Iterator:
    yield from first
    yield from rest


def _exact_frame(rows: list[tuple[int, list[object]]], columns: list[tuple[int, Field]]) -> RawWindow:
    data: dict[str, list] = {"_row": [n for n, _ in rows]}
    others: dict[tuple[str, int], object] = {}
    for index, f in columns:
        kinds, texts, numbers, whens = [], [], [], []
        for i, (_n, cells) in enumerate(rows):
            value = cells[index] if index < len(cells) else None
            k, s, n, d = _classify(value)
            if k == OTHER:  # no column form: kept aside, with a text of its own (a distinct lookup key)
                others[(f.code, i)] = value
                s = f"\x00{i}"
            kinds.append(k)
            texts.append(s)
            numbers.append(n)
            whens.append(d)
        data[f"{f.code}.k"], data[f"{f.code}.s"] = kinds, texts
        data[f"{f.code}.n"], data[f"{f.code}.d"] = numbers, whens
    schema = {"_row": pl.Int64}
    for _i, f in columns:
        schema.update({f"{f.code}.k": pl.UInt8, f"{f.code}.s": pl.String, f"{f.code}.n": pl.Float64,
                       f"{f.code}.d": pl.Datetime("ms")})
    return RawWindow(pl.DataFrame(data, schema=schema), others)


# ----------------------------------------------------------------------------------------- fast


def fast_windows(workbook, sheet_name: str, columns: list[tuple[int, Field]],
                 whole_cells: int = WHOLE_SHEET_CELLS, window_bytes: int = WINDOW_BYTES,
                 threads: int = READ_THREADS) -> Iterator[RawWindow]:
    """Raw windows read by fastexcel, in sheet order (see the module docstring).

    A sheet of at most ``whole_cells`` cells whose every column (guard's extent) is a mapped field is
    read straight from the file in one window; any other is cut into windows (:mod:`.colwindows`)
    that ``threads`` readers take as they come, each its own reader. Raises
    :class:`NeedsExact` (possibly after some windows were yielded) when the sheet is outside what
    this path reads exactly; call it only after the guards passed.
    """
    import fastexcel

    if workbook.package.date1904:
        raise NeedsExact("1904 date system")
    last = workbook.last_column(sheet_name)
    if last is None:
        raise NeedsExact("sheet extent unknown")
    width = max(last, max(i for i, _f in columns) + 1)
    first = workbook.first_columns.get(sheet_name)
    cells = workbook.extents.get(sheet_name)
    mapped = {i for i, _f in columns}
    if first is not None and cells is not None and cells <= whole_cells \
            and set(range(first - 1, last)) <= mapped:
        # the header row has a value in every column, so the sheet's cell range is exactly
        # rows 1… × columns first..last: frame row i is Excel row i + 1, column j is column first + j
        reader = fastexcel.read_excel(str(workbook.path))
        shifted = [(i - (first - 1), f) for i, f in columns]
        yield _load(reader, sheet_name, 1, shifted, last - first + 1)
        return
    shared = workbook_parts_of(workbook).get("sharedStrings")
    if shared is None or workbook.zip.getinfo(shared).file_size <= SHARED_STRINGS_PER_WINDOW:
        # each window a workbook of its own, read as soon as it is cut
        def load_own(w: Window) -> RawWindow:
            data, w.data = w.data, None  # held once: by the reader only
            return _load(fastexcel.read_excel(data), w.name, w.first_row - 1, columns, width)

        yield from _in_order(packaged(workbook, cut(workbook, sheet_name, width, window_bytes)), load_own, threads)
        return
    # large shared strings: one temporary workbook, its shared strings parsed once per reader
    tmp = Path(tempfile.mkdtemp(prefix="sv-windows-"))
    try:
        path = tmp / "windows.xlsx"
        windows = repackage(workbook, sheet_name, path, width, window_bytes)
        readers = threading.local()

        def load(w: Window) -> RawWindow:
            if not hasattr(readers, "reader"):
                readers.reader = fastexcel.read_excel(str(path))
            return _load(readers.reader, w.name, w.first_row - 1, columns, width)

        yield from _in_order(iter(windows), load, threads)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _in_order(windows: Iterator[Window], load, threads: int) -> Iterator[RawWindow]:
    """``load`` each of ``windows`` in ``threads`` threads (fastexcel and polars work without the
    GIL) while the caller converts and checks the windows before; yield them in order, each error
    raised where its window belongs. Windows are cut (``windows`` is advanced) in a thread of their
    own; at most ``threads`` are held ahead of the caller (and one being cut), so memory is bounded
    by the window size, not the sheet. Closing the generator early stops the cutting and the reading."""
    ahead: queue.Queue = queue.Queue(threads)
    stop = threading.Event()
    pool = ThreadPoolExecutor(threads, thread_name_prefix="window")

    def put(item) -> bool:
        return put_unless_stopped(ahead, item, stop)

    def produce() -> None:
        try:
            for w in windows:
                if not put(pool.submit(load, w)):
                    return
        except BaseException as exc:  # NeedsExact from the cutting, or anything else: raised in its place
            put(exc)
            return
        put(None)

    cutter = threading.Thread(target=produce, name="window-cut", daemon=True)
    cutter.start()
    try:
        while (item := ahead.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            yield item.result()
    finally:
        stop.set()
        while True:  # let the cutter leave a full queue; drop what it holds
            try:
                item = ahead.get_nowait()
            except queue.Empty:
                if not cutter.is_alive():
                    break
                cutter.join(0.01)
                continue
            if not isinstance(item, BaseException | None):
                item.cancel()
        pool.shutdown(wait=True, cancel_futures=True)
        close = getattr(windows, "close", None)
        if close is not None:
            close()


def put_unless_stopped(into: queue.Queue, item, stop: threading.Event) -> bool:
    """Put ``item`` into the bounded queue ``into``, waiting for room until ``stop`` is set (the
    consumer left); False when it was not put."""
    while not stop.is_set():
        try:
            into.put(item, timeout=0.05)
            return True
        except queue.Full:
            continue
    return False


def _load(reader, name: str, row0: int, columns: list[tuple[int, Field]], width: int) -> RawWindow:
    """Read sheet ``name`` (its frame row 0 is Excel row ``row0``: the header or the sentinel, dropped)
    into a :class:`RawWindow`, kinds from the dtypes and the conversion errors."""
    dtypes = dict.fromkeys(range(width), "string")
    for index, f in columns:
        dtypes[index] = dtype_of(f)
    try:
        batch, errors = reader.load_sheet(name, header_row=None, dtypes=dtypes).to_arrow_with_errors()
    except Exception as exc:  # fastexcel refused what the guards accepted: let the row reader decide
        raise NeedsExact(f"fastexcel: {type(exc).__name__}") from exc
    frame = pl.from_arrow(batch)
    if frame.width != width:
        raise NeedsExact("window wider than the sheet's extent")
    names = frame.columns
    fixes: dict[int, dict[int, tuple]] = {}
    for e in (errors.errors if errors is not None else ()):
        row, col = e.position
        if row:
            fixes.setdefault(col, {})[row] = _from_error(e.detail)
    exprs: list[pl.Expr] = [pl.int_range(row0, row0 + pl.len(), dtype=pl.Int64).alias("_row")]
    blank: list[pl.Expr] = []
    for index in range(width):
        col = pl.col(names[index])
        if dtypes[index] == "datetime":
            k = pl.when(col.is_not_null()).then(pl.lit(DATETIME, pl.UInt8)).otherwise(pl.lit(EMPTY, pl.UInt8))
            parts = [k, pl.lit(None, pl.String), pl.lit(None, pl.Float64), col.cast(pl.Datetime("ms"))]
        else:
            k = pl.when(col.is_not_null()).then(pl.lit(TEXT, pl.UInt8)).otherwise(pl.lit(EMPTY, pl.UInt8))
            parts = [k, col, pl.lit(None, pl.Float64), pl.lit(None, pl.Datetime("ms"))]
        for j, suffix in enumerate((".k", ".s", ".n", ".d")):
            exprs.append(parts[j].alias(f"{index}{suffix}"))
    frame = frame.lazy().select(exprs).collect()
    if fixes:
        frame = _apply_fixes(frame, fixes)
    for index in range(width):
        k, s = pl.col(f"{index}.k"), pl.col(f"{index}.s")
        blank.append((k == EMPTY) | ((k == TEXT) & s.str.contains(_BLANKISH).fill_null(False)))
    empty = pl.all_horizontal([pl.col(f"{i}.k") == EMPTY for i in range(width)])
    flags = frame.select(pl.all_horizontal(blank).alias("blank"), empty.alias("empty"))
    keep = ~flags["blank"]
    suspect = flags["blank"] & ~flags["empty"]
    if suspect.any():  # whitespace-like text: decide exactly as the row reader does
        keep = keep | _python_nonblank(frame, width, suspect)
    keep[0] = False  # the header or sentinel row
    frame = frame.filter(keep)
    rename = {}
    for index, f in columns:
        for suffix in (".k", ".s", ".n", ".d"):
            rename[f"{index}{suffix}"] = f"{f.code}{suffix}"
    frame = frame.select("_row", *rename).rename(rename)
    for _index, f in columns:
        _check_ambiguous(f, frame[f"{f.code}.k"], frame[f"{f.code}.s"], frame[f"{f.code}.d"])
    return RawWindow(frame)


def _apply_fixes(frame: pl.DataFrame, fixes: dict[int, dict[int, tuple]]) -> pl.DataFrame:
    """Put the kind and value of the cells fastexcel could not convert (see :func:`_from_error`)."""
    for index, cells in fixes.items():
        idx = list(cells)
        frame = frame.with_columns(
            frame[f"{index}.k"].scatter(idx, [cells[i][0] for i in idx]),
            frame[f"{index}.s"].scatter(idx, [cells[i][1] for i in idx]),
            frame[f"{index}.n"].scatter(idx, [cells[i][2] for i in idx]))
    return frame


def _python_nonblank(frame: pl.DataFrame, width: int, suspect: pl.Series) -> pl.Series:
    nonblank = [False] * len(suspect)
    for i in suspect.arg_true().to_list():
        for index in range(width):
            k, s = frame[f"{index}.k"][i], frame[f"{index}.s"][i]
            if k != EMPTY and not (k == TEXT and conv.is_blank(s)):
                nonblank[i] = True
                break
    return pl.Series(nonblank)


def _from_error(detail: str) -> tuple[int, str | None, float | None]:
    """The kind and value of a cell that fastexcel could not convert, from its error detail."""
    m = _ERROR_DETAIL.match(detail)
    if m is None:
        raise NeedsExact(f"unexpected conversion error: {detail[:80]}")
    kind, body = m.group(1), m.group(2)
    if kind == "String" and body is not None and body.startswith('"') and body.endswith('"') \
            and "\\" not in body:
        return TEXT, body[1:-1] or None, None
    if kind == "Error":
        return EMPTY, None, None
    if kind == "Bool" and body in ("true", "false"):
        return BOOLEAN, body, None
    if kind in ("Float", "Int") and body is not None:
        try:
            number = float(body)
        except ValueError:
            raise NeedsExact(f"number {body[:40]}") from None
        if number != number or number in (float("inf"), float("-inf")):
            return EMPTY, None, None
        return NUMBER, None, number
    raise NeedsExact(f"cell of type {kind}")


def _check_ambiguous(f: Field, k: pl.Series, s: pl.Series, d: pl.Series) -> None:
    """Raise :class:`NeedsExact` for a cell this path cannot decide as the row reader would."""
    if f.type == DATE:
        early = (k == DATETIME) & (d < _MIN_DATE).fill_null(False)
        if early.any():
            raise NeedsExact("date before 1900-03-01 (date cell or serial number?)")
        return
    pattern = _AMBIGUOUS["number" if f.type in _NUMBER_TYPES else "bool" if f.type == BOOL else "text"]
    if ((k == TEXT) & s.str.contains(pattern).fill_null(False)).any():
        raise NeedsExact(f"{f.code}: a value that may be a number, boolean or date cell")
