"""Streaming scanners fed with inflated bytes by the guards: worksheets (F05/F06/F07) and strings (F05).

Each scanner wraps a hardened expat parser (DTDs refused, see :mod:`xmlsafe`) and keeps only
counters, never cell contents, so a sheet of any size or a single huge string costs constant
memory. A scanner raises :class:`Stop` from inside a handler to end its part early once a
blocking limit is hit.

The worksheet and shared-string scanners have a fast path (:mod:`supervision.ingest.fastscan`):
runs of plain rows (plain ``<si>`` elements) are matched by one compiled byte pattern each and left
out of what expat sees; everything else goes through expat and the reference handlers, with the
same state, so the result is the same.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from supervision.ingest import fastscan
from supervision.ingest.cells import cell_ref, column_index, column_letter, parse_range, range_ref
from supervision.ingest.hybrid import MISSES, PENDING_MAX, TOKEN_MAX  # noqa: F401 (re-exported)
from supervision.ingest.hybrid import Hybrid as _Hybrid
from supervision.ingest.xmlsafe import make_parser

_REF = re.compile(r"^([A-Za-z]{1,3})([0-9]{1,7})$")
_TAGS = {"c": 1, "v": 2, "t": 3, "row": 4, "f": 5, "is": 6, "dimension": 7, "si": 8}


def _code(tags: dict[str, int], tag: str) -> int:
    code = tags.get(tag)
    if code is None:
        code = tags[tag] = _TAGS.get(tag.rpartition(":")[2], 0)
    return code


class Stop(Exception):
    """Raised by a handler to stop scanning a part (a blocking limit was hit)."""


@dataclass
class SheetFacts:
    """What a worksheet scan found: extents, counts and the failures (as rule/variant/params)."""

    sheet: str
    part: str
    declared: str | None = None
    min_row: int = 0
    min_col: int = 0
    max_row: int = 0
    max_col: int = 0
    data_rows: int = 0
    data_columns: int = 0
    failures: list[tuple[str, str | None, dict]] = field(default_factory=list)

    @property
    def actual(self) -> str | None:
        """The A1 range spanned by the sheet's cells (None for a sheet with no cell)."""
        if not self.max_row:
            return None
        return range_ref(self.min_row, self.min_col, self.max_row, self.max_col)


