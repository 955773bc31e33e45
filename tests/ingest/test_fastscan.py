"""The scanners' fast path (sheetscan + fastscan) against the expat-only reference scanners.

Every test compares :class:`SheetScanner` (:class:`StringScanner`) with :class:`ReferenceSheetScanner`
(:class:`ReferenceStringScanner`), the scanners as they were before the fast path, kept verbatim, on
the same bytes fed in chunks of many sizes (down to one byte, so that every pattern is split across
chunk boundaries), and checks that the fast path was actually taken where it should be. Seeded-random
and Hypothesis differential tests cover the combinations of prefixes, inline strings, formulas,
missing references, comments, entities, whitespace, rich text and limits.
"""

from __future__ import annotations

import itertools
import random
import re
import time
import unicodedata
import zipfile
from xml.parsers import expat

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from supervision.ingest import fastscan, guards, sheetscan
from supervision.ingest.guards import Limits, check_file
from supervision.ingest.sheetscan import SheetScanner, Stop, StringScanner
from supervision.ingest.xmlsafe import UnsafeXMLError
from tests.ingest.helpers import parts, shared_xml, write_zip
from tests.ingest.sheetscan_reference import ReferenceSheetScanner, ReferenceStringScanner

#: every test here runs with the compiled fast path and with the Python path alone (conftest)
pytestmark = pytest.mark.usefixtures("scan_path")

NS = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
DECL = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
LIMITS = {"max_rows": 1_000_000, "max_columns": 100, "max_cell_chars": 32767}


def sheet(rows: bytes, dimension: bytes | None = b"A1:A1", prefix: bytes = b"", decl: bytes = DECL) -> bytes:
    """A worksheet part: ``rows`` inside ``sheetData``, elements with ``prefix`` (``b"x:"``)."""
    p = prefix
    xmlns = NS.replace(b"xmlns=", b"xmlns:" + p[:-1] + b"=") if p else NS
    dim = b"<" + p + b'dimension ref="' + dimension + b'"/>' if dimension is not None else b""
    return (decl + b"<" + p + b"worksheet " + xmlns + b">" + dim + b"<" + p + b"sheetData>" + rows + b"</" + p
            + b"sheetData><" + p + b'pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" '
            b'footer="0.3"/></' + p + b"worksheet>")


def outcome(cls, xml: bytes, chunk: int | None = None, splits: tuple[int, ...] = (), **limits):
    """Scan ``xml`` with ``cls`` fed in ``chunk``-byte pieces (or cut at ``splits``); return (result, scanner)."""
    scanner = cls("S", "xl/worksheets/sheet1.xml", **{**LIMITS, **limits})
    if splits:
        cuts = [0, *splits, len(xml)]
        pieces = [xml[a:b] for a, b in itertools.pairwise(cuts)]
    else:
        size = chunk or max(len(xml), 1)
        pieces = [xml[i:i + size] for i in range(0, len(xml), size)]
    try:
        for piece in pieces:
            scanner.feed(piece)
        scanner.feed(b"", True)
        end = "done"
    except Stop:
        end = "stop"
    except expat.ExpatError:
        end = "bad_xml"
    except UnsafeXMLError as exc:
        end = f"unsafe {exc.what}"
    f = scanner.facts
    if end == "bad_xml":  # where a malformed part stops is not part of the contract, only that it fails
        return (end,), scanner
    return (end, f.declared, f.min_row, f.min_col, f.max_row, f.max_col, f.data_rows, f.data_columns,
            f.actual, f.failures), scanner


def same(xml: bytes, chunks=(None, 1, 3, 64, 4096), **limits):
    """Assert the fast scanner agrees with the reference for every chunk size; return (result, fast bytes)."""
    expected, _ = outcome(ReferenceSheetScanner, xml, **limits)
    fast = []
    for chunk in chunks:
        got, scanner = outcome(SheetScanner, xml, chunk, **limits)
        assert got == expected, (chunk, xml[:300])
        fast.append(scanner.fast_bytes)
    return expected, min(fast)


def row(r: int | None, cells: bytes, prefix: bytes = b"", attrs: bytes = b"") -> bytes:
    ra = b' r="%d"' % r if r is not None else b""
    return b"<" + prefix + b"row" + ra + attrs + b">" + cells + b"</" + prefix + b"row>"


def plain_rows(first: int, last: int, prefix: bytes = b"") -> bytes:
    """Rows as XlsxWriter writes them: an inline string, a styled number, an empty styled cell, a formula."""
    p = prefix
    out = []
    for r in range(first, last + 1):
        out.append(row(r, b"<" + p + b'c r="A%d" t="inlineStr"><' % r + p + b"is><" + p + b"t>row %d</" % r + p
                       + b"t></" + p + b"is></" + p + b"c><" + p + b'c r="B%d" s="1"><' % r + p + b"v>%d</" % (r * 7)
                       + p + b"v></" + p + b"c><" + p + b'c r="C%d" s="2"/><' % r + p + b'c r="D%d"><' % r + p
                       + b"f>B%d*2</" % r + p + b"f><" + p + b"v>%d</" % (r * 14) + p + b"v></" + p + b"c>", p,
                       b' spans="1:4"'))
    return b"".join(out)


PLAIN = sheet(plain_rows(1, 60), b"A1:D60")


# ---- the fast path is taken, and agrees ------------------------------------------------------

def test_plain_sheet_goes_fast_at_any_chunk_size():
    result, fast = same(PLAIN, chunks=(None, 1, 2, 5, 13, 64, 1000))
    assert result[0] == "done" and result[4:8] == (60, 4, 59, 3) and result[-1] == []
    assert fast > 0.9 * len(PLAIN)


def test_split_at_every_offset():
    xml = sheet(plain_rows(1, 4) + row(5, b'<c r="A5" t="inlineStr"><is><t xml:space="preserve"> a&amp;b </t></is>'
                                          b'</c><c r="B5"><f t="shared" si="0"/><v>3</v></c>'), b"A1:D5")
    expected, _ = outcome(ReferenceSheetScanner, xml)
    used = 0
    for cut in range(1, len(xml)):
        got, scanner = outcome(SheetScanner, xml, splits=(cut,))
        assert got == expected, cut
        used += scanner.fast_bytes > 0
    for cuts in [(k, k + 1, k + 2) for k in range(1, len(xml) - 3, 7)]:
        assert outcome(SheetScanner, xml, splits=cuts)[0] == expected
    assert used > 0.9 * len(xml)


