"""The tail of a large worksheet scanned by a second process while the guards scan its head (issue 12).

On a two-core machine the guards' scan of a large worksheet (F05/F06/F07, :mod:`.sheetscan`) is what
the ingest child waits for before it reads anything: about 1.4 s of CPU at 200,000 rows, 3.6 s at
500,000 (docs/performance.md). Its fast path matches plain rows one by one, and a row's effect on
the scan's state is small (the row number, whether it has data, the extents), so the second half of
the sheet can be matched by another process at the same time:

* the **tail helper** (:class:`TailScan`, run by :func:`start` in a forked process) inflates the part
  from its start; it scans the first :data:`HEAD_BYTES` with a full :class:`~.sheetscan.SheetScanner`
  only to learn the rows' element prefix and the column letters seen so far, skips to the planned
  cut, takes the first row start tag there (``cut``), and from there applies the scanner's own fast
  path (the same compiled row pattern and the same byte checks) from a neutral state, as long as
  rows are plain. It reports what the rows it took change (:class:`TailResult`) and where it stopped.
* the **guards' scan** stops its fast runs at ``cut``. If it stands exactly there on the fast path,
  it applies the result (:meth:`~.sheetscan.SheetScanner._apply_tail`) and leaves the bytes up to
  ``stop`` out of what it scans, as its own fast path would have; in every other case (the helper
  gave up or died, the scan reached ``cut`` inside something expat was reading, or passed it) it
  scans on alone. Either way it still inflates every byte of the part (sizes, ratio, CRC, DTDs).

Why the verdict is the same: the helper's letter sets are those of a prefix of what the guards' scan
has seen at ``cut`` (sets only grow), so its row pattern accepts a subset of what the guards' pattern
accepts there; its byte checks are the same over the same bytes; and a run of plain rows changes the
state in a way that does not depend on where the runs are cut (tested with every chunk size against
the expat-only reference, ``tests/ingest/test_sheettail.py``). The helper's own failures never count:
it only ever says "these bytes are plain rows".
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
from dataclasses import asdict, dataclass
from xml.parsers import expat

from supervision.ingest import fastscan
from supervision.ingest.fastscan import ByteChecks
from supervision.ingest.hybrid import PENDING_MAX
from supervision.ingest.sheetscan import SheetScanner, Stop
from supervision.ingest.xmlsafe import UnsafeXMLError

#: a worksheet part is split only from this many (inflated) bytes. Below, the guards' scan is not longer
#: than the command's start and the child's imports that run beside it, and splitting it saved nothing
#: on two cores (200,000 rows of inline strings: 174 MB; docs/performance.md)
SPLIT_MIN_BYTES = 256 * 1024 * 1024
#: ... and from this many where the C fast path scans (``fastscan.native``): it scans three times as
#: fast, while the helper still inflates the part's first half to find its cut; at 500,000 rows
#: (439 MB) splitting was slower in five alternated pairs (docs/performance.md, "(twelfth session)")
SPLIT_MIN_BYTES_NATIVE = 768 * 1024 * 1024
#: the helper learns the prefix and column letters from this many bytes of the part's head
HEAD_BYTES = 1024 * 1024
#: a row start tag after the cut: ``<`` + prefix + ``row`` + one of these bytes
_AFTER_NAME = b" \t\r\n/>"


def split_min_bytes() -> int:
    """The size from which a worksheet part's tail is scanned by a helper (see above)."""
    return SPLIT_MIN_BYTES_NATIVE if fastscan.native is not None else SPLIT_MIN_BYTES


@dataclass(frozen=True)
class TailResult:
    """What the plain rows from ``cut`` to ``stop`` (absolute offsets in the part) change in a sheet
    scan that stands at ``cut``: ``data_rows`` rows completed with data among them (not counting the
    row open at ``cut``, which the scan itself knows), the extents of their cells' rows (``min_row``
    is a large number and ``max_row`` 1 when none had a cell: ``cell_rows`` False), the state after
    the last one (row, column, last cell type, has data) and the line ends among the bytes."""

    cut: int
    stop: int
    data_rows: int
    min_row: int
    max_row: int
    cell_rows: bool
    row: int
    col: int
    ctype: str
    row_has_data: bool
    newlines: int


_NO_ROW = 10**9