class SheetScanner(_Hybrid):
    """Scan one worksheet part for F05 (rows, columns, cell text), F06 and F07.

    The expat handlers are closures over local state (the reference semantics); a character-data
    handler is attached only inside ``<v>``, ``<f>`` and inline ``<t>`` elements, and inline-string
    lengths are counted without keeping the text. Runs of plain rows skip expat: a compiled pattern
    per row (:func:`fastscan.row_pattern`) checks them and the same state is updated as the handlers
    would have, so the facts and failures do not depend on which path read a row. ``fast_bytes``
    counts the bytes read by the fast path.
    """

    unit = b"row"

    def __init__(self, sheet: str, part: str, *, max_rows: int, max_columns: int, max_cell_chars: int) -> None:
        """Prepare a scan of ``part`` (worksheet ``sheet``) against the given limits."""
        self.facts = facts = SheetFacts(sheet, part)
        self.max_rows, self.max_columns, self.max_cell_chars = max_rows, max_columns, max_cell_chars
        parser = self.parser = make_parser(namespaces=False)
        parser.buffer_text = False
        tags: dict[str, int] = {}
        cols: dict[str, int] = {}
        data_cols = bytearray(max_columns + 2)
        fail = self._fail
        row = col = text_len = depth = c_depth = 0
        row_has_data = has_f = has_v = v_text = False
        ctype = "n"
        ref = ""
        letters_now: str | None = None
        formula: list[str] = []
        row_limit = max_rows + 1
        # fast-path knowledge: element prefix of rows, column letters seen (with a value / at all)
        self.prefix: bytes | None = None
        self.data_letters: set[bytes] = set()
        self.seen_letters: set[bytes] = set()
        self._pattern: re.Pattern[bytes] | None = None  # rows without whitespace inside ...
        self._spaced: re.Pattern[bytes] | None = None  # ... and with
        self._last_cell: re.Pattern[bytes] | None = None
        self._native = None  # fastscan.native, and the column letters' table it reads (set by _compile)
        self._table = b""

        def end_row() -> None:
            nonlocal row_has_data
            if row_has_data:
                if row > 1:
                    facts.data_rows += 1
                row_has_data = False

        def start(tag: str, attrs: dict[str, str]) -> None:
            nonlocal row, col, ctype, ref, has_f, has_v, v_text, text_len, depth, c_depth, letters_now
            depth += 1
            code = tags.get(tag)
            if code is None:
                code = tags[tag] = _TAGS.get(tag.rpartition(":")[2], 0)
            if code == 1:
                c_depth += 1
                r = attrs.get("r")
                if r:
                    m = _REF.match(r)
                    if not m:
                        fail("F07", "bad_ref", cell=r[:40])
                        raise Stop
                    letters, digits = m.groups()
                    c = cols.get(letters)
                    if c is None:
                        c = cols[letters] = column_index(letters)
                    col, row = c, int(digits)
                    ref = r
                    letters_now = letters
                else:
                    col += 1
                    ref = cell_ref(max(row, 1), col)
                    letters_now = None
                ctype = attrs.get("t", "n")
                has_f = has_v = v_text = False
                if not facts.max_row:
                    facts.min_row = facts.max_row = row
                    facts.min_col = facts.max_col = col
                else:
                    if row < facts.min_row:
                        facts.min_row = row
                    if row > facts.max_row:
                        facts.max_row = row
                    if col < facts.min_col:
                        facts.min_col = col
                    if col > facts.max_col:
                        facts.max_col = col
            elif code == 2:
                has_v = True
                parser.CharacterDataHandler = saw_text
            elif code == 3 and ctype == "inlineStr":
                text_len = 0
                parser.CharacterDataHandler = count_text
            elif code == 5:
                has_f = True
                formula.clear()
                parser.CharacterDataHandler = keep_formula
            elif code == 4:
                end_row()
                r = attrs.get("r")
                row = int(r) if r and r.isdigit() else row + 1
                col = 0
                if self.prefix is None:
                    self.prefix = tag[:-3].encode()
                    self._pattern = None
            elif code == 7:
                facts.declared = attrs.get("ref")

        def end(tag: str) -> None:
            nonlocal row_has_data, v_text, depth, c_depth
            depth -= 1
            code = tags.get(tag, 0)
            if code == 2:
                parser.CharacterDataHandler = None
            elif code == 1:
                c_depth -= 1
                if has_f and not (v_text or (has_v and ctype in ("str", "inlineStr"))):
                    text = "".join(formula)
                    fail("F06", None, cell=ref, formula="=" + (text[:50] + "…" if len(text) > 50 else text))
                if row > row_limit or col > max_columns:
                    self._beyond(row, col, v_text)
                    raise Stop
                if v_text:
                    row_has_data = True
                    if not data_cols[col]:
                        data_cols[col] = 1
                        facts.data_columns += 1
                if letters_now is not None:
                    key = letters_now.encode()
                    if key not in self.seen_letters:
                        self.seen_letters.add(key)
                        self._pattern = None
                    if v_text and key not in self.data_letters:
                        self.data_letters.add(key)
                        self._pattern = None
            elif code == 3 or code == 5:
                parser.CharacterDataHandler = None

        def saw_text(data: str) -> None:
            nonlocal v_text
            if not v_text and data.strip():
                v_text = True

        def count_text(data: str) -> None:
            nonlocal text_len, v_text
            text_len += len(data)
            if data:
                v_text = True
            if text_len > max_cell_chars:
                fail("F05", "cell_chars", part=part, limit=max_cell_chars)
                raise Stop

        def keep_formula(data: str) -> None:
            if sum(map(len, formula)) < 60:
                formula.append(data)

        def safe() -> bool:
            """True between elements inside the root, outside any cell and any text being read."""
            return depth >= 1 and c_depth == 0 and parser.CharacterDataHandler is None

        def fast_rows(buf: bytes, pos: int, endpos: int) -> int:
            """Apply the plain rows of ``buf[pos:endpos]`` as the handlers would; return where they end."""
            nonlocal row, col, ctype, row_has_data
            if self._pattern is None:
                self._compile()
            match, spaced = self._pattern.match, self._spaced.match
            groups = self._groups
            native, table, prefix = self._native, self._table, self.prefix
            last = None  # (start, end) of the last row with a cell
            data_rows, min_row, max_row = facts.data_rows, facts.min_row, facts.max_row
            while True:
                if native is not None:  # the rows the C scan takes, up to one it leaves to the patterns
                    pos, row, row_has_data, data_rows, min_row, max_row, start, end, cellless = native.rows(
                        buf, pos, endpos, prefix, table, max_cell_chars, row, row_has_data, data_rows, min_row,
                        max_row, row_limit)
                    if start >= 0:
                        last = start, end
                    if cellless:
                        col = 0
                m = match(buf, pos, endpos) or spaced(buf, pos, endpos)
                if m is None:
                    break
                r, cells, inline, value = m.group(*groups)
                r = int(r)
                if cells is None:  # no cell: the row number alone moves
                    if row_has_data:
                        if row > 1:
                            data_rows += 1
                        row_has_data = False
                    row = r
                    col = 0
                else:
                    if r > row_limit or not max_row:
                        break  # a cell beyond the limits (or the sentinel row 0): the handlers decide
                    if row_has_data and row > 1:
                        data_rows += 1
                    row = r
                    row_has_data = inline is not None or value is not None
                    if r < min_row:
                        min_row = r
                    if r > max_row:  # (not elif: a tail run starts from min > max, see sheettail)
                        max_row = r
                    last = m.span()
                pos = m.end()
            facts.data_rows, facts.min_row, facts.max_row = data_rows, min_row, max_row
            if last is not None:
                # the state a reader of these rows is left in: the last cell's type, and its column
                # if it closes the run (a row start resets the column)
                cell = self._last_cell.match(buf, buf.rfind(b"<" + self.prefix + b'c r="', *last))
                kind = cell[2]
                ctype = kind.decode() if kind is not None else "n"
                if last[1] == pos:
                    letters = cell[1].decode()
                    c = cols.get(letters)
                    col = c if c is not None else column_index(letters)
            return pos

        def run_state() -> tuple[int, int, str, bool]:
            """The state a fast run reads and leaves: row, column, last cell type, row has data."""
            return row, col, ctype, row_has_data

        def set_run_state(r: int, c: int, t: str, has_data: bool) -> None:
            nonlocal row, col, ctype, row_has_data
            row, col, ctype, row_has_data = r, c, t, has_data

        parser.StartElementHandler, parser.EndElementHandler = start, end
        self._end_row, self._safe, self._fast_run = end_row, safe, fast_rows
        self.run_state, self.set_run_state = run_state, set_run_state
        self._init_hybrid()

    def _apply_tail(self, tail) -> bool:
        """Apply a :class:`~supervision.ingest.sheettail.TailResult` (plain rows a helper took, from
        where this scan stands) as the fast path would have; False (nothing applied) when this scan
        could not have taken them itself (no cell seen yet: the handlers decide the first one)."""
        facts = self.facts
        if not facts.max_row or tail.stop <= tail.cut:
            return False
        row, _col, ctype, has_data = self.run_state()
        facts.data_rows += tail.data_rows + (1 if has_data and row > 1 else 0)
        facts.min_row = min(facts.min_row, tail.min_row)
        facts.max_row = max(facts.max_row, tail.max_row)
        self.set_run_state(tail.row, tail.col, tail.ctype if tail.cell_rows else ctype, tail.row_has_data)
        return True

    def _compile(self) -> None:
        data, other = self.data_letters, self.seen_letters - self.data_letters
        self._pattern = fastscan.row_pattern(self.prefix, data, other, self.max_cell_chars)
        self._spaced = fastscan.row_pattern(self.prefix, data, other, self.max_cell_chars, spaced=True)
        index = self._pattern.groupindex
        self._groups = index["r"], index["cells"], index["inline"], index["value"]
        self._last_cell = fastscan.last_cell_pattern(self.prefix)
        self._native = fastscan.native
        self._table = fastscan.letter_table(data, other) if self._native is not None else b""

    def feed(self, data: bytes, final: bool = False) -> None:
        """Scan the next chunk of the part's bytes."""
        self._feed(data, final)
        if final:
            self._end_row()
            self._finish()

    def _fail(self, rule: str, variant: str | None, **params: object) -> None:
        self.facts.failures.append((rule, variant, params))

    def _beyond(self, row: int, col: int, has_data: bool) -> None:
        facts = self.facts
        if has_data and col > self.max_columns and facts.data_columns + 1 > self.max_columns:
            self._fail("F05", "columns", columns=facts.data_columns + 1, limit=self.max_columns)
        elif has_data and row > self.max_rows + 1 and facts.data_rows + 1 > self.max_rows:
            self._fail("F05", "rows", rows=facts.data_rows + 1, limit=self.max_rows)
        else:
            self._fail("F07", "cell_beyond", cell=cell_ref(row, col), limit_rows=self.max_rows + 1,
                       limit_columns=f"{self.max_columns}（{column_letter(self.max_columns)}）")

    def _finish(self) -> None:
        facts = self.facts
        if facts.declared is None or not facts.max_row:
            return
        try:
            r1, c1, r2, c2 = parse_range(facts.declared)
        except ValueError:
            self._fail("F07", "outside_dimension", declared=facts.declared[:40], actual=facts.actual)
            return
        if facts.min_row < r1 or facts.min_col < c1 or facts.max_row > r2 or facts.max_col > c2:
            self._fail("F07", "outside_dimension", declared=facts.declared, actual=facts.actual)
        elif r2 > self.max_rows + 1 or c2 > self.max_columns:
            self._fail("F07", "dimension_beyond", declared=facts.declared, actual=facts.actual,
                       limit_rows=self.max_rows + 1, limit_columns=self.max_columns)