def test_final_chunk_may_carry_bytes():
    scanner = SheetScanner("S", "p", **LIMITS)
    scanner.feed(PLAIN[:1000])
    scanner.feed(PLAIN[1000:], True)
    assert scanner.facts.max_row == 60 and scanner.facts.data_rows == 59


@pytest.mark.parametrize("prefix", [b"x:", b"main:"])
def test_namespace_prefix(prefix):
    xml = sheet(plain_rows(1, 30, prefix), b"A1:D30", prefix)
    result, fast = same(xml)
    assert result[4:8] == (30, 4, 29, 3) and fast > 0.8 * len(xml)


def test_rows_with_another_prefix_than_the_first_still_count():
    rows = plain_rows(1, 5, b"x:") + plain_rows(6, 9, b"y:") + plain_rows(10, 12, b"x:")
    xml = sheet(rows, b"A1:D12", b"x:").replace(b"<x:worksheet ", b'<x:worksheet xmlns:y="urn:y" ')
    assert same(xml)[0][4:8] == (12, 4, 11, 3)


# ---- cells ----------------------------------------------------------------------------------

@pytest.mark.parametrize("cells", [
    b'<c r="A2" t="inlineStr"><is><t>x</t></is></c>',
    b'<c r="A2" t="inlineStr"><is><t xml:space="preserve">  </t></is></c>',  # whitespace is text: a value
    b'<c r="A2" t="inlineStr"><is><t></t></is></c>',  # empty: no value
    b'<c r="A2" t="inlineStr"><is><t/></is></c>',
    b'<c r="A2" t="inlineStr"><is><r><t>a</t></r><r><rPr><b/></rPr><t>b</t></r></is></c>',
    b'<c r="A2" t="inlineStr"><is><t>ab</t><rPh sb="0" eb="1"><t>x</t></rPh></is></c>',
    b'<c r="A2" t="s"><is><t>not inline: t="s"</t></is></c>',
    b'<c r="A2" t="inlineStr"><v>1</v></c>',
    b'<c r="A2" t="inlineStr"/>',
    b'<c r="A2" s="3" t="inlineStr"><is><t>&lt;&amp;&gt;&quot;&apos;</t></is></c>',
    b'<c r="A2" t="inlineStr"><is><t>&#65;</t></is></c>',
    b'<c r="A2" t="inlineStr"><is><t><![CDATA[<]]></t></is></c>',
    b'<c r="A2" t="inlineStr"><is><t>\xe4\xb8\xad\xe6\x96\x87</t></is></c>',
])
def test_inline_strings(cells):
    rows = plain_rows(1, 3) + row(4, cells.replace(b"A2", b"A4")) + plain_rows(5, 8)
    same(sheet(rows, b"A1:D8"))


@pytest.mark.parametrize("text", ["x" * 10, "x" * 11, "中" * 10, "中" * 11, "&amp;" * 10, "&amp;" * 11, " " * 11,
                                  "x" * 9 + "\r\n", "x" * 10 + "\r\n"])
def test_inline_string_length_limit(text):
    cell = b'<c r="A4" t="inlineStr"><is><t>' + text.encode() + b"</t></is></c>"
    rows = plain_rows(1, 3) + row(4, cell) + plain_rows(5, 8)
    result, _ = same(sheet(rows, b"A1:D8"), max_cell_chars=10)
    chars = len(expat_text(text))
    assert (result[0] == "stop") == (chars > 10)


def expat_text(escaped: str) -> str:
    """The character data expat reports for ``escaped`` (entities resolved, line ends normalised)."""
    out: list[str] = []
    parser = expat.ParserCreate()
    parser.CharacterDataHandler = out.append
    parser.Parse(b"<t>" + escaped.encode() + b"</t>", True)
    return "".join(out)


def test_huge_inline_string_stops_with_bounded_buffer():
    scanner = SheetScanner("S", "p", **LIMITS)
    head = sheet(plain_rows(1, 20) + b'<row r="21"><c r="A21" t="inlineStr"><is><t>', b"A1:D21")
    head = head.split(b"</sheetData>")[0]
    scanner.feed(head)
    biggest = 0
    with pytest.raises(Stop):
        for _ in range(200):  # up to 12.8 MB of one text node
            scanner.feed(b"y" * 65536)
            biggest = max(biggest, len(scanner._buf))
    assert scanner.facts.failures == [("F05", "cell_chars", {"part": "p", "limit": 32767})]
    assert biggest <= sheetscan.PENDING_MAX + 65536


def test_huge_value_text_is_not_buffered():
    scanner = SheetScanner("S", "p", **LIMITS)
    scanner.feed(sheet(plain_rows(1, 5) + b'<row r="6"><c r="A6"><v>', b"A1:D6").split(b"</sheetData>")[0])
    biggest = 0
    for _ in range(64):
        scanner.feed(b"7" * 65536)
        biggest = max(biggest, len(scanner._buf))
    scanner.feed(b"</v></c></row></sheetData></worksheet>")
    scanner.feed(b"", True)
    assert scanner.facts.data_rows == 5 and biggest <= sheetscan.PENDING_MAX + 65536


@pytest.mark.parametrize("cells", [
    b'<c r="A{r}" s="1"/>',
    b'<c r="A{r}" s="1"></c>',
    b'<c r="A{r}"><v/></c>',
    b'<c r="A{r}"><v></v></c>',
    b'<c r="A{r}"><v> \t\n</v></c>',
    b'<c r="A{r}"><v>\xe3\x80\x80</v></c>',  # U+3000 is blank for str.strip
    b'<c r="A{r}"><v>\xc2\xa0x</v></c>',
    b'<c r="A{r}"><v>\xc2\xa0</v></c>',
    b'<c r="A{r}"><v>&#32;</v></c>',
    b'<c r="A{r}"><v> 1 </v></c>',
    b'<c r="A{r}" t="e"><v>#N/A</v></c>',
    b'<c r="A{r}" t="b"><v>0</v></c>',
    b'<c r="A{r}" t="str"><v>\xe4\xb8\xad</v></c>',
    b'<c r="A{r}" s="1" t="s" cm="1"><v>0</v></c>',
    b'<c r="a{r}"><v>1</v></c>',  # lower-case letters are a reference too
    b'<c r="$A${r}"><v>1</v></c>',  # not a plain reference: F07 bad_ref
])
def test_values_and_blanks(cells):
    for first_data in (True, False):  # column A known with a value, or only seen blank, before
        lead = plain_rows(1, 3) if first_data else row(1, b'<c r="A1" s="1"/><c r="B1"><v>1</v></c>')
        rows = lead + b"".join(row(r, cells.replace(b"{r}", b"%d" % r)) for r in range(4, 9))
        same(sheet(rows, b"A1:D8"))


