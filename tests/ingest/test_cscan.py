"""The compiled fast path (``supervision/ingest/_cscan.c``) against the Python code it stands in for.

Its contract: each function either answers exactly as the Python path would, or declines and leaves
the case to it. So every test here checks the one direction that matters — whatever C takes, the
Python path takes the same way (``rows`` against the compiled row patterns; ``utf8`` and
``suspects`` through :class:`ByteChecks` fed the same bytes) — and that C takes the common case at
all. The scanners' own differential tests (test_fastscan, test_sheettail) run with and without it.
"""

from __future__ import annotations

import os
import random
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from supervision.ingest import fastscan
from tests.ingest.test_fastscan import generate

native = fastscan.native
needs_native = pytest.mark.skipif(native is None, reason="the C module is not built here (see test_native_is_built)")

ROW_LIMIT = 1_048_577


def test_native_is_built():
    """``make setup`` compiles the module; only a deliberately pure install goes without it."""
    if os.environ.get("SUPERVISION_PURE_PYTHON") == "1":
        pytest.skip("SUPERVISION_PURE_PYTHON=1: installed without the C module on purpose")
    assert native is not None, "supervision.ingest._cscan was not built: is a C compiler installed?"


def test_compiled_reader_is_built():
    """The column reader's compiled path (``_csheet.c``, tested in test_colnative.py) is built with it."""
    from supervision.ingest import colnative

    if os.environ.get("SUPERVISION_PURE_PYTHON") == "1":
        pytest.skip("SUPERVISION_PURE_PYTHON=1: installed without the C modules on purpose")
    assert colnative.available(), "supervision.ingest._csheet was not built: is a C compiler installed?"


# ---- rows ----------------------------------------------------------------------------------------

_ROW = re.compile(rb"[ \t\r\n]*<(?:[A-Za-z]+:)?row\b[^>]*?(?:/>|>.*?</(?:[A-Za-z]+:)?row>)", re.S)
_REFS = re.compile(rb'<(?:[A-Za-z]+:)?c r="([A-Za-z]{1,3})[0-9]')


def _letters(xml: bytes) -> list[bytes]:
    return sorted(set(_REFS.findall(xml)))


def _check_row(unit: bytes, prefix: bytes, data: set[bytes], other: set[bytes], max_chars: int,
               state: tuple[int, bool, int, int, int] = (1, False, 0, 1, 1)) -> bool:
    """C on one row against the non-spaced and spaced patterns; True if C took it."""
    table = fastscan.letter_table(data, other)
    row, has_data, data_rows, min_row, max_row = state
    got = native.rows(unit, 0, len(unit), prefix, table, max_chars, row, has_data, data_rows, min_row, max_row,
                      ROW_LIMIT)
    pos, g_row, g_has, g_data_rows, g_min, g_max, start, end, cellless = got
    if pos == 0:
        assert got == (0, row, has_data, data_rows, min_row, max_row, -1, -1, False)
        return False
    plain = fastscan.row_pattern(prefix, data, other, max_chars)
    spaced = fastscan.row_pattern(prefix, data, other, max_chars, spaced=True)
    m = plain.match(unit, 0, len(unit)) or spaced.match(unit, 0, len(unit))
    assert m is not None, unit
    assert m.end() == pos, unit
    r = int(m["r"])
    assert g_row == r
    if m["cells"] is None:
        assert cellless and (start, end) == (-1, -1)
        assert g_has is False
        assert g_data_rows == data_rows + (1 if has_data and row > 1 else 0)
    else:
        assert not cellless and (start, end) == (0, pos)
        assert g_has == (m["inline"] is not None or m["value"] is not None), unit
        assert (g_min, g_max) == (min(min_row, r), max(max_row, r))
        assert g_data_rows == data_rows + (1 if has_data and row > 1 else 0)
    return True


def _rows_of(xml: bytes) -> list[bytes]:
    return [m.group() for m in _ROW.finditer(xml[xml.find(b"sheetData>"):])]


def _mutate(rng: random.Random, unit: bytes) -> bytes:
    i = rng.randrange(len(unit) + 1)
    op = rng.choice(["insert", "delete", "replace", "space", "quote"])
    char = rng.choice(b' "<>/=\t\nAaz09&;:\x00\xe4\xb8\xad')
    if op == "insert":
        return unit[:i] + bytes([char]) + unit[i:]
    if op == "delete":
        return unit[:i] + unit[i + 1:]
    if op == "space":
        return unit[:i] + b" " + unit[i:]
    if op == "quote":
        return unit.replace(b'"', b"'", 1)
    return unit[:i] + bytes([char]) + unit[i + 1:] if i < len(unit) else unit + bytes([char])


