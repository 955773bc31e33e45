"""The worksheet and shared-string scanners as they were before the fast path (expat callbacks only).

Kept verbatim (only renamed) as the references the differential tests of ``test_fastscan`` compare
:class:`supervision.ingest.sheetscan.SheetScanner` and ``StringScanner`` with, and for
``bench/guards_bench.py --reference``.
"""

from __future__ import annotations

import re

from supervision.ingest.cells import cell_ref, column_index, column_letter, parse_range
from supervision.ingest.sheetscan import SheetFacts, Stop, _code
from supervision.ingest.xmlsafe import make_parser

_REF = re.compile(r"^([A-Za-z]{1,3})([0-9]{1,7})$")
_TAGS = {"c": 1, "v": 2, "t": 3, "row": 4, "f": 5, "is": 6, "dimension": 7, "si": 8}


class ReferenceSheetScanner:
    """The expat-only worksheet scanner the fast one replaced (verbatim but for the name): the reference.

    The handlers are closures over local state (the scan is on the hot path of every upload); a
    character-data handler is attached only inside ``<v>``, ``<f>`` and inline ``<t>`` elements, and
    inline-string lengths are counted without keeping the text.
    """

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
        row = col = text_len = 0
        row_has_data = has_f = has_v = v_text = False
        ctype = "n"
        ref = ""
        formula: list[str] = []
        row_limit = max_rows + 1

        def end_row() -> None:
            nonlocal row_has_data
            if row_has_data:
                if row > 1:
                    facts.data_rows += 1
                row_has_data = False

        def start(tag: str, attrs: dict[str, str]) -> None:
            nonlocal row, col, ctype, ref, has_f, has_v, v_text, text_len
            code = tags.get(tag)
            if code is None:
                code = tags[tag] = _TAGS.get(tag.rpartition(":")[2], 0)
            if code == 1:
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
                else:
                    col += 1
                    ref = cell_ref(max(row, 1), col)
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
            elif code == 7:
                facts.declared = attrs.get("ref")

        def end(tag: str) -> None:
            nonlocal row_has_data, v_text
            code = tags.get(tag, 0)
            if code == 2:
                parser.CharacterDataHandler = None
            elif code == 1:
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

        parser.StartElementHandler, parser.EndElementHandler = start, end
        self._end_row = end_row

    def feed(self, data: bytes, final: bool = False) -> None:
        """Parse the next chunk of the part's bytes."""
        self.parser.Parse(data, final)
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


class ReferenceStringScanner:
    """The expat-only shared-strings scanner the fast one replaced (verbatim but for the name)."""

    def __init__(self, part: str, max_cell_chars: int) -> None:
        """Prepare a scan of ``part``."""
        self.part, self.max_cell_chars = part, max_cell_chars
        self.failures: list[tuple[str, str | None, dict]] = []
        self._tags: dict[str, int] = {}
        self._len = 0
        self._in_t = False
        self.parser = make_parser(namespaces=False)
        self.parser.StartElementHandler = self._start
        self.parser.EndElementHandler = self._end
        self.parser.CharacterDataHandler = self._chars

    def feed(self, data: bytes, final: bool = False) -> None:
        """Parse the next chunk of the part's bytes."""
        self.parser.Parse(data, final)

    def _start(self, tag: str, _attrs: dict[str, str]) -> None:
        code = _code(self._tags, tag)
        if code == 8:
            self._len = 0
        elif code == 3:
            self._in_t = True

    def _end(self, tag: str) -> None:
        if self._tags.get(tag) == 3:
            self._in_t = False

    def _chars(self, data: str) -> None:
        if self._in_t:
            self._len += len(data)
            if self._len > self.max_cell_chars:
                self.failures.append(("F05", "cell_chars", {"part": self.part, "limit": self.max_cell_chars}))
                raise Stop