class StringScanner(_Hybrid):
    """Scan a sharedStrings part: no string may exceed the cell text limit (F05 ``cell_chars``).

    The expat handlers count the characters of the ``<t>`` texts of each ``<si>``; runs of plain
    ``<si>`` elements (:func:`fastscan.si_pattern`, short enough to be within the limit) skip expat.
    """

    unit = b"si"

    def __init__(self, part: str, max_cell_chars: int) -> None:
        """Prepare a scan of ``part``."""
        self.part, self.max_cell_chars = part, max_cell_chars
        self.failures: list[tuple[str, str | None, dict]] = []
        self._tags: dict[str, int] = {}
        self._len = 0
        self._in_t = False
        self._depth = 0
        self.prefix: bytes | None = None
        self._matchers = None
        self.parser = make_parser(namespaces=False)
        self.parser.StartElementHandler = self._start
        self.parser.EndElementHandler = self._end
        self.parser.CharacterDataHandler = self._chars
        self._init_hybrid()

    def feed(self, data: bytes, final: bool = False) -> None:
        """Scan the next chunk of the part's bytes."""
        self._feed(data, final)

    def _start(self, tag: str, _attrs: dict[str, str]) -> None:
        self._depth += 1
        code = _code(self._tags, tag)
        if code == 8:
            self._len = 0
            if self.prefix is None:
                self.prefix = tag[:-2].encode()
        elif code == 3:
            self._in_t = True

    def _end(self, tag: str) -> None:
        self._depth -= 1
        if self._tags.get(tag) == 3:
            self._in_t = False

    def _chars(self, data: str) -> None:
        if self._in_t:
            self._len += len(data)
            if self._len > self.max_cell_chars:
                self.failures.append(("F05", "cell_chars", {"part": self.part, "limit": self.max_cell_chars}))
                raise Stop

    def _safe(self) -> bool:
        return self._depth >= 1 and not self._in_t

    def _fast_run(self, buf: bytes, pos: int, endpos: int) -> int:
        if self._matchers is None:
            self._matchers = (fastscan.si_pattern(self.prefix, self.max_cell_chars).match,
                              fastscan.si_pattern(self.prefix, self.max_cell_chars, spaced=True).match)
        match, spaced = self._matchers
        limit = self.max_cell_chars
        last = None
        while m := match(buf, pos, endpos) or spaced(buf, pos, endpos):
            if (m["long"] is not None or m["ph"] is not None) and m.end() - m.start() > limit:
                break  # rich text as long as the limit: the handlers count it
            last = m
            pos = m.end()
        if last is not None:
            self._len = _text_chars(last.group().lstrip(b" \t\r\n"))
        return pos


def _text_chars(element: bytes) -> int:
    """The characters the string handlers count in one ``<si>`` element (a well-formed fragment)."""
    count = 0
    inside = False

    def start(tag: str, _attrs: dict[str, str]) -> None:
        nonlocal inside
        if tag.rpartition(":")[2] == "t":
            inside = True

    def end(tag: str) -> None:
        nonlocal inside
        if tag.rpartition(":")[2] == "t":
            inside = False

    def chars(data: str) -> None:
        nonlocal count
        if inside:
            count += len(data)

    parser = make_parser(namespaces=False)
    parser.StartElementHandler, parser.EndElementHandler, parser.CharacterDataHandler = start, end, chars
    parser.Parse(element, True)
    return count


class PlainScanner:
    """Parse any other XML part only for well-formedness and the absence of DTDs."""

    def __init__(self) -> None:
        """Create the hardened parser."""
        self.failures: list[tuple[str, str | None, dict]] = []
        self.parser = make_parser(namespaces=False)

    def feed(self, data: bytes, final: bool = False) -> None:
        """Parse the next chunk of the part's bytes."""
        self.parser.Parse(data, final)