class TailScan:
    """Fed the whole part (from offset 0, in chunks), take the plain rows from the first row start at or
    after ``plan`` (see the module docstring); :meth:`result` afterwards, :attr:`cut` as soon as known
    (-1: none)."""

    def __init__(self, sheet: str, part: str, *, plan: int, max_rows: int, max_columns: int, max_cell_chars: int,
                 head_bytes: int = HEAD_BYTES) -> None:
        """Prepare the tail scan of ``part`` from ``plan`` (which must lie beyond ``head_bytes``)."""
        self.scanner = SheetScanner(sheet, part, max_rows=max_rows, max_columns=max_columns,
                                    max_cell_chars=max_cell_chars)
        self.plan, self.head_bytes = plan, min(head_bytes, plan)
        self.cut: int | None = None
        self.done = False
        self._phase = "head"
        self._seen = 0  # bytes fed so far (absolute offset of the next byte)
        self._buf = b""
        self._base = 0
        self._checks = ByteChecks()
        self._newlines = 0
        self._needle = b""
        self._unit_end = b""

    def feed(self, data: bytes, final: bool = False) -> None:
        """Take the next chunk of the part's inflated bytes."""
        start, self._seen = self._seen, self._seen + len(data)
        if self.done:
            return
        if self._phase == "head":
            head = data[:max(self.head_bytes - start, 0)]
            try:
                if head:
                    self.scanner.feed(head)
            except (Stop, expat.ExpatError, UnsafeXMLError):
                return self._give_up()
            if self._seen < self.head_bytes and not final:
                return None
            s = self.scanner
            if s.prefix is None or not s._fast or not s.facts.max_row:
                return self._give_up()  # nothing to learn the rows from: the guards scan it all
            self._needle = b"<" + s.prefix + b"row"
            self._unit_end = b"</" + s.prefix + b"row>"
            self._phase = "seek"
            self._buf, self._base = b"", self.head_bytes
            data, start = data[max(self.head_bytes - start, 0):], self.head_bytes
        if self._phase == "seek":
            self._seek(data, start, final)
        elif self._phase == "run":
            self._run(data, final)
        return None

    def _give_up(self) -> None:
        self.done = True
        if self.cut is None:
            self.cut = -1

    def _seek(self, data: bytes, start: int, final: bool) -> None:
        """Drop bytes before the plan; find the first row start tag at or after it."""
        buf = self._buf + data
        base = self._base if self._buf else start
        skip = max(self.plan - base, 0)
        if skip >= len(buf):
            self._buf, self._base = b"", base + len(buf)
            if final:
                self._give_up()
            return
        buf, base = buf[skip:], base + skip
        i = buf.find(self._needle)
        while i >= 0 and i + len(self._needle) < len(buf) and buf[i + len(self._needle)] not in _AFTER_NAME:
            i = buf.find(self._needle, i + 1)
        if i < 0 or i + len(self._needle) >= len(buf):
            keep = len(self._needle) if i < 0 else len(buf) - i
            self._buf, self._base = buf[-keep:], base + len(buf) - min(keep, len(buf))
            if final:
                self._give_up()
            return
        self.cut = base + i
        # a neutral state: the first row's predecessor is the guards' own (see SheetScanner._apply_tail)
        facts = self.scanner.facts
        self.scanner.set_run_state(0, 0, "n", False)
        facts.data_rows, facts.min_row, facts.max_row = 0, _NO_ROW, 1
        self._phase = "run"
        self._buf, self._base = b"", self.cut
        self._run(buf[i:], final)

    def _run(self, data: bytes, final: bool) -> None:
        """Apply the fast path to the rows from the cut on, while they are plain."""
        buf = self._buf + data if self._buf else data
        base = self._base
        checks = self._checks
        checks.feed(buf, base, final)
        n, pos = len(buf), 0
        fast_run = self.scanner._fast_run
        while pos < n:
            limit = min(checks.limit(base + pos) - base, n)
            end = fast_run(buf, pos, limit)
            if end > pos:
                self._newlines += buf.count(b"\n", pos, end)
                pos = end
                continue
            e = buf.find(self._unit_end, pos)
            if final or (e >= 0 and e + len(self._unit_end) <= limit) or n - pos > PENDING_MAX \
                    or not checks.clean_until(base + n):
                return self._finish(base + pos)  # not a plain row (or not one the checks allow)
            break  # the row is not all here yet
        self._buf, self._base = buf[pos:], base + pos
        if final:
            self._finish(base + pos)

    def _finish(self, stop: int) -> None:
        self.done = True
        self._stop = stop

    def result(self) -> TailResult | None:
        """What the rows taken change (None if nothing was taken or the scan gave up)."""
        if not self.done or self.cut is None or self.cut < 0 or getattr(self, "_stop", self.cut) <= self.cut:
            return None
        facts = self.scanner.facts
        row, col, ctype, has_data = self.scanner.run_state()
        return TailResult(cut=self.cut, stop=self._stop, data_rows=facts.data_rows, min_row=facts.min_row,
                          max_row=facts.max_row, cell_rows=facts.min_row != _NO_ROW, row=row, col=col, ctype=ctype,
                          row_has_data=has_data, newlines=self._newlines)


