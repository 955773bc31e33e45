"""The column reader's compiled path: a worksheet's cells read in C (``_csheet.c``), in windows.

:func:`native_windows` gives the same :class:`~supervision.ingest.colread.RawWindow` frames as
:func:`~supervision.ingest.colread.exact_windows` (the row reader's values: the reference semantics)
for the sheets it can read, and raises :class:`~supervision.ingest.colwindows.NeedsExact` for any
other (the caller then reads with fastexcel, or row by row). One thread inflates the sheet's XML
in chunks of about ``chunk_bytes`` and cuts each after its last ``</row>``; a second has the
compiled parser turn each chunk's rows into columns (without the GIL) and builds the window's
frame; the caller converts and checks the window before while the next ones are read. Memory is
bounded by a few chunks and their columns, not the sheet.

The one difference with the row reader's frames: a number cell's text column holds its decimal
text when that text is exactly the ``Decimal`` the conversions give it (see ``_csheet.c``), so that
:mod:`.colconv` converts decimals column-wise whichever way they were typed.
"""

from __future__ import annotations

import array
import datetime as dt
import queue
import re
import threading
import zipfile
from collections.abc import Iterator

import polars as pl

from supervision.ingest import colread as cr
from supervision.ingest import xlsxparts, xlsxstyles
from supervision.ingest.colwindows import NeedsExact
from supervision.ingest.templates import Field

try:  # the compiled parser (supervision/ingest/_csheet.c); absent where no compiler built it
    from supervision.ingest import _csheet as native
except ImportError:  # pragma: no cover - the build makes it wherever a C compiler is at hand
    native = None

#: Bytes of sheet XML per chunk (a window of the frames): about 19,000 rows of the CMP template
#: (32 MiB gave the same times and 37 MiB more peak memory at 1,000,000 rows: docs/performance.md).
CHUNK_BYTES = 16 * 1024 * 1024
#: Chunks read ahead of the caller (each held with its columns until converted).
AHEAD = 1
_DATE_KINDS = {"date": 1, "datetime": 2, "time": 3, "duration": 4}
_KIND_NAMES = {v: k for k, v in _DATE_KINDS.items()}
_SHEETDATA = re.compile(rb"<sheetData(?:\s[^>]*)?(/?)>")
_ROW_TAG = re.compile(rb"<row[\s/>]")
_ROW_CLOSE = b"</row>"


def available() -> bool:
    """True where the compiled parser was built."""
    return native is not None


def native_windows(workbook, sheet_name: str, columns: list[tuple[int, Field]],
                   chunk_bytes: int = CHUNK_BYTES) -> Iterator[cr.RawWindow]:
    """Raw windows of ``sheet_name`` read by the compiled parser, in sheet order (see the module
    docstring); raises :class:`NeedsExact` (possibly after some windows) where it cannot decide a
    cell exactly as the row reader does. Call it only after the guards passed."""
    if native is None:
        raise NeedsExact("the compiled reader is not built")
    last = workbook.last_column(sheet_name)
    if last is None:
        raise NeedsExact("sheet extent unknown")
    width = max(last, max(i for i, _f in columns) + 1)
    zf = workbook.zip
    styles = xlsxstyles.read_styles(zf)
    style_kinds = bytes(_DATE_KINDS.get(k, 0) if k else 0 for k in styles.kinds)
    sst, offsets = _shared_strings(zf)
    date1904 = workbook.package.date1904
    part = workbook.package.sheet(sheet_name).part
    state = {"first": True, "done": False}
    chunks = _Chunks(workbook.path, part, chunk_bytes)

    def parse(chunk) -> cr.RawWindow | None:
        if state["done"]:  # after </sheetData>: the row reader would still read a row there
            if _ROW_TAG.search(chunk):
                raise NeedsExact("a row outside sheetData")
            return None
        out = native.parse(chunk, width, style_kinds, sst, offsets)
        if isinstance(out, str):
            raise NeedsExact(out)
        done, end, rows, flags, n, cols = out
        if done:
            state["done"] = True
            if _ROW_TAG.search(chunk, end):
                raise NeedsExact("a row outside sheetData")
        if n == 0:
            return None
        return _window(rows, flags, n, cols, columns, width, date1904, state)

    # three stages on their own threads: inflating and cutting, parsing, then the caller's conversion
    yield from _background(map(parse, _background(chunks, 1)), AHEAD)