def test_cells_and_rows_without_r():
    rows = (plain_rows(1, 3) + b'<row><c><v>1</v></c><c t="inlineStr"><is><t>x</t></is></c><c/><c s="1"/></row>'
            + b'<row r="9"><c r="B9"><v>1</v></c><c><v>2</v></c></row><row><c r="Z2"><v>1</v></c></row>'
            + plain_rows(12, 15) + b"<row/>" + b"<row></row>" + plain_rows(18, 19))
    result, fast = same(sheet(rows, b"A1:Z19"))
    assert result[0] == "done" and fast > 0


@pytest.mark.parametrize(("cell", "f06"), [
    (b'<c r="D{r}"><f>A1+1</f></c>', True),
    (b'<c r="D{r}"><f>A1+1</f><v></v></c>', True),
    (b'<c r="D{r}"><f>A1+1</f><v> </v></c>', True),
    (b'<c r="D{r}" t="str"><f>A1&amp;""</f><v></v></c>', False),  # an empty string result is a cached value
    (b'<c r="D{r}" t="str"><f>A1</f></c>', True),
    (b'<c r="D{r}"><f t="shared" ref="D4:D9" si="0">B4*2</f><v>4</v></c>', False),
    (b'<c r="D{r}"><f t="shared" si="0"/><v>4</v></c>', False),
    (b'<c r="D{r}"><f t="shared" si="0"/></c>', True),
    (b'<c r="D{r}"><f>' + b"LONG(" * 30 + b")</f></c>", True),
    (b'<c r="D{r}"><f t="array" ref="D{r}" aca="false" ca="1">SUM(A1:A2)</f><v>1</v></c>', False),
])
def test_formulas(cell, f06):
    rows = plain_rows(1, 3) + b"".join(row(r, cell.replace(b"{r}", b"%d" % r)) for r in range(4, 7)) \
        + plain_rows(7, 9)
    result, _ = same(sheet(rows, b"A1:D9"))
    assert [f[2]["cell"] for f in result[-1] if f[0] == "F06"] == (["D4", "D5", "D6"] if f06 else [])


@pytest.mark.parametrize("dimension", [b"A1:D40", b"A1:A1", b"A1:D39", b"B1:D40", b"A2:D40", b"A1:E41", b"D40",
                                       b"A1:XFD1048576", b"A1:D1000002", b"bogus", b"", None])
def test_dimensions(dimension):
    same(sheet(plain_rows(1, 40), dimension), chunks=(None, 7))


@pytest.mark.parametrize("dimension", [None, b"A1:XFD1048576", b"A1:B2"])
def test_cell_at_xfd1048576_after_fast_rows(dimension):
    rows = plain_rows(1, 50) + b'<row r="1048576"><c r="XFD1048576"><v>9</v></c></row>'
    result, fast = same(sheet(rows, dimension))
    assert result[0] == "stop" and result[-1][-1][1] == "cell_beyond" and fast > 0


@pytest.mark.parametrize(("max_rows", "max_columns"), [(10, 100), (58, 100), (59, 100), (100, 3), (100, 4), (3, 2)])
def test_row_and_column_limits(max_rows, max_columns):
    same(PLAIN, chunks=(None, 1, 64), max_rows=max_rows, max_columns=max_columns)


def test_row_beyond_limit_without_cells_is_no_failure():
    rows = plain_rows(1, 5) + b'<row r="2000000"/>' + b'<row r="2000001"></row>'
    assert same(sheet(rows, b"A1:D5"))[0][0] == "done"


def test_row_zero_and_out_of_order_rows():
    rows = (b'<row r="0"><c r="A0"><v>1</v></c></row>' + plain_rows(3, 5) + plain_rows(1, 2) + plain_rows(5, 6)
            + b'<row r="4"><c r="B4"><v>1</v></c></row>' + b'<row r="0010"><c r="A0010"><v>1</v></c></row>')
    same(sheet(rows, b"A1:D6"))


def test_new_columns_and_first_values_mid_sheet():
    rows = [row(1, b'<c r="A1"><v>1</v></c><c r="B1" s="1"/>')]
    for r in range(2, 80):
        cells = b'<c r="A%d"><v>1</v></c>' % r
        if r > 20:
            cells += b'<c r="B%d"><v>%d</v></c>' % (r, r) if r > 40 else b'<c r="B%d" s="1"/>' % r
        if r in (30, 60):
            cells += b'<c r="AB%d"><v>1</v></c><c r="AC%d" s="2"/>' % (r, r)
        if r > 70:
            cells += b'<c r="AC%d"><v>1</v></c>' % r
        rows.append(row(r, cells))
    result, fast = same(sheet(b"".join(rows), b"A1:AC79"))
    assert result[7] == 4 and fast > 0.5 * len(b"".join(rows))


def test_pretty_printed_sheet():
    xml = sheet(plain_rows(1, 30), b"A1:D30").replace(b"><", b">\n  <").replace(b"<row", b"\r\n<row")
    result, fast = same(xml)
    assert result[4:8] == (30, 4, 29, 3) and fast > 0.8 * len(xml)


def test_whitespace_inside_tags():
    rows = plain_rows(1, 3) + b'<row r="4" ><c r="A4" ><v >1</v ></c ><c\tr="B4"\n/></row >' + plain_rows(5, 6)
    same(sheet(rows, b"A1:D6"))