class InProcess:
    """A tail handle over a :class:`TailScan` that was already fed the whole part (tests)."""

    def __init__(self, scan: TailScan) -> None:
        """Wrap ``scan``."""
        self.scan = scan

    def cut(self) -> int | None:
        """The scan's cut (-1: none)."""
        return self.scan.cut

    def result(self) -> TailResult | None:
        """The scan's result."""
        return self.scan.result()

    def close(self) -> None:
        """Nothing to release."""


class Helper:
    """A tail helper process (:func:`start`): its two answers come on a pipe, one JSON line each."""

    def __init__(self, pid: int, fd: int) -> None:
        """Wrap the helper ``pid`` answering on ``fd``."""
        self.pid = pid
        self._src = os.fdopen(fd, "rb")
        self._cut: int | None = None

    def _line(self):
        try:
            line = self._src.readline()
            return json.loads(line) if line else None
        except (OSError, ValueError):
            return None

    def cut(self) -> int | None:
        """The helper's cut (blocks until it is known; None or -1: none)."""
        if self._cut is None:
            msg = self._line()
            self._cut = msg.get("cut", -1) if isinstance(msg, dict) else -1
        return self._cut

    def result(self) -> TailResult | None:
        """What the helper took (blocks until it is done; None if nothing or it failed)."""
        if self.cut() is None or self._cut < 0:
            return None
        msg = self._line()
        try:
            return TailResult(**msg) if isinstance(msg, dict) and msg else None
        except TypeError:
            return None

    def close(self) -> None:
        """End the helper (whatever it is doing) and reap it."""
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self.pid, 0)
        with contextlib.suppress(OSError):
            self._src.close()


def start(path: str, part: str, sheet: str, plan: int, limits) -> Helper | None:
    """Fork a tail helper on worksheet ``part`` of the package at ``path`` (cut planned at ``plan``,
    ``limits``: the guards' :class:`~supervision.ingest.guards.Limits`). Call only from a process with
    a single thread (the guard helpers). None if it cannot be forked."""
    read_end, write_end = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(read_end)
        os.close(write_end)
        return None
    if pid == 0:  # the helper: never returns
        os.close(read_end)
        try:
            with contextlib.suppress(BaseException):  # the guards scan on alone: the pipe just ends
                _helper(path, part, sheet, plan, limits, write_end)
        finally:
            os._exit(0)
    os.close(write_end)
    return Helper(pid, read_end)


def _helper(path: str, part: str, sheet: str, plan: int, limits, fd: int) -> None:
    import gc
    import zipfile

    from supervision.ingest import guards

    gc.disable()
    out = os.fdopen(fd, "wb", buffering=0)
    scan = TailScan(sheet, part, plan=plan, max_rows=limits.max_rows, max_columns=limits.max_columns,
                    max_cell_chars=limits.max_cell_chars)
    told = False
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(part)
        inflater = guards._deflate.decompressobj(-15) if info.compress_type == zipfile.ZIP_DEFLATED else None
        total = 0
        for raw in guards._raw_chunks(zf, info):
            pending = raw
            while pending and not scan.done:
                if inflater is None:
                    chunk, pending = pending, b""
                else:
                    chunk = inflater.decompress(pending, guards.CHUNK)
                    pending = inflater.unconsumed_tail
                total += len(chunk)
                if total > info.file_size:  # more than declared: the guards refuse the part anyway
                    scan._give_up()
                    break
                scan.feed(chunk)
                if not told and scan.cut is not None:
                    out.write(json.dumps({"cut": scan.cut}).encode() + b"\n")
                    told = True
            if scan.done:
                break
        if not scan.done:
            scan.feed(b"", True)
    if not told:
        out.write(json.dumps({"cut": scan.cut if scan.cut is not None else -1}).encode() + b"\n")
    result = scan.result()
    out.write(json.dumps(asdict(result) if result else {}).encode() + b"\n")
    out.close()