def _shared_strings(zf: zipfile.ZipFile) -> tuple[bytes | None, bytes | None]:
    """The shared strings (as the row reader reads them) as one UTF-8 buffer and int64 offsets."""
    strings = xlsxparts.read_shared_strings(zf)
    if not strings:
        return None, None
    try:
        encoded = [s.encode() for s in strings]
    except UnicodeEncodeError:  # an _xD800_ escape: a lone surrogate
        raise NeedsExact("a shared string that is not valid Unicode") from None
    offsets = array.array("q", [0])
    total = 0
    for b in encoded:
        total += len(b)
        offsets.append(total)
    return b"".join(encoded), offsets.tobytes()


class _Chunks:
    """The sheet's rows in chunks of whole ``<row>`` elements (an iterator of bytes)."""

    def __init__(self, path, part: str, size: int) -> None:
        self.path, self.part, self.size = path, part, size

    def __iter__(self) -> Iterator[bytes]:
        with zipfile.ZipFile(self.path) as zf, zf.open(self.part) as src:
            head = b""
            while (m := _SHEETDATA.search(head)) is None:
                data = src.read(1024 * 1024)
                if not data or len(head) > 16 * 1024 * 1024:
                    raise NeedsExact("no sheetData")
                head += data
            prefix = head[:m.start()]
            if b"<!" in prefix or prefix.count(b"<?") > 1 or _ROW_TAG.search(prefix):
                raise NeedsExact("markup before sheetData")
            if m.group(1) == b"/":
                self._check_tail(src, head[m.end():])
                return
            buf, pos, eof = head[m.end():], 0, False
            del head
            close, size = _ROW_CLOSE, self.size
            while True:
                avail = len(buf) - pos
                if avail <= size and not eof:
                    data = src.read(size)
                    if data:
                        buf, pos = buf[pos:] + data, 0
                        continue
                    eof = True
                if avail == 0:
                    return
                if avail <= size:  # the end of the document
                    yield memoryview(buf)[pos:]
                    return
                at = buf.rfind(close, pos, pos + size)
                if at < 0:  # a row longer than a chunk: cut after it
                    at = buf.find(close, pos + size)
                    if at < 0:
                        data = b"" if eof else src.read(size)
                        if data:
                            buf, pos = buf[pos:] + data, 0
                        else:
                            yield memoryview(buf)[pos:]
                            return
                        continue
                at += len(close)
                yield memoryview(buf)[pos:at]
                pos = at

    def _check_tail(self, src, rest: bytes) -> None:
        """No rows after ``<sheetData/>`` (the row reader would read them)."""
        while True:
            if _ROW_TAG.search(rest):
                raise NeedsExact("a row outside sheetData")
            data = src.read(self.size)
            if not data:
                return
            rest = rest[-8:] + data


def _background(items, ahead: int) -> Iterator:
    """Iterate ``items`` in a thread of its own, at most ``ahead`` items ahead of the caller; yield
    them in order, an error raised where it happened (None items are dropped). Closing the generator
    early stops the thread (and closes ``items``)."""
    out: queue.Queue = queue.Queue(ahead)
    stop = threading.Event()
    end = object()

    def put(item) -> bool:
        return cr.put_unless_stopped(out, item, stop)

    def work() -> None:
        source = iter(items)
        try:
            for item in source:
                if item is not None and not put(item):
                    return
        except BaseException as exc:  # NeedsExact, or anything else: raised in its place
            put(exc)
            return
        finally:
            close = getattr(source, "close", None)
            if close is not None:
                close()
        put(end)

    thread = threading.Thread(target=work, name="sheet-read", daemon=True)
    thread.start()
    try:
        while (item := out.get()) is not end:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        thread.join()