@needs_native
def test_rows_match_the_patterns_on_generated_sheets():
    rng = random.Random(20261207)
    taken = declined = 0
    for _ in range(600):
        xml, limits = generate(rng.choice, rng.randint)
        prefix = b"x:" if b"<x:row" in xml else b""
        letters = _letters(xml)
        data = {w for w in letters if rng.random() < 0.8}
        other = set(letters) - data
        for unit in _rows_of(xml):
            for candidate in (unit, _mutate(rng, unit), _mutate(rng, _mutate(rng, unit))):
                if _check_row(candidate, prefix, data, other, limits["max_cell_chars"],
                              (rng.choice([0, 1, 5]), rng.choice([False, True]), 3, 2, rng.choice([0, 9]))):
                    taken += 1
                else:
                    declined += 1
    assert taken > 1000 and declined > 1000  # both sides exercised


@needs_native
@settings(deadline=None, max_examples=300)
@given(st.data())
def test_rows_match_the_patterns_hypothesis(data):
    prefix = data.draw(st.sampled_from([b"", b"x:"]))
    p = prefix
    r = data.draw(st.sampled_from([b"1", b"2", b"07", b"1048576", b"12345678"]))
    cells = []
    for _ in range(data.draw(st.integers(0, 4))):
        letters = data.draw(st.sampled_from([b"A", b"B", b"AA", b"XFD", b"b", b"ABCD"]))
        cell_r = data.draw(st.sampled_from([r, r, r, b"9"]))
        style = data.draw(st.sampled_from([b"", b' s="3"', b' s=""', b' s="1234567890"']))
        kind = data.draw(st.sampled_from([b"", b' t="s"', b' t="inlineStr"', b' t="n"', b' t="abcdefghij"']))
        text = data.draw(st.sampled_from([b"1", b" 1", b"\xe4\xb8\xad", b"", b"x" * 5, b"a&amp;b", b"\xc2\xa0"]))
        body = data.draw(st.sampled_from([
            None, b"", b"<" + p + b"v>" + text + b"</" + p + b"v>", b"<" + p + b"v/>", b"<" + p + b"v />",
            b"<" + p + b"v></" + p + b"v>", b"<" + p + b"is><" + p + b"t>" + text + b"</" + p + b"t></" + p + b"is>",
            b"<" + p + b'is><' + p + b't xml:space="preserve">' + text + b"</" + p + b"t></" + p + b"is>",
            b"<" + p + b"f>A1</" + p + b"f><" + p + b"v>1</" + p + b"v>"]))
        tag = b"<" + p + b'c r="' + letters + cell_r + b'"' + style + kind
        close = data.draw(st.sampled_from([b"/>", b" />", b"  />"]))
        cells.append(tag + close if body is None else tag + b">" + body + b"</" + p + b"c>")
    attrs = b"".join(data.draw(st.lists(st.sampled_from(
        [b' spans="1:5"', b' s="2"', b' ht="15"', b' x14ac:dyDescent="0.25"', b' hidden="1"', b'  ht="1"',
         b' spans="1 5"', b' foo="1"', b' s="x s=1"', b'\tcollapsed="0"']), max_size=3)))
    lead = data.draw(st.sampled_from([b"", b"\n", b"  "]))
    if data.draw(st.booleans()) and not cells:
        unit = lead + b"<" + p + b'row r="' + r + b'"' + attrs + data.draw(st.sampled_from([b"/>", b" />"]))
    else:
        unit = lead + b"<" + p + b'row r="' + r + b'"' + attrs + b">" + b"".join(cells) + b"</" + p + b"row>"
    letters_all = [b"A", b"B", b"AA", b"XFD", b"b"]
    data_letters = set(data.draw(st.lists(st.sampled_from(letters_all), max_size=5)))
    other = set(data.draw(st.lists(st.sampled_from(letters_all), max_size=5))) - data_letters
    max_chars = data.draw(st.sampled_from([1, 3, 5, 32767]))
    _check_row(unit, prefix, data_letters, other, max_chars)


