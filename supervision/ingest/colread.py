"""Column-wise reading of a table sheet: raw cells as polars columns, in bounded row windows.

A window is a :class:`RawWindow`: its Excel row numbers (``_row``) and, per mapped field, the cell's
*kind* (``{code}.k``: empty, text, number, boolean, date), its text (``{code}.s``), number
(``{code}.n``) and date-time (``{code}.d``). Only non-blank data rows (after the header, row 1) are
kept, as :func:`supervision.ingest.rowconv.open_table` does. Two sources give the same frames:

* :func:`fast_windows` — the sheet's XML, already checked by the guards, is cut at row boundaries
  into windows of about ``window_cells`` cells, each stored (uncompressed) as a worksheet of one
  temporary workbook that shares the original styles and shared strings; ``fastexcel`` (Rust,
  calamine) reads each window into Arrow columns: text fields as text, numbers as ``float``, dates as
  ``datetime``. A cell of another type is reported by fastexcel as a conversion error, which tells
  its type. Memory is bounded by the window, not the sheet. Whatever this path cannot decide exactly
  (see :class:`NeedsExact`) stops it: the caller then uses :func:`exact_windows`.
* :func:`exact_windows` — the platform's row reader (:mod:`supervision.ingest.reader`), cell by
  cell: the reference semantics, slower.

Kinds are what the row reader would have returned: a reconstructed raw value
(:func:`raw_value`) equals the reader's value, so conversions decide exactly as the row path does.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from supervision.ingest import values as conv
from supervision.ingest.cells import column_letter
from supervision.ingest.templates import BOOL, DATE, DECIMAL, INTEGER, Field

EMPTY, TEXT, NUMBER, BOOLEAN, DATETIME, OTHER = 0, 1, 2, 3, 4, 5
#: A sheet of at most this many cells is read by fastexcel in one piece, straight from the file
#: (fastexcel holds a sheet's cells densely, ~80 bytes each: ~360 MB here) ...
WHOLE_SHEET_CELLS = 4_500_000
#: ... a larger one in windows of about this many bytes of sheet XML (~100,000 rows of 21 columns
#: with inline strings, fewer bytes with shared strings).
WINDOW_BYTES = 64 * 1024 * 1024
_READ = 8 * 1024 * 1024
_HEAD_MAX = 16 * 1024 * 1024
_MIN_DATE = dt.datetime(1900, 3, 1)
_EXCEL_EPOCH = dt.datetime(1899, 12, 30)
_SENTINEL = "§"
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


class NeedsExact(Exception):
    """The fast path met something it cannot read exactly (the reason is the message)."""


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


@dataclass
class _Window:
    name: str
    first_row: int


def fast_windows(workbook, sheet_name: str, columns: list[tuple[int, Field]],
                 whole_cells: int = WHOLE_SHEET_CELLS, window_bytes: int = WINDOW_BYTES) -> Iterator[RawWindow]:
    """Raw windows read by fastexcel (see the module docstring).

    A sheet of at most ``whole_cells`` cells whose every column (guard's extent) is a mapped field is
    read straight from the file in one window; any other is re-packaged into windows. Raises
    :class:`NeedsExact` (possibly after some windows were yielded) when the sheet is outside what this
    path reads exactly; call it only after the guards passed.
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
    tmp = Path(tempfile.mkdtemp(prefix="sv-windows-"))
    try:
        path = tmp / "windows.xlsx"
        windows = _repackage(workbook, sheet_name, path, width, window_bytes)
        if not windows:
            return
        reader = fastexcel.read_excel(str(path))
        for window in windows:
            yield _load(reader, window.name, window.first_row - 1, columns, width)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _repackage(workbook, sheet_name: str, path: Path, width: int, window_bytes: int) -> list[_Window]:
    """Write the sheet's data rows (after row 1) as windows ``W0``, ``W1``… of one stored workbook."""
    zf = workbook.zip
    part = workbook.package.sheet(sheet_name).part
    parts = workbook_parts_of(workbook)
    windows: list[_Window] = []
    with zf.open(part) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_STORED, allowZip64=True) as out:
        head = b""
        while (m := _SHEETDATA.search(head)) is None:
            chunk = src.read(_READ)
            if not chunk or len(head) > _HEAD_MAX:
                raise NeedsExact("no sheetData")
            head += chunk
        prefix = m.group(1) or b""
        root = _ROOT.search(head, 0, m.start())
        if root is None or m.group(2) == b"/>":
            return windows
        tags = _Tags(prefix, head[root.start():root.end()], root.group(1) or b"", width)
        buf, eof = _skip_header(src, bytearray(head[m.end():]), tags)
        end = buf.find(tags.data_close)
        while True:
            limit = end if end >= 0 else len(buf)
            cut = -1
            if limit > window_bytes:  # a full window: cut after the last row end before the budget
                cut = buf.rfind(tags.row_close, 0, window_bytes)
                if cut < 0:  # one row longer than a window: cut after it
                    cut = buf.find(tags.row_close, window_bytes, limit)
            if cut >= 0:
                cut += len(tags.row_close)
                windows.append(_write_window(out, len(windows), buf, cut, tags))
                del buf[:cut]
                end = buf.find(tags.data_close)
                continue
            if end >= 0:  # the rest of the rows: one last window
                if buf.find(tags.row_open, 0, end) >= 0:
                    windows.append(_write_window(out, len(windows), buf, end, tags))
                break
            if eof:
                raise NeedsExact("truncated sheetData")
            searched = max(0, len(buf) - len(tags.data_close))
            chunk = src.read(_READ)
            eof = not chunk
            buf += chunk
            end = buf.find(tags.data_close, searched)
        _write_package(out, zf, parts, windows, workbook.package.date1904)
    return windows


