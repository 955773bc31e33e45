"""The scanners' hybrid feed (see :mod:`supervision.ingest.sheetscan`): expat for what is unusual, the
fast path for runs of plain units, and the hand-over to a helper that scanned the tail
(:mod:`supervision.ingest.sheettail`)."""

from __future__ import annotations

from xml.parsers import expat

from supervision.ingest import fastscan

#: A unit (row, shared string) the fast path cannot finish in the buffered bytes is waited for up to
#: this many bytes ...
PENDING_MAX = 1024 * 1024
#: ... and an incomplete token (the tail of a chunk) up to this many; past it, expat takes the bytes.
TOKEN_MAX = 64 * 1024
#: After this many units in a row that the fast path could not take, expat is given whole chunks.
MISSES = 16


class Hybrid:
    """Feed a part to ``self.parser`` (expat with the reference handlers) while ``_fast_run`` takes runs
    of plain ``unit`` elements (``<row>``, ``<si>``) it left out of what expat sees.

    A subclass sets ``parser``, ``prefix`` (the unit's element prefix once expat has seen one unit),
    ``_safe()`` (True where a unit may start without any handler state in the way) and
    ``_fast_run(buf, pos, endpos)`` (apply the plain units at ``buf[pos:endpos]`` to the state as the
    handlers would, return where they end). What goes to expat is cut between complete tokens only,
    so that the fast path resumes exactly where expat stands; parts not declared UTF-8 go to expat
    whole. ``fast_bytes`` counts the bytes the fast path read.
    """

    unit = b""
    prefix: bytes | None
    parser: expat.XMLParserType

    def _init_hybrid(self) -> None:
        self.fast_bytes = 0
        self._buf = b""
        self._base = 0  # absolute offset of _buf[0]
        self._fast: bool | None = None  # None until the encoding is known
        self._checks = fastscan.ByteChecks()
        self._skipped = 0  # bytes left out of what expat saw ...
        self._skipped_lines = 0  # ... and the line ends among them
        self._unit_start, self._tokens = fastscan.unit_patterns(self.unit)
        self._unit_end: bytes | None = None
        self._end_from = 0  # no unit end tag before this absolute offset (see _find_end)
        self._misses = 0  # units in a row that the fast path could not take
        # a helper that scans the part's tail (supervision.ingest.sheettail): its handle, the offset
        # from which it looks for a unit start, the unit start it took (once known) ...
        self._tail = None
        self._tail_plan = 0
        self._tail_cut: int | None = None
        self._skip_to = 0  # ... and the end of what it took: bytes before this are left out
        self.tail_bytes = 0

    def take_tail(self, plan: int, handle) -> None:
        """Let a helper take the plain units from the first unit start at or after absolute offset
        ``plan``: ``handle.cut()`` gives that offset (or -1), ``handle.result()`` what the helper took
        (a :class:`~supervision.ingest.sheettail.TailResult`, or None). The scan stops its fast runs
        there; if it stands exactly there on the fast path, it applies the result and leaves the
        bytes the helper took out of what it scans, else it scans on as if there were no helper."""
        self._tail, self._tail_plan = handle, plan

    def _apply_tail(self, tail) -> bool:
        return False

    def _tail_step(self, base: int, pos: int, n: int, fast: bool) -> int:
        """Where the fast run from ``pos`` must stop for the tail helper (``n``: no limit), or -1 when
        the scan jumped over what the helper took (to ``self._skip_to``)."""
        if self._tail_cut is None:
            if base + n <= self._tail_plan:
                return n
            cut = self._tail.cut()
            if cut is None or cut < base + pos:  # none, or passed already
                self._tail = None
                return n
            self._tail_cut = cut
        at = self._tail_cut - base
        if at >= n:
            return n
        if at > pos:
            return at
        tail = self._tail.result() if at == pos and fast else None
        self._tail = None
        if tail is None or tail.cut != base + pos or not self._apply_tail(tail):
            return n
        taken = tail.stop - tail.cut
        self.fast_bytes += taken
        self.tail_bytes += taken
        self._skipped += taken
        self._skipped_lines += tail.newlines
        self._skip_to = tail.stop
        self._end_from = tail.stop
        return -1

    def _safe(self) -> bool:
        raise NotImplementedError

    def _fast_run(self, buf: bytes, pos: int, endpos: int) -> int:
        raise NotImplementedError

    def _feed(self, data: bytes, final: bool) -> None:
        buf = self._buf + data if self._buf else data
        base = self._base
        if self._skip_to > base:  # taken by the tail helper
            k = min(len(buf), self._skip_to - base)
            buf, base = buf[k:], base + k
        if self._fast is None:
            self._fast = fastscan.utf8_declared(buf, final)
            if self._fast is None:
                self._buf = buf
                return
        if not self._fast:
            self._buf = b""
            self._base = base + len(buf)
            self._parse(buf, final)
            return
        checks = self._checks
        checks.feed(buf, base, final)
        n = len(buf)
        pos = 0
        while pos < n:
            fast = self._fast and self.prefix is not None and self._safe()
            stop = n
            if self._tail is not None:
                stop = self._tail_step(base, pos, n, fast)
                if stop < 0:  # jumped over what the helper took (possibly past this buffer)
                    pos = min(n, self._skip_to - base)
                    continue
            wait = fast and not final and n - pos < PENDING_MAX and checks.clean_until(base + n)
            if fast:
                if wait and self._find_end(buf, base, pos) < 0:
                    break  # no complete unit here yet: wait for the next chunk (so each unit is matched once)
                if self._misses >= MISSES:  # units keep failing: give expat all complete tokens at once
                    m = fastscan.TOKENS.match(buf, pos)
                    if m.end() > pos:
                        self._parse(buf[pos:m.end()])
                        pos = m.end()
                        self._misses = MISSES // 2  # try a few units again after this
                        continue
                end = self._fast_run(buf, pos, min(checks.limit(base + pos) - base, stop))
                if end > pos:
                    self.fast_bytes += end - pos
                    self._skipped += end - pos
                    if buf.find(b"\n", pos, end) >= 0:
                        self._skipped_lines += buf.count(b"\n", pos, end)
                    pos = end
                    self._misses = 0
                    continue
            m = self._tokens.match(buf, pos)
            if m.end() > pos:
                self._parse(buf[pos:m.end()])
                pos = m.end()
                continue
            if self._unit_start.match(buf, pos):
                if wait:
                    e = self._find_end(buf, base, pos)
                    if e < 0 or e + len(self._unit_end) > checks.limit(base + pos) - base:
                        break  # the unit is not all here yet: wait for the next chunk
                t = fastscan.ONE_TOKEN.match(buf, pos)
                if t:  # expat takes the unit: its start tag and what follows up to the next unit
                    m = self._tokens.match(buf, t.end())
                    self._parse(buf[pos:m.end()])
                    pos = m.end()
                    self._misses += fast
                    continue
            if not final and n - pos < TOKEN_MAX:
                break  # an incomplete token: wait for the next chunk
            # not a token we know (or too long): expat takes everything from here on
            self._fast = False
            self._parse(buf[pos:])
            pos = n
        self._buf = buf[pos:]
        self._base = base + pos
        if final:
            self._parse(self._buf, True)
            self._buf = b""

    def _find_end(self, buf: bytes, base: int, pos: int) -> int:
        """Where the next unit end tag starts in ``buf`` at or after ``pos`` (-1: none), never searching twice."""
        unit_end = self._unit_end
        if unit_end is None:
            unit_end = self._unit_end = b"</" + self.prefix + self.unit + b">"
        e = buf.find(unit_end, max(pos, self._end_from - base))
        if e < 0:
            self._end_from = base + max(pos, len(buf) - len(unit_end) + 1)
        return e

    def _parse(self, data: bytes, final: bool = False) -> None:
        try:
            self.parser.Parse(data, final)
        except expat.ExpatError as exc:
            if not self._skipped:
                raise
            # expat did not see what the fast path read: report the position in the part
            err = expat.ExpatError(f"{expat.ErrorString(exc.code)}: line {exc.lineno + self._skipped_lines}, "
                                   f"byte {self.parser.ErrorByteIndex + self._skipped}")
            err.code, err.lineno, err.offset = exc.code, exc.lineno + self._skipped_lines, exc.offset
            raise err from None