@needs_native
def test_rows_take_a_run_and_stop_where_the_patterns_must_decide():
    head = (b'<row r="2" spans="1:3"><c r="A2" t="inlineStr"><is><t>TS1</t></is></c>'
            b'<c r="B2" s="1"><v>46220</v></c></row>')
    run = head + b'<row r="3"/>' + b'<row r="4"><c r="A4" s="1"/></row>'
    odd = b'<row r="5"><c r="A5"><f>1+1</f><v>2</v></c></row>'
    buf = run + odd + head
    table = fastscan.letter_table({b"A", b"B"}, set())
    pos, row, has, data_rows, lo, hi, start, end, cellless = native.rows(buf, 0, len(buf), b"", table, 32767, 1,
                                                                         False, 0, 1, 1, ROW_LIMIT)
    assert pos == len(run)  # the formula row is left to the patterns
    assert (row, has, data_rows, lo, hi) == (4, False, 1, 1, 4)
    assert (start, end) == (len(head) + len(b'<row r="3"/>'), len(run))
    assert cellless
    # endpos cuts a row: it is not taken
    assert native.rows(buf, 0, len(head) - 1, b"", table, 32767, 1, False, 0, 1, 1, ROW_LIMIT)[0] == 0
    # a cell beyond the row limit, or before any row was seen (max_row 0): the handlers decide
    assert native.rows(buf, 0, len(buf), b"", table, 32767, 1, False, 0, 1, 1, 1)[0] == 0
    assert native.rows(buf, 0, len(buf), b"", table, 32767, 1, False, 0, 0, 0, ROW_LIMIT)[0] == 0
    with pytest.raises(ValueError):
        native.rows(buf, 0, len(buf), b"", b"short", 32767, 1, False, 0, 1, 1, ROW_LIMIT)


EDGE_CELLS = [
    b'<c r="A2" t="inlineStr"><is><t></t></is></c>', b'<c r="A2" t="inlineStr"><is><t>12345</t></is></c>',
    b'<c r="A2" t="inlineStr"><is><t>123456</t></is></c>',
    b'<c r="A2" t="inlineStr"><is><t xml:space="preserve"> </t></is></c>',
    b'<c r="A2" t="inlineStr"><v>1</v></c>', b'<c r="A2" t="inlineStr"/>', b'<c r="A2" t="inlineStr"></c>',
    b'<c r="A2"><v> 1</v></c>', b'<c r="A2"><v>\xc2\xa01</v></c>', b'<c r="A2"><v>\xe4\xb8\xad</v></c>',
    b'<c r="A2"><v>\x7f</v></c>', b'<c r="A2"><v></v></c>', b'<c r="A2"><v/></c>', b'<c r="A2"><v /></c>',
    b'<c r="A2"><v>1</v><v>2</v></c>', b'<c r="A2"><f>1</f><v>1</v></c>', b'<c r="A2" s="1" t="s"><v>0</v></c>',
    b'<c r="A2" t="s" s="1"><v>0</v></c>', b'<c r="A2" s="0123456789"/>', b'<c r="A2" s=""/>', b'<c r="A2" t=""/>',
    b'<c r="A02"/>', b'<c r="A2" />', b'<c r="A2"  />', b'<c r="A2"/ >', b'<c r="B2"><v>1</v></c>', b'<c r="B2"/>',
    b'<c r="B2"><v/></c>', b'<c r="C2"/>', b'<c r="AAAA2"/>', b'<c r="a2"/>', b'<c r="A2" cm="1"/>',
]
EDGE_ROWS = [b'<row r="2"/>', b'<row r="2" />', b'<row r="2"  />', b'<row r="2" spans="1:2" spans="1:2"/>',
             b'<row r="2" s="1" ht="2" hidden="0" customHeight="1" x14ac:dyDescent="0.25"/>',
             b'<row r="2" ht="a ht=1"/>', b'<row r="2" ht="a>"/>', b"<row r='2'/>", b'<row r="12345678"/>',
             b'<row r=""/>', b'<row  r="2"/>', b'<row r="2" r="3"/>', b'<row r="2"></row>', b'<row r="2"> </row>',
             b'<row r="2">\n<c r="A2"/></row>', b'\n \t<row r="2"/>', b'<rows r="2"/>']


@needs_native
@pytest.mark.parametrize("cell", EDGE_CELLS)
def test_rows_on_edge_cells(cell):
    for prefix in (b"", b"x:"):
        unit = b'<row r="2">' + cell + b"</row>"
        if prefix:
            unit = re.sub(rb"<(/?)([a-z])", rb"<\1x:\2", unit)
        _check_row(unit, prefix, {b"A"}, {b"B"}, 5)