_SHEETDATA = re.compile(rb"<([A-Za-z_][\w.-]*:)?sheetData(/>|>|\s[^>]*?(/>|>))")
_ROOT = re.compile(rb"<([A-Za-z_][\w.-]*:)?worksheet[\s>][^>]*>")
_ROW_NUMBER = re.compile(rb"""\sr\s*=\s*["']([0-9]+)["']""")



class _Tags:
    """Byte patterns of one sheet (its element prefix) and the window sheet's head and tail."""

    def __init__(self, prefix: bytes, root_tag: bytes, root_prefix: bytes, width: int) -> None:
        p = prefix
        self.row_open = b"<" + p + b"row"
        self.row_close = b"</" + p + b"row>"
        self.data_close = b"</" + p + b"sheetData>"
        self.head = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + root_tag + b"<" + p
                     + b"sheetData>")
        self.tail = b"</" + p + b"sheetData></" + root_prefix + b"worksheet>"
        self.prefix = p
        self.last = column_letter(width).encode()

    def sentinel(self, row: int) -> bytes:
        """A row before the window's first row with a cell in column A and in the last column, so that
        the window's cell range starts at that row and spans every column."""
        p, r = self.prefix, str(row).encode()
        cell = (b"<" + p + b'c r="%s' + r + b'" t="inlineStr"><' + p + b"is><" + p + b"t>"
                + _SENTINEL.encode() + b"</" + p + b"t></" + p + b"is></" + p + b"c>")
        cells = cell % b"A" + (cell % self.last if self.last != b"A" else b"")
        return b"<" + p + b'row r="' + r + b'">' + cells + b"</" + p + b"row>"


def _skip_header(src, buf: bytearray, tags: _Tags) -> tuple[bytearray, bool]:
    """Drop row 1 (the header, read separately) from the start of ``buf``."""
    eof = False
    while True:
        start = buf.find(tags.row_open)
        close = buf.find(b">", start) if start >= 0 else -1
        if close >= 0:
            break
        chunk = src.read(_READ)
        if not chunk:
            raise NeedsExact("no row")
        buf += chunk
    tag = bytes(buf[start:close + 1])
    number = _ROW_NUMBER.search(tag)
    if number is None or int(number.group(1)) != 1 or bytes(buf[:start]).strip():
        raise NeedsExact("first row is not row 1")
    if tag.endswith(b"/>"):
        del buf[:close + 1]
        return buf, eof
    while (end := buf.find(tags.row_close, close)) < 0:
        chunk = src.read(_READ)
        if not chunk:
            raise NeedsExact("unterminated row 1")
        buf += chunk
    del buf[:end + len(tags.row_close)]
    return buf, eof