def _window(rows: bytes, flags: bytes, n: int, cols: list, columns: list[tuple[int, Field]], width: int,
            date1904: bool, state: dict) -> cr.RawWindow | None:
    """A :class:`RawWindow` from the parser's columns: dates decided, blank rows and the header left out."""
    import pyarrow as pa

    arrays = [pa.Array.from_buffers(pa.int64(), n, [None, pa.py_buffer(rows)]),
              pa.Array.from_buffers(pa.uint8(), n, [None, pa.py_buffer(flags)])]
    names = ["_row", "_flag"]
    for j, (kinds, nums, offs, texts, valid) in enumerate(cols):
        arrays += [pa.Array.from_buffers(pa.uint8(), n, [None, pa.py_buffer(kinds)]),
                   pa.Array.from_buffers(pa.float64(), n, [None, pa.py_buffer(nums)]),
                   pa.Array.from_buffers(pa.string(), n, [pa.py_buffer(valid), pa.py_buffer(offs),
                                                          pa.py_buffer(texts)])]
        names += [f"{j}.k", f"{j}.n", f"{j}.s"]
    frame = pl.from_arrow(pa.Table.from_arrays(arrays, names=names))
    if state["first"]:  # the row reader's first row is the header when it is row 1
        state["first"] = False
        if frame["_row"][0] == 1:
            frame = frame.slice(1)
    keep = frame["_flag"] == 1
    suspect = frame["_flag"] == 2
    if suspect.any():  # text of white space or rare characters: decided exactly as the row reader does
        numbers = (pl.when(pl.col(f"{j}.k") >= 10).then(pl.lit(cr.NUMBER, pl.UInt8)).otherwise(pl.col(f"{j}.k"))
                   .alias(f"{j}.k") for j in range(width))  # a date is not blank: any non-empty kind will do
        keep = keep | cr._python_nonblank(frame.with_columns(numbers), width, suspect)
    frame = frame.filter(keep)
    if frame.height == 0:
        return None
    exprs = [pl.col("_row")]
    for i, f in columns:
        k, num = pl.col(f"{i}.k"), pl.col(f"{i}.n")
        when = pl.lit(None, pl.Datetime("ms"))
        if (frame[f"{i}.k"] >= 10).any():
            k, num, when = _dates(frame, i, date1904)
        exprs += [k.alias(f"{f.code}.k"), pl.col(f"{i}.s").alias(f"{f.code}.s"),
                  pl.when(k == cr.NUMBER).then(num).otherwise(None).alias(f"{f.code}.n"), when.alias(f"{f.code}.d")]
    return cr.RawWindow(frame.select(exprs))


_EPOCH_1900 = dt.datetime(1899, 12, 30)
_EPOCH_1904 = dt.datetime(1904, 1, 1)
_LAST_SERIAL = 2_958_465


def _dates(frame: pl.DataFrame, j: int, date1904: bool) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    """Kind, number and date-time of column ``j`` for the numbers in date styles, column-wise as
    :func:`xlsxstyles.date_value` and :func:`reader.normalise` decide them one by one: a serial in
    range is a date-time (the 1900 system's day 60 quirk, milliseconds rounded half to even as
    ``round``), one outside it stays a number; a time of day or a duration (no column form) declines."""
    k, n = pl.col(f"{j}.k"), pl.col(f"{j}.n")
    hit = k >= 10
    time_like = hit & ((k == 10 + _DATE_KINDS["duration"])
                       | ((k == 10 + _DATE_KINDS["time"]) & (n >= 0) & (n < 1))
                       | ((n > _LAST_SERIAL - 1) & (n <= _LAST_SERIAL)))  # the last day: a time may pass it
    if frame.select(time_like.any()).item():
        raise NeedsExact("a time, a duration or the last Excel day in a date style")
    in_range = (n >= 0) & (n <= _LAST_SERIAL)
    days = n.floor()
    ms = ((n - days) * 86_400_000).round(0, mode="half_to_even").cast(pl.Int64)
    base = pl.lit(_EPOCH_1904, pl.Datetime("ms")) if date1904 else pl.when(n < 61).then(
        pl.lit(_EPOCH_1900 + dt.timedelta(days=1), pl.Datetime("ms"))).otherwise(pl.lit(_EPOCH_1900, pl.Datetime("ms")))
    when = base + pl.duration(days=days.cast(pl.Int64), milliseconds=ms, time_unit="ms")
    return (pl.when(hit & in_range).then(pl.lit(cr.DATETIME, pl.UInt8)).when(hit).then(pl.lit(cr.NUMBER, pl.UInt8))
            .otherwise(k),
            n,
            pl.when(hit & in_range).then(when).otherwise(pl.lit(None, pl.Datetime("ms"))))