@needs_native
@pytest.mark.parametrize("unit", EDGE_ROWS)
def test_rows_on_edge_rows(unit):
    _check_row(unit, b"", {b"A"}, set(), 5)


@needs_native
def test_rows_take_the_common_shapes():
    """The shapes writers produce are taken by C (not left to the patterns)."""
    table = fastscan.letter_table({b"A", b"B"}, {b"C"})
    for unit in (b'<row r="2" spans="1:3" x14ac:dyDescent="0.25"><c r="A2" s="1" t="s"><v>7</v></c><c r="B2" '
                 b't="inlineStr"><is><t>\xe4\xb8\xad</t></is></c><c r="C2" s="2"/></row>',
                 b'<row r="2"><c r="A2"><v>1.5</v></c><c r="C2"><v/></c></row>', b'<row r="2"/>'):
        assert native.rows(unit, 0, len(unit), b"", table, 5, 1, False, 0, 1, 1, ROW_LIMIT)[0] == len(unit)


def test_letter_table_indexes_every_column_string():
    words = {b"A", b"Z", b"a", b"z", b"AA", b"zz", b"XFD", b"zzz", b"AAA"}
    table = fastscan.letter_table(words, {b"B"})
    marked = [i for i, v in enumerate(table) if v]
    assert len(marked) == len(words) + 1 and len(set(marked)) == len(marked)
    assert len(table) == 52 + 52 ** 2 + 52 ** 3


# ---- the byte checks -----------------------------------------------------------------------------

def _state(checks: fastscan.ByteChecks, base: int, n: int) -> tuple:
    return (checks.utf8, checks.utf8_broken, sorted(checks.bad), checks.checked,
            [checks.limit(base + k) for k in range(0, n + 1, max(1, n // 7))])


def _feed_both(pieces: list[bytes]) -> None:
    c, py = fastscan.ByteChecks(), fastscan.ByteChecks()
    py._native = None
    buf, base = b"", 0
    for k, piece in enumerate(pieces):
        buf += piece
        final = k == len(pieces) - 1
        c.feed(buf, base, final)
        py.feed(buf, base, final)
        assert _state(c, base, len(buf)) == _state(py, base, len(buf)), (pieces, k)
        keep = len(buf) // 2  # the scan moved on: drop what lies behind, as the hybrid feed does
        buf, base = buf[keep:], base + keep


BYTES = [b"a", b"<", b"&", b"&amp;", b"&lt;", b"&gt;", b"&quot;", b"&apos;", b"&am", b"&#32;", b"]", b"]]>", b"]]",
         b"\x00", b"\x1f", b"\t", b"\n", b"\r", b"\x7f", "中".encode(), "中".encode()[:2], b"\xef\xbf\xbe",
         b"\xef\xbf\xbf", b"\xef\xbf\xbd", b"\xe0\x80\x80", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xf0\x9f\x98\x80",
         b"\xc0\xaf", b"\x80", b"\xff", b"\xc2", b"\xc2\xa0", b"x" * 17]


@needs_native
@settings(deadline=None, max_examples=400)
@given(st.lists(st.lists(st.sampled_from(BYTES), max_size=12).map(b"".join), min_size=1, max_size=5))
def test_byte_checks_agree(pieces):
    _feed_both(pieces)


@needs_native
def test_byte_checks_agree_seeded_and_past_the_cap():
    rng = random.Random(7)
    for _ in range(300):
        pieces = [b"".join(rng.choice(BYTES) for _ in range(rng.randint(0, 40))) for _ in range(rng.randint(1, 6))]
        _feed_both(pieces)
    many = b"a&b\x01" * 700  # more than the cap of suspicious offsets: the Python path caps them
    assert native.suspects(many, 0, len(many)) is None
    _feed_both([many[:1500], many[1500:]])
    assert native.utf8(b"ok\xff", 0, False) is None
    assert native.utf8(b"ok\xe4\xb8", 0, False) == (2, [])
    assert native.utf8(b"ok\xe4\xb8", 0, True) is None
    assert native.utf8(b"\xef\xbf\xbe.\xef\xbf\xbf", 1, True) is None  # starts inside a character
    assert native.utf8(b"x\xef\xbf\xbe.\xef\xbf\xbf", 1, True) == (7, [0, 4])