def _write_window(out: zipfile.ZipFile, index: int, buf: bytearray, cut: int, tags: _Tags) -> _Window:
    """Write ``buf[:cut]`` (whole rows) as window sheet ``W{index}`` after a sentinel row."""
    if buf.find(b"<!", 0, cut) >= 0:  # a comment or CDATA section could hide a row end: the cut would be wrong
        raise NeedsExact("comment or CDATA in sheetData")
    # The window's first row must carry its number (the sentinel goes just before it); a later row
    # without one is the previous row + 1 here as in the whole sheet, and a cell without r is placed
    # by position, as the row reader does.
    start = buf.find(tags.row_open, 0, cut)
    tag = bytes(buf[start:buf.find(b">", start) + 1]) if start >= 0 else b""
    number = _ROW_NUMBER.search(tag)
    if number is None:
        raise NeedsExact("window does not start with a numbered row")
    first = int(number.group(1))
    name = f"W{index}"
    with out.open(f"xl/worksheets/w{index}.xml", "w", force_zip64=True) as fh, memoryview(buf) as view, \
            view[:cut] as rows:
        fh.write(tags.head)
        fh.write(tags.sentinel(first - 1))
        fh.write(rows)
        fh.write(tags.tail)
    return _Window(name, first)


def workbook_parts_of(workbook) -> dict[str, str]:
    """The original styles and shared-strings parts."""
    from supervision.ingest.xlsxparts import workbook_parts

    return workbook_parts(workbook.zip, workbook.package)


_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"


def _write_package(out: zipfile.ZipFile, zf: zipfile.ZipFile, parts: dict[str, str], windows: list[_Window],
                   date1904: bool) -> None:
    sheets = "".join(f'<sheet name="{w.name}" sheetId="{i + 1}" r:id="w{i}"/>' for i, w in enumerate(windows))
    pr = '<workbookPr date1904="1"/>' if date1904 else ""
    out.writestr("xl/workbook.xml", f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{_MAIN}" '
                                    f'xmlns:r="{_REL}">{pr}<sheets>{sheets}</sheets></workbook>')
    rels = [f'<Relationship Id="w{i}" Type="{_REL}/worksheet" Target="worksheets/w{i}.xml"/>'
            for i in range(len(windows))]
    overrides = [f'<Override PartName="/xl/worksheets/w{i}.xml" ContentType="{_CT}.worksheet+xml"/>'
                 for i in range(len(windows))]
    for kind, target, ctype in (("styles", "styles.xml", "styles"), ("sharedStrings", "sharedStrings.xml",
                                                                        "sharedStrings")):
        if kind in parts:
            with zf.open(parts[kind]) as src, out.open(f"xl/{target}", "w", force_zip64=True) as dst:
                shutil.copyfileobj(src, dst, _READ)
            rels.append(f'<Relationship Id="{kind}" Type="{_REL}/{kind}" Target="{target}"/>')
            overrides.append(f'<Override PartName="/xl/{target}" ContentType="{_CT}.{ctype}+xml"/>')
    out.writestr("xl/_rels/workbook.xml.rels", f'<?xml version="1.0" encoding="UTF-8"?><Relationships '
                                               f'xmlns="{_PKG}">{"".join(rels)}</Relationships>')
    out.writestr("_rels/.rels", f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_PKG}">'
                                f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
                                "</Relationships>")
    out.writestr("[Content_Types].xml", '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.'
                 'openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/'
                 'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/'
                 f'xml"/><Override PartName="/xl/workbook.xml" ContentType="{_CT}.sheet.main+xml"/>'
                 f'{"".join(overrides)}</Types>')


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