@pytest.mark.parametrize("between", [
    b"<!-- a comment -->",
    b'<!-- <row r="99"><c r="A99"><v>1</v></c></row> -->',
    b"<?pi data?>",
    b'<?pi <row r="98"><c r="A98"><v>1</v></c></row> ?>',
    b"\n\t ",
])
def test_comments_and_instructions_between_rows(between):
    rows = plain_rows(1, 10) + between + plain_rows(11, 20) + between + b"\n" + plain_rows(21, 30)
    result, fast = same(sheet(rows, b"A1:D30"))
    assert result[4] == 30 and result[-1] == [] and fast > 0


@pytest.mark.parametrize("cells", [
    b'<c r="A{r}"><!-- note --><v>1</v></c>',
    b'<c r="A{r}"><v><![CDATA[1]]></v></c>',
    b'<c r="A{r}"><v><![CDATA[ ]]></v></c>',
    b'<c r="A{r}"><v>&#49;</v></c>',
    b'<c r="A{r}" t="inlineStr"><is><t>a&amp;b&#x4e2d;</t></is></c>',
    b"<c r='A{r}'><v>1</v></c>",
    b'<c r="A{r}" s="1" t="n" custom="x"><v>1</v></c>',
    b'<c t="n" r="A{r}" s="1"><v>1</v></c>',
    b'<c r="A{r}"><v>1</v><extLst/></c>',
    b'<c r="A{r}"><row r="77"><c r="C77"><v>1</v></c></row><v>1</v></c>',  # hostile nesting, well-formed
    b'<c r="A{r}"><v>1<row r="78"><c r="C78"><v>1</v></c></row></v></c>',
])
def test_unusual_but_well_formed_cells(cells):
    rows = plain_rows(1, 5) + b"".join(row(r, cells.replace(b"{r}", b"%d" % r)) for r in range(6, 9)) \
        + plain_rows(9, 12)
    same(sheet(rows, b"A1:D12"))


def test_rows_outside_sheet_data_count_too():
    xml = sheet(plain_rows(1, 10), b"A1:D10").replace(b"<pageMargins", b'<extLst><row r="50"><c r="A50"><v>1</v>'
                                                           b"</c></row></extLst><pageMargins")
    same(xml)


@pytest.mark.parametrize("decl", [
    b'<?xml version="1.0" encoding="ISO-8859-1"?>',
    b"<?xml version='1.0' encoding='us-ascii'?>",
    b'<?xml version="1.0"?>',
    b"",
    b"\xef\xbb\xbf" + DECL,
])
def test_declared_encodings(decl):
    rows = plain_rows(1, 10) + row(11, b'<c r="A11"><v>\xa0</v></c><c r="B11"><v>\xc2\xa0</v></c>') \
        + plain_rows(12, 20)
    if b"ascii" in decl:
        rows = rows.replace(b"\xa0", b"").replace(b"\xc2", b"")
    xml = sheet(rows, b"A1:D20", decl=decl)
    result, fast = same(xml)
    utf8 = b"ISO" not in decl and b"ascii" not in decl
    assert (fast > 0) == utf8
    assert result[0] == ("bad_xml" if utf8 else "done")  # a lone \xa0 is not UTF-8


def test_utf16_part():
    xml = sheet(plain_rows(1, 20), b"A1:D20", decl=b'<?xml version="1.0" encoding="UTF-16"?>').decode()
    result, fast = same(xml.encode("utf-16"))
    assert result[4:8] == (20, 4, 19, 3) and fast == 0


def test_doctype_is_still_refused():
    xml = sheet(plain_rows(1, 5), decl=DECL + b'<!DOCTYPE worksheet [<!ENTITY e "x">]>')
    assert same(xml)[0][0] == "unsafe DOCTYPE"


# ---- malformed bytes inside what would be a fast run are still bad XML -----------------------

@pytest.mark.parametrize("bad", [
    b'<row r="30"><c r="A30" s="1" s="2"><v>1</v></c></row>',
    b'<row r="30" r="31"><c r="A30"><v>1</v></c></row>',
    b'<row r="30"><c r="A30"><v>1</v></c></rows>',
    b'<row r="30"><c r="A30"><v>1</c></v></row>',
    b'<row r="30"><c r="A30"><v>1</v></c></row></row>',
    b'<row r="30"><c r="A30" t="inlineStr"><is><t>\xff</t></is></c></row>',
    b'<row r="30"><c r="A30" t="inlineStr"><is><t>\xe4\xb8</t></is></c></row>',
    b'<row r="30"><c r="A30"><v>\xed\xa0\x80</v></c></row>',
    b'<row r="30"><c r="A30"><v>\xef\xbf\xbe</v></c></row>',
    b'<row r="30"><c r="A30"><v>1\x01</v></c></row>',
    b'<row r="30"><c r="A30" t="inlineStr"><is><t>\x0c</t></is></c></row>',
    b'<row r="30"><c r="A30"><v>&bogus;</v></c></row>',
    b'<row r="30"><c r="A30"><v>a & b</v></c></row>',
    b'<row r="30"><c r="A30"><v>]]></v></c></row>',
    b'<row r="30" spans="1<2"><c r="A30"><v>1</v></c></row>',
    b'<row r="30" spans=1:2><c r="A30"><v>1</v></c></row>',
    b'<row r="30"spans="1:2"><c r="A30"><v>1</v></c></row>',
    b'<row r="30"><c r="A30"><v>1</v></c>',
])
def test_malformed_rows_between_fast_rows(bad):
    xml = sheet(plain_rows(1, 29) + bad + plain_rows(31, 60), b"A1:D60")
    assert same(xml, chunks=(None, 1, 64))[0] == ("bad_xml",)


def test_truncated_part():
    assert same(PLAIN[:-40])[0] == ("bad_xml",)
    assert same(PLAIN[: PLAIN.index(b'<row r="30"') + 20])[0] == ("bad_xml",)


def test_error_position_is_that_of_the_part():
    xml = sheet(plain_rows(1, 40) + b'<row r="41"><c r="A41"><v>1</v></c></rowx>', b"A1:D41")
    parser = expat.ParserCreate()
    with pytest.raises(expat.ExpatError):
        parser.Parse(xml, True)
    scanner = SheetScanner("S", "p", **LIMITS)
    with pytest.raises(expat.ExpatError, match=rf"mismatched tag: line 2, byte {parser.ErrorByteIndex}$"):
        scanner.feed(xml)
        scanner.feed(b"", True)
    assert scanner.fast_bytes > 0


# ---- pattern pieces ---------------------------------------------------------------------------

def test_non_space_matches_exactly_the_non_blank_first_characters():
    probe = re.compile(fastscan.NON_SPACE + fastscan.TEXT + b"*")
    for cp in range(0x20, 0x110000):
        ch = chr(cp)
        if unicodedata.category(ch) == "Cs" or ch == "<":
            continue
        data = ch.encode()
        assert (probe.fullmatch(data) is not None) == (not ch.isspace()), hex(cp)


@pytest.mark.parametrize("words", [{"A"}, {"A", "B", "C"}, {"A", "AB"}, {"AA", "AB", "B"}, {"a", "A", "XFD", "XF", "X"},
                                   {c1 + c2 for c1 in "ABC" for c2 in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"} | set("ABC")])
def test_letters_pattern(words):
    pattern = re.compile(fastscan.letters_pattern({w.encode() for w in words}))
    candidates = {w[:k] + x for w in words | {"ZZ", "Q"} for k in range(4) for x in ("", "A", "Z", "B")}
    for word in candidates:
        assert (pattern.fullmatch(word.encode()) is not None) == (word in words), word


@pytest.mark.parametrize(("head", "partial", "final"), [
    (b"", None, True), (b"<?x", None, True), (b"<?xml version='1.0'", None, False), (DECL, True, True),
    (b"<worksheet/>", True, True), (b'<?xml version="1.0" encoding="utf-8"?>', True, True),
    (b'<?xml version="1.0" encoding="GB18030"?>', False, False),
    (b"\xef\xbb\xbf<?xml version='1.0' encoding='UTF-8'?>", True, True), ("<?xml?>".encode("utf-16"), False, False),
    (b"<\x00?\x00", False, False),
])
def test_utf8_declared(head, partial, final):
    assert fastscan.utf8_declared(head, False) is partial
    assert fastscan.utf8_declared(head, True) is final


# ---- differential tests: generated sheets ---------------------------------------------------

TEXTS = ["1", "0", "-1.5e3", " ", "", "  x ", "\u3000", "\xa0", "中文", "a&amp;b", "&lt;", "&#32;", "&#x3000;",
         "\t\n", "x\r\ny", "#N/A", "TRUE", "ab" * 4, "末尾 ", "\u2028", "\x85"]
PLAIN_TEXTS = ["1", "0", "-1.5e3", "中文", "ab", "a&amp;b", "#N/A", "x y"]


def generate(pick, number) -> tuple[bytes, dict]:
    """A well-formed worksheet built from random choices: ``pick(seq)`` one item, ``number(lo, hi)`` an int.

    Half of the sheets are mostly plain (what writers produce: the fast path), the others mix in
    everything the fast path leaves to expat.
    """
    odd = pick([False, True])
    p = pick([b"", b"", b"", b"x:"])
    spaced = pick([False, False, False, True])
    gap = (lambda: pick([b"", b"\n", b"  "])) if spaced else (lambda: b"")
    letters = [b"A", b"B", b"C", b"D", b"F", b"AA", b"b", b"XFD"]
    rows = []
    r = 0
    for _ in range(number(0, 14 if odd else 30)):
        r += pick([1, 1, 1, 1, 2, 0, -1, 5]) if odd else pick([1, 1, 1, 2])
        r = max(r, 0)
        cells = []
        col = 0
        for _ in range(number(0, 6)):
            if odd:
                col = min(col + pick([1, 1, 1, 2]), 7) if pick([True, True, True, False]) else number(0, 7)
            else:
                col = min(col + pick([1, 1, 1, 2]), 4)
            cell_row = r if not odd or pick([True] * 9 + [False]) else r + pick([1, -1, 100])
            attrs = b""
            if not odd or pick([True] * 9 + [False]):
                attrs += b' r="' + letters[col] + str(max(cell_row, 0)).encode() + b'"'
            if pick([False, False, True]):
                attrs += b' s="' + str(number(0, 5)).encode() + b'"'
            if odd:
                content = pick(["none", "empty", "v", "v", "v", "fv", "f", "is", "is", "rich", "vblank"])
                kind = pick([None, None, "s", "n", "str", "inlineStr", "inlineStr", "b", "e"])
                text = pick(TEXTS).encode()
            else:
                content = pick(["none", "v", "v", "v", "fv", "is", "is", "vblank", "empty"])
                kind = "inlineStr" if content == "is" else pick([None, None, "s", "n"])
                text = pick(PLAIN_TEXTS).encode()
            if kind:
                attrs += b' t="' + kind.encode() + b'"'
            body = {
                "none": None,
                "empty": b"",
                "v": b"<" + p + b"v>" + text + b"</" + p + b"v>",
                "vblank": pick([b"<" + p + b"v/>", b"<" + p + b"v></" + p + b"v>"]),
                "fv": b"<" + p + b"f>SUM(A1)</" + p + b"f>" + gap() + b"<" + p + b"v>" + text + b"</" + p + b"v>",
                "f": b"<" + p + b'f t="shared" si="1"/>',
                "is": b"<" + p + b"is>" + gap() + b"<" + p + b"t>" + text + b"</" + p + b"t>" + gap() + b"</" + p
                      + b"is>",
                "rich": b"<" + p + b"is><" + p + b"r><" + p + b"t>" + text + b"</" + p + b"t></" + p + b"r><" + p
                        + b"r><" + p + b"t>z</" + p + b"t></" + p + b"r></" + p + b"is>",
            }[content]
            tag = b"<" + p + b"c" + attrs
            cells.append(tag + b"/>" if body is None else tag + b">" + gap() + body + gap() + b"</" + p + b"c>")
        ra = b' r="' + str(r).encode() + b'"' if not odd or pick([True] * 9 + [False]) else b""
        if pick([True] * 6 + [False]):
            ra += b' spans="1:6"'
        joined = gap().join(cells)
        rows.append(b"<" + p + b"row" + ra + b">" + joined + b"</" + p + b"row>" if cells or pick([True, False])
                    else b"<" + p + b"row" + ra + b"/>")
        if odd and pick([False] * 12 + [True]):
            rows.append(pick([b"<!-- c -->", b'<!-- <row r="3"><c r="A3"><v>1</v></c></row> -->', b"<?p x?>"]))
    dimension = pick([b"A1", b"A1:F20", b"B2:C3", None, b"A1:XFD1048576", b"zz", b"A1:AA1000"])
    big = [] if odd else [None] * 4  # plain sheets mostly within the limits
    limits = {"max_rows": pick([3, 6, 1_000_000, *big]) or 1_000_000, "max_columns": pick([3, 6, 100, *big]) or 100,
              "max_cell_chars": pick([1, 4, 32767, *big]) or 32767}
    return sheet((b"\n" if spaced else b"").join(rows), dimension, p), limits


def test_differential_seeded():
    rng = random.Random(20240611)
    fast_docs = 0
    for i in range(400):
        xml, limits = generate(rng.choice, rng.randint)
        expected, _ = outcome(ReferenceSheetScanner, xml, **limits)
        assert expected[0] != "bad_xml", xml
        fast = 0
        for chunk in (None, rng.randint(1, 40)):
            got, scanner = outcome(SheetScanner, xml, chunk, **limits)
            assert got == expected, (i, chunk, limits, xml)
            fast += scanner.fast_bytes
        fast_docs += fast > 0
    assert fast_docs > 120


@settings(deadline=None, max_examples=60)
@given(st.data(), st.integers(1, 64))
def test_differential_hypothesis(data, chunk):
    xml, limits = generate(lambda seq: data.draw(st.sampled_from(seq)),
                           lambda lo, hi: data.draw(st.integers(lo, hi)))
    expected, _ = outcome(ReferenceSheetScanner, xml, **limits)
    assert outcome(SheetScanner, xml, chunk, **limits)[0] == expected


# ---- through the guards ------------------------------------------------------------------------

def _guard(path, monkeypatch, scanner_cls, limits=None):
    with monkeypatch.context() as m:
        m.setattr(guards, "SheetScanner", scanner_cls)
        result = check_file(path, limits)
    return ([(i.rule, i.sheet, i.row, i.column, i.message_en) for i in result.issues],
            [(f.sheet, f.declared, f.actual, f.data_rows, f.data_columns) for f in result.sheets])


@pytest.mark.parametrize("limits", [None, Limits(max_rows=100), Limits(max_columns=3)])
def test_guards_agree_on_an_xlsxwriter_workbook(tmp_path, monkeypatch, limits):
    import xlsxwriter

    path = tmp_path / "w.xlsx"
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet("明细")
    date = wb.add_format({"num_format": "yyyy-mm-dd"})
    for r in range(300):
        ws.write_string(r, 0, f"编号{r}")
        ws.write_number(r, 1, r * 1.5)
        if r % 3:
            ws.write_number(r, 2, 45000 + r, date)
        ws.write_blank(r, 3, None, date)
        ws.write_formula(r, 4, f"=B{r + 1}*2", None, r * 3.0)
        if r == 150:
            ws.write_string(r, 6, "late column")
    wb.close()
    new = _guard(path, monkeypatch, SheetScanner, limits)
    assert new == _guard(path, monkeypatch, ReferenceSheetScanner, limits)
    assert new[1][0][3] == 299 if limits is None else new[0]


def test_guards_agree_on_an_openpyxl_workbook_with_formulas(tmp_path, monkeypatch):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "S"
    for r in range(1, 200):
        ws.append([f"x{r}", r, None, r * 2.5])
    ws["F150"] = "=A1&B1"
    ws["G3"] = "=SUM(B1:B2)"
    wb.save(tmp_path / "o.xlsx")
    new = _guard(tmp_path / "o.xlsx", monkeypatch, SheetScanner)
    assert new == _guard(tmp_path / "o.xlsx", monkeypatch, ReferenceSheetScanner)
    assert [i[0] for i in new[0]] == ["F06", "F06"]


def test_guards_report_bad_xml_inside_a_fast_run(tmp_path):
    xml = sheet(plain_rows(1, 2000) + b'<row r="2001"><c r="A2001" s="1" s="1"/></row>', b"A1:D2001")
    path = write_zip(tmp_path / "dup.xlsx", parts(xl__worksheets__sheet1_xml=xml))
    result = check_file(path)
    assert [i.rule for i in result.issues] == ["F01"]
    assert "duplicate attribute" in result.issues[0].message_en


def test_guards_scan_a_deflated_plain_sheet_fast(tmp_path, monkeypatch):
    xml = sheet(plain_rows(1, 3000), b"A1:D3000")
    path = write_zip(tmp_path / "big.xlsx", parts(xl__worksheets__sheet1_xml=xml))
    seen = []

    class Spy(SheetScanner):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            seen.append(self)

    monkeypatch.setattr(guards, "SheetScanner", Spy)
    assert check_file(path).ok
    with zipfile.ZipFile(path) as zf:
        size = zf.getinfo("xl/worksheets/sheet1.xml").file_size
    assert seen[0].fast_bytes > 0.95 * size


# ---- shared strings ------------------------------------------------------------------------------

def sst(items: list[bytes], prefix: bytes = b"", decl: bytes = DECL) -> bytes:
    """A sharedStrings part holding the ``<si>`` elements ``items`` (written with ``prefix``)."""
    p = prefix
    xmlns = NS.replace(b"xmlns=", b"xmlns:" + p[:-1] + b"=") if p else NS
    return decl + b"<" + p + b"sst " + xmlns + b' count="%d">' % len(items) + b"".join(items) + b"</" + p + b"sst>"


def si(*runs: bytes, p: bytes = b"", tail: bytes = b"") -> bytes:
    """One ``<si>``: a plain string for one bytes argument, rich-text runs for several."""
    if len(runs) == 1:
        return b"<" + p + b"si><" + p + b"t>" + runs[0] + b"</" + p + b"t>" + tail + b"</" + p + b"si>"
    body = b"".join(b"<" + p + b"r><" + p + b"rPr><" + p + b'sz val="11"/><' + p + b'color theme="1" tint="0.5"/><' + p
                    + b'rFont val="\xe5\xae\x8b\xe4\xbd\x93"/></' + p + b"rPr><" + p + b"t>" + r + b"</" + p + b"t></"
                    + p + b"r>" for r in runs)
    return b"<" + p + b"si>" + body + tail + b"</" + p + b"si>"


PHONETIC = b'<rPh sb="0" eb="1"><t>\xe3\x81\x8b</t></rPh><phoneticPr fontId="1" type="noConversion"/>'


def string_outcome(cls, xml: bytes, chunk: int | None = None, limit: int = 32767):
    scanner = cls("xl/sharedStrings.xml", limit)
    size = chunk or max(len(xml), 1)
    try:
        for i in range(0, len(xml), size):
            scanner.feed(xml[i:i + size])
        scanner.feed(b"", True)
        end = "done"
    except Stop:
        end = "stop"
    except expat.ExpatError:
        end = "bad_xml"
    except UnsafeXMLError as exc:
        end = f"unsafe {exc.what}"
    return (end, scanner.failures if end != "bad_xml" else None), scanner


def same_strings(xml: bytes, chunks=(None, 1, 3, 64, 4096), limit: int = 32767):
    expected, _ = string_outcome(ReferenceStringScanner, xml, limit=limit)
    fast = []
    for chunk in chunks:
        got, scanner = string_outcome(StringScanner, xml, chunk, limit)
        assert got == expected, (chunk, xml[:300])
        fast.append(scanner.fast_bytes)
    return expected, min(fast)


def excel_strings(n: int, p: bytes = b"") -> list[bytes]:
    out = []
    for i in range(n):
        kind = i % 5
        if kind == 0:
            out.append(si(b"TS%08d" % i, p=p))
        elif kind == 1:
            out.append(si(f"客户反映第{i}笔交易扣款异常，要求退款 &amp; 说明".encode(), p=p, tail=b"<" + p
                          + b'phoneticPr fontId="1" type="noConversion"/>'))
        elif kind == 2:
            out.append(si(b"bold ", b"and %d" % i, p=p))
        elif kind == 3:
            out.append(b"<" + p + b'si><' + p + b't xml:space="preserve"> spaced </' + p + b"t></" + p + b"si>")
        else:
            phonetic = PHONETIC.replace(b"<", b"<" + p).replace(b"<" + p + b"/", b"</" + p)
            out.append(si(f"漢字{i}".encode(), p=p, tail=phonetic))
    return out


@pytest.mark.parametrize("prefix", [b"", b"x:"])
def test_strings_go_fast_and_agree(prefix):
    xml = sst(excel_strings(200, prefix), prefix)
    result, fast = same_strings(xml)
    assert result == ("done", []) and fast > 0.9 * len(xml)


@pytest.mark.parametrize(("item", "too_long"), [
    (si(b"x" * 10), False), (si(b"x" * 11), True), (si("中".encode() * 10), False), (si("中".encode() * 11), True),
    (si(b"&amp;" * 10), False), (si(b"&amp;" * 11), True), (si(b"x" * 9 + b"\r\n"), False),
    (si(b"xxxxx", b"yyyyy"), False), (si(b"xxxxx", b"yyyyyy"), True), (si(b"x" * 9, tail=PHONETIC), False),
    (si(b"x" * 10, tail=PHONETIC), True), (si(b"<![CDATA[0123456789]]>"), False),
    (si(b"<![CDATA[0123456789a]]>"), True), (si(b"&#65;" * 10), False),
    (b'<si><t xml:space="preserve">' + b" " * 11 + b"</t></si>", True), (b"<si><t/></si>", False),
    (b"<si><r><t>" + b"x" * 6 + b"</t></r><t>" + b"y" * 5 + b"</t></si>", True),
])
def test_string_length_limit(item, too_long):
    short = [si(b"s%d" % i) if i % 3 else si(b"a", b"b%d" % i, tail=PHONETIC) for i in range(20)]
    items = [*short, item, *short]
    result, _ = same_strings(sst(items), limit=10)
    assert (result[0] == "stop") == too_long


def test_long_strings_near_the_default_limit():
    for n in (32766, 32767, 32768):
        for unit in (b"x", "中".encode(), b"&lt;"):
            result, _ = same_strings(sst([si(b"a"), si(unit * n), si(b"b")]), chunks=(None, 4096))
            assert (result[0] == "stop") == (n > 32767)


@pytest.mark.parametrize("between", [b"<!-- c -->", b"<!-- <si><t>x</t></si> -->", b"<?pi x?>", b"\n  "])
def test_strings_comments_between(between):
    items = excel_strings(30)
    same_strings(sst([*items[:10], between, *items[10:20], between, *items[20:]]))


def test_strings_odd_but_well_formed():
    items = [si(b"a"), b"<si><t>x</t><t>yy</t></si>", b"<si><r><t>a</t></r><r><rPr><b/><i/></rPr><t>b</t></r></si>",
             b'<si><t>a</t><rPh sb="0" eb="1"><t>bbbbbbbbbbbbbbbbbbbb</t></rPh></si>',
             b"<si><r><rPr><u val='double'/></rPr><t>x</t></r></si>", b"<si><t>x</t><extLst/></si>",
             b'<si><r><rPr><sz val="1" custom="2"/></rPr><t>x</t></r></si>']
    for limit in (5, 10, 32767):
        items2 = excel_strings(10) + items + excel_strings(10) + [b"<t>outside any si: counted on</t>"] + items
        same_strings(sst(items2), limit=limit)


@pytest.mark.parametrize("bad", [
    b'<si><r><rPr><sz val="1" val="2"/></rPr><t>x</t></r></si>',
    b'<si><t>x</t><phoneticPr fontId="1" fontId="2"/></si>',
    b"<si><t>\xff</t></si>",
    b"<si><t>a\x02</t></si>",
    b"<si><t>&nbsp;</t></si>",
    b"<si><t>]]></t></si>",
    b"<si><t>x</si></t>",
    b"<si><t>x</t>",
])
def test_strings_malformed_between_fast_ones(bad):
    xml = sst([*excel_strings(30), bad, *excel_strings(30)])
    assert same_strings(xml)[0] == ("bad_xml", None)


def _strings(pick, number) -> tuple[bytes, int]:
    p = pick([b"", b"", b"x:"])
    gap = (lambda: pick([b"", b"\n", b" "])) if pick([False, False, True]) else (lambda: b"")
    texts = [b"", b"a", b"abcd", b"abcde", b"abcdef", "中文字".encode(), b"a&amp;b", b"&#x4e2d;", b" \r\n ", b"x" * 12]
    items = []
    for _ in range(number(0, 25)):
        kind = pick(["plain", "plain", "plain", "rich", "phonetic", "empty", "odd"])
        t = b"<" + p + b"t>" + pick(texts) + b"</" + p + b"t>"
        if kind == "plain":
            body = t
        elif kind == "rich":
            body = gap().join(b"<" + p + b"r>" + gap() + pick([b"", b"<" + p + b"rPr><" + p + b"b/>" + gap() + b"<" + p
                                                                + b'sz val="9"/></' + p + b"rPr>"]) + gap() + t + gap()
                              + b"</" + p + b"r>" for _ in range(number(1, 3)))
        elif kind == "phonetic":
            body = t + gap() + b"<" + p + b'rPh sb="0" eb="1">' + t + b"</" + p + b"rPh>" + gap() + b"<" + p \
                + b'phoneticPr fontId="1"/>'
        elif kind == "empty":
            body = b"<" + p + b"t/>"
        else:
            body = pick([t + t, b"<!-- c -->" + t, b"<" + p + b"t><![CDATA[ab]]></" + p + b"t>"])
        items.append(b"<" + p + b"si>" + gap() + body + gap() + b"</" + p + b"si>")
        if pick([False] * 15 + [True]):
            items.append(pick([b"<!-- x -->", b"<" + p + b"t>abc</" + p + b"t>"]))
    return sst(items, p), pick([3, 5, 10, 32767])


def test_strings_differential_seeded():
    rng = random.Random(97)
    fast_docs = 0
    for i in range(400):
        xml, limit = _strings(rng.choice, rng.randint)
        expected, _ = string_outcome(ReferenceStringScanner, xml, limit=limit)
        assert expected[0] != "bad_xml", xml
        for chunk in (None, rng.randint(1, 30)):
            got, scanner = string_outcome(StringScanner, xml, chunk, limit)
            assert got == expected, (i, chunk, limit, xml)
            fast_docs += scanner.fast_bytes > 0
    assert fast_docs > 200


@settings(deadline=None, max_examples=60)
@given(st.data(), st.integers(1, 64))
def test_strings_differential_hypothesis(data, chunk):
    xml, limit = _strings(lambda seq: data.draw(st.sampled_from(seq)), lambda lo, hi: data.draw(st.integers(lo, hi)))
    expected, _ = string_outcome(ReferenceStringScanner, xml, limit=limit)
    assert string_outcome(StringScanner, xml, chunk, limit)[0] == expected


def test_guards_agree_on_a_shared_strings_workbook(tmp_path, monkeypatch):
    import xlsxwriter

    path = tmp_path / "s.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("S")
    bold = wb.add_format({"bold": True})
    for r in range(400):
        ws.write_string(r, 0, f"编号{r % 50}")
        ws.write_rich_string(r, 1, "a", bold, f"b{r}", "c")
        ws.write_number(r, 2, r)
    ws.write_string(399, 3, "x" * 40_000)  # XlsxWriter cuts strings at 32767 characters
    wb.close()
    for limits in (None, Limits(max_cell_chars=20)):
        with monkeypatch.context() as m:
            m.setattr(guards, "StringScanner", ReferenceStringScanner)
            expected = _guard(path, m, ReferenceSheetScanner, limits)
        assert _guard(path, monkeypatch, SheetScanner, limits) == expected
    assert check_file(write_zip(tmp_path / "long.xlsx", parts(xl__sharedStrings_xml=shared_xml("y" * 32768)))).rules() \
        == {"F05"}


def test_many_character_references_keep_the_checks_small():
    rows = b"".join(row(r, b'<c r="A%d"><v>&#49;&#50;</v></c><c r="B%d" t="inlineStr"><is><t>&#x4e2d;</t></is></c>'
                        % (r, r)) for r in range(1, 3001))
    xml = sheet(rows, b"A1:B3000")
    expected, _ = outcome(ReferenceSheetScanner, xml)
    scanner = SheetScanner("S", "p", **LIMITS)
    biggest = 0
    for i in range(0, len(xml), 65536):
        scanner.feed(xml[i:i + 65536])
        biggest = max(biggest, len(scanner._checks.bad))
    scanner.feed(b"", True)
    f = scanner.facts
    assert (f.max_row, f.data_rows, f.data_columns) == expected[4:5] + expected[6:8]
    assert biggest <= 2 * fastscan._MAX_BAD + 2


def test_long_stretches_of_unusual_rows_and_back():
    stretches = [
        plain_rows(1, 100),
        b"".join(b'<row><c t="n"><v>%d</v></c><c s="1"/></row>' % r for r in range(200)),  # no references
        plain_rows(301, 400),
        b"".join(row(r, b'<c r="A%d"><v>&#49;</v></c>' % r) for r in range(401, 700)),  # character references
        plain_rows(700, 800),
    ]
    xml = sheet(b"".join(stretches), b"A1:D800")
    result, fast = same(xml, chunks=(None, 7, 512, 65536))
    assert result[4] == 800 and fast > 0.2 * len(xml)


@pytest.mark.parametrize("hostile", [
    row(6, b'<c r="A6">' + b" " * 900_000 + b"<x/></c>"),  # whitespace runs never backtrack
    row(6, b'<c r="A6"><v>' + b"7" * 3_000_000 + b"</v></c>"),
    b"<!--" + b"-x" * 1_500_000 + b"-->",
    row(6, b'<c r="A6"><v>1</v></c>', attrs=b' spans="' + b"1" * 3_000_000 + b'"'),
    b"".join(b'<row r="%d"/>' % r for r in range(6, 200_000)),
])
def test_hostile_rows_stay_linear(hostile):
    xml = sheet(plain_rows(1, 5) + hostile + plain_rows(200_001, 200_005), b"A1:D200005")
    t0 = time.perf_counter()
    got, _ = outcome(SheetScanner, xml, 65536)
    assert time.perf_counter() - t0 < 5
    assert got == outcome(ReferenceSheetScanner, xml, 65536)[0]
