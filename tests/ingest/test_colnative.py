"""The compiled column reader (``_csheet.c``, :mod:`supervision.ingest.colnative`): the row reader's
values, or a reason to decline.

Two levels:

* whole validations (issues, stored rows, counts, figures) against the independent row-path
  reference of ``rowpath_reference.py``, on the workbooks of ``test_columnar.py`` (three writers,
  both sectors, the cells fastexcel could not decide, chunks of a few rows);
* the raw frames against :func:`colread.exact_windows` (the row reader, cell by cell) on sheets
  written as XML by hand: every kind of cell, markup and character the parser takes, a seeded random
  sheet, and the forms it declines (the validation then reads by fastexcel or row by row and still
  equals the reference).
"""

from __future__ import annotations

import array
import datetime as dt
import logging
import random
import threading
import zipfile
from decimal import Decimal

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from supervision.ingest import colnative, colread
from supervision.ingest.colwindows import NeedsExact
from supervision.ingest.reader import open_workbook
from supervision.ingest.templates import template_for
from tests.ingest.helpers import detail_row
from tests.ingest.test_columnar import Cell, D, assert_same, long_numbers, reference, run, tricky_rows, write

pytestmark = pytest.mark.skipif(not colnative.available(),
                                reason="the compiled reader is not built here (see test_compiled_reader_is_built)")

FIELDS = template_for("CMP").sheet("detail").fields


def fallbacks(caplog) -> list[str]:
    """The validation's log lines saying the compiled reader declined."""
    return [r.getMessage() for r in caplog.records
            if "by fastexcel" in r.getMessage() or "row by row" in r.getMessage()]


# --------------------------------------------------------------------------- whole validations


@pytest.mark.parametrize("writer", ["openpyxl", "xlsxwriter", "xlsxwriter-inline"])
@pytest.mark.parametrize("sector", ["CF", "PAY"])
def test_compiled_reader_equals_row_path(tmp_path, writer, sector, caplog):
    path = tmp_path / f"{writer}.xlsx"
    write(path, tricky_rows(), writer)
    with caplog.at_level(logging.INFO, logger="supervision.ingest.validate"):
        _result, ref = assert_same(path, sector)
    assert not fallbacks(caplog)  # the compiled reader decided every cell
    assert len(ref["issues"]) > 20 and ref["count"] > 60


@pytest.mark.parametrize("cell", [
    ("product_code", Cell("bool", True)), ("amount", Cell("bool", True)), ("redress", "true"),
    ("summary", Cell("datetime", dt.datetime(2024, 1, 5, 9, 0))), ("product_code", Cell("number", 0.00001)),
    ("escalated", Cell("date", dt.date(2024, 1, 5))), ("received_date", Cell("date", dt.date(1900, 1, 1))),
    ("amount", Cell("number", 12345678901234567890.0)), ("redress", Cell("number", 0.1 + 0.2))])
def test_cells_fastexcel_could_not_decide_are_decided(tmp_path, caplog, cell):
    """Booleans, dates and numbers in any column: the compiled reader has the cell's real type."""
    rows = [*tricky_rows(), detail_row(complaint_id="odd", **dict([cell]))]
    path = tmp_path / "odd.xlsx"
    write(path, rows, "xlsxwriter")
    with caplog.at_level(logging.INFO, logger="supervision.ingest.validate"):
        assert_same(path)
    assert not fallbacks(caplog)


def test_number_cells_keep_every_digit(tmp_path):
    """0.30000000000000004 (0.1 + 0.2 as Excel stores it) is taken with all its digits, as the row
    reader takes it (fastexcel rounds to nine decimals: test_columnar.py)."""
    path = long_numbers(tmp_path)
    _result, _detail, rows = run(path)
    ref = reference(path)["rows"]
    assert rows[0]["amount"] == ref[0]["amount"] == Decimal("0.30000000000000004")
    assert rows[0]["redress"] == ref[0]["redress"] == Decimal(repr(1 / 3))


@pytest.mark.parametrize("chunk", [200, 2500])
@pytest.mark.parametrize("writer", ["openpyxl", "xlsxwriter-inline"])
def test_many_small_chunks(tmp_path, monkeypatch, writer, chunk):
    """Chunks of a few rows (or smaller than one row): every cut point between rows is exercised."""
    path = tmp_path / "chunks.xlsx"
    rows = tricky_rows() * 3
    for i, r in enumerate(rows):
        r["complaint_id"] = f"W{i}" if not isinstance(r["complaint_id"], Cell) else r["complaint_id"]
    write(path, rows, writer)
    original, seen = colnative.native_windows, []

    def counting(*args, **kwargs):
        for w in original(*args, chunk_bytes=chunk):
            seen.append(w.height)
            yield w
    monkeypatch.setattr(colnative, "native_windows", counting)
    assert_same(path)
    assert len(seen) > 10 and sum(seen) == reference(path)["count"]


def test_a_reader_closed_early_stops_its_threads(tmp_path):
    path = tmp_path / "early.xlsx"
    rows = tricky_rows() * 3
    write(path, rows, "xlsxwriter-inline")
    before = set(threading.enumerate())
    with open_workbook(path) as book:
        windows = colnative.native_windows(book, D, list(enumerate(FIELDS)), chunk_bytes=2000)
        assert next(windows).height > 0
        windows.close()
    assert not [t for t in threading.enumerate() if t not in before and t.is_alive()]


# --------------------------------------------------------------------------- raw frames

_CT = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
       'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
       'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/'
       'workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
       '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
       'officedocument.spreadsheetml.worksheet+xml"/></Types>')
_RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
         '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
         '2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
_WB = ('<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
       '2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">{pr}<sheets>'
       '<sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>')
_WB_RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
            'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship '
            'Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" '
            'Target="styles.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>')
# styles: 0 general, 1 date (14), 2 datetime (custom), 3 time (20), 4 duration ([h]:mm), 5 text (49)
_STYLES = ('<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="http://schemas.openxmlformats.org/'
           'spreadsheetml/2006/main"><numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy-mm-dd hh:mm"/>'
           '<numFmt numFmtId="165" formatCode="[h]:mm"/></numFmts><cellXfs count="6"><xf numFmtId="0"/>'
           '<xf numFmtId="14"/><xf numFmtId="164"/><xf numFmtId="20"/><xf numFmtId="165"/><xf numFmtId="49"/>'
           '</cellXfs></styleSheet>')
SHARED = ["共享", "", "  ", "a&b", "第二\n行", "富文本", "\u3000"]
_SST = ('<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
        '2006/main"><si><t>共享</t></si><si><t/></si><si><t xml:space="preserve">  </t></si><si><t>a&amp;b</t>'
        '</si><si><t>第二&#10;行</t></si><si><r><rPr><b/></rPr><t>富</t></r><r><t>文本</t></r><rPh sb="0" eb="1">'
        '<t>フ</t></rPh></si><si><t>\u3000</t></si></sst>')
WIDTH = 6


def book_with(path, rows_xml: str, date1904: bool = False, head: str = "") -> None:
    """A workbook of one sheet ``S`` (extent A1:F…) whose sheetData holds ``rows_xml``."""
    sheet = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="http://schemas.'
             'openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1:F9999"/>' + head
             + f"<sheetData>{rows_xml}</sheetData><pageMargins left=\"0.7\"/></worksheet>")
    pr = '<workbookPr date1904="1"/>' if date1904 else ""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in (("[Content_Types].xml", _CT), ("_rels/.rels", _RELS), ("xl/workbook.xml", _WB.format(pr=pr)),
                           ("xl/_rels/workbook.xml.rels", _WB_RELS), ("xl/styles.xml", _STYLES),
                           ("xl/sharedStrings.xml", _SST), ("xl/worksheets/sheet1.xml", sheet)):
            z.writestr(name, text.encode() if isinstance(text, str) else text)


def frames(path, chunk_bytes: int = colnative.CHUNK_BYTES) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(compiled, exact) frames of sheet S, every window concatenated."""
    columns = list(enumerate(FIELDS[:WIDTH]))
    with open_workbook(path, engine="stream") as book:
        exact = [w.frame for w in colread.exact_windows(book, "S", columns, rows_per_window=7)]
        assert not any(w.others for w in colread.exact_windows(book, "S", columns))
        native = [w.frame for w in colnative.native_windows(book, "S", columns, chunk_bytes=chunk_bytes)]
    empty = colread._exact_frame([], columns).frame
    return (pl.concat(native) if native else empty), (pl.concat(exact) if exact else empty)


def assert_frames_equal(path, chunk_bytes: int = colnative.CHUNK_BYTES) -> pl.DataFrame:
    """The compiled frames equal the row reader's (a number's text aside, checked for what it claims)."""
    got, want = frames(path, chunk_bytes)
    assert got.columns == want.columns and got.height == want.height
    assert got["_row"].to_list() == want["_row"].to_list()
    for f in FIELDS[:WIDTH]:
        k = f"{f.code}.k"
        assert got[k].to_list() == want[k].to_list(), f.code
        for suffix in (".n", ".d"):
            assert got[f.code + suffix].to_list() == want[f.code + suffix].to_list(), f.code + suffix
        texts = zip(got[k].to_list(), got[f"{f.code}.s"].to_list(), want[f"{f.code}.s"].to_list(),
                    got[f"{f.code}.n"].to_list(), strict=True)
        for kind, mine, theirs, number in texts:
            if kind == colread.NUMBER:  # the Decimal the conversions give the number, when given
                assert mine is None or mine == str(Decimal(str(int(number)) if number.is_integer()
                                                           else repr(number))), (mine, number)
            else:
                assert mine == theirs, f.code
    return got


def c(ref: str, body: str = "", t: str | None = None, s: int | None = None) -> str:
    attrs = f' r="{ref}"' if ref else ""
    attrs += f' t="{t}"' if t else ""
    attrs += f' s="{s}"' if s is not None else ""
    return f"<c{attrs}>{body}</c>" if body else f"<c{attrs}/>"


def row(n: int | None, *cells: str, extra: str = "") -> str:
    r = f' r="{n}"' if n is not None else ""
    return f"<row{r}{extra}>{''.join(cells)}</row>"


def inline(text: str) -> str:
    return f"<is><t>{text}</t></is>"


HEADER = row(1, *(c(f"{chr(65 + i)}1", inline(f"H{i}"), "inlineStr") for i in range(WIDTH)))
CASES = {
    "numbers": [row(2, c("A2", "<v>1</v>"), c("B2", "<v>16350.91</v>"), c("C2", "<v>-0</v>"), c("D2", "<v>1E3</v>"),
                    c("E2", "<v>0.30000000000000004</v>"), c("F2", "<v>00123.4500</v>")),
                row(3, c("A3", "<v>1e400</v>"), c("B3", "<v>.5</v>"), c("C3", "<v>5.</v>"), c("D3", "<v>0.0001</v>"),
                    c("E3", "<v>0.00001</v>"), c("F3", "<v>123456789012345678</v>")),
                row(4, c("A4", "<v>-1.5e-3</v>"), c("B4", "<v>1e-400</v>"), c("C4", "<v>+7</v>"))],
    "text": [row(2, c("A2", inline("a &amp; b &lt;c&gt; &quot;q&quot; &apos;s&apos;"), "inlineStr"),
                 c("B2", inline("&#20013;&#x6587;&#13;x"), "inlineStr"), c("C2", inline("a\r\nb\rc\td"), "inlineStr"),
                 c("D2", "<v>公式结果</v>", "str"), c("E2", inline("😀 表情"), "inlineStr"),
                 c("F2", '<is><r><rPr><b/><sz val="11"/></rPr><t>富</t></r><r><t xml:space="preserve"> 文 </t></r>'
                         '<rPh sb="0" eb="1"><t>フ</t></rPh><phoneticPr fontId="1"/></is>', "inlineStr")),
             row(3, c("A3", inline(" "), "inlineStr"), c("B3", "<is><t></t></is>", "inlineStr"),
                 c("C3", "<is/>", "inlineStr"), c("D3", "<v></v>", "str"), c("E3", inline("\u3000"), "inlineStr")),
             row(4, c("A4", inline("x"), "inlineStr"))],
    "shared": [row(2, *(c(f"{chr(65 + i)}2", f"<v>{i}</v>", "s") for i in range(WIDTH))),
               row(3, c("A3", "<v>6</v>", "s"), c("B3", "<v>99</v>", "s"), c("C3", "<v> 3 </v>", "s"))],
    "types": [row(2, c("A2", "<v>1</v>", "b"), c("B2", "<v>0</v>", "b"), c("C2", "<v>true</v>", "b"),
                  c("D2", "<v>yes</v>", "b"), c("E2", "<v>#N/A</v>", "e"), c("F2", "<f>1/0</f><v>#DIV/0!</v>", "e")),
              row(3, c("A3", "<f>SUM(1,2)</f><v>3</v>"), c("B3", '<f t="shared" si="0"/><v>4</v>'),
                  c("C3", "<v>2</v>", "n"), c("D3", "<v> 1 </v>", "b"))],
    "dates": [row(2, c("A2", "<v>45300</v>", s=1), c("B2", "<v>45300.5</v>", s=2), c("C2", "<v>60</v>", s=1),
                  c("D2", "<v>61</v>", s=1), c("E2", "<v>1.25</v>", s=2), c("F2", "<v>45300.000011574</v>", s=2)),
              row(3, c("A3", "<v>-1</v>", s=1), c("B3", "<v>3000000</v>", s=1), c("C3", "<v>45300</v>", s=5),
                  c("D3", "<v>45300</v>", s=77), c("E3", "<v>2.5</v>", s=3), c("F3", "<v>0</v>", s=1)),
              row(4, c("A4", "<v>45300.99999999</v>", s=2), c("B4", "<v>1</v>", s=3))],
    "layout": [row(3, c("C3", inline("gap"), "inlineStr")), row(2, c("A2", inline("back"), "inlineStr")),
               row(5, c("", inline("a"), "inlineStr"), c("", inline("b"), "inlineStr"),
                   c("E5", inline("e"), "inlineStr"), c("", inline("f"), "inlineStr")),
               row(6, c("B6", inline("first"), "inlineStr"), c("B6", inline("second"), "inlineStr"),
                   c("C6", inline("kept"), "inlineStr"), c("C6", "<is><t></t></is>", "inlineStr")),
               row(7, c("A7", "<v>1e400</v>")), row(8), row(9, c("A9", s=1)), "\n  ",
               row(10, c("A10", inline("x"), "inlineStr"), extra=' spans="1:6" ht="15" customHeight="1"'),
               row(2, c("A2", inline("again"), "inlineStr"))],
}


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("chunk", [colnative.CHUNK_BYTES, 64])
def test_frames_equal_the_row_reader(tmp_path, case, chunk):
    path = tmp_path / f"{case}.xlsx"
    book_with(path, HEADER + "".join(CASES[case]))
    got = assert_frames_equal(path, chunk)
    assert got.height >= 1


def test_the_1904_date_system(tmp_path):
    path = tmp_path / "d1904.xlsx"
    book_with(path, HEADER + "".join(CASES["dates"]), date1904=True)
    assert_frames_equal(path)


def test_no_header_row_and_no_rows(tmp_path):
    """Without a row 1 the first row is data; an empty sheetData gives no window."""
    path = tmp_path / "nohead.xlsx"
    book_with(path, row(2, c("A2", inline("x"), "inlineStr")) + row(3, c("B3", "<v>2</v>")))
    assert assert_frames_equal(path).height == 2
    for rows_xml in ("", HEADER):
        book_with(path, rows_xml)
        assert assert_frames_equal(path).height == 0
    head_only = tmp_path / "selfclosed.xlsx"
    book_with(head_only, "")
    data = zipfile.ZipFile(head_only).read("xl/worksheets/sheet1.xml").replace(b"<sheetData></sheetData>",
                                                                               b"<sheetData/>")
    _rewrite(head_only, data)
    assert assert_frames_equal(head_only).height == 0


def _rewrite(path, sheet: bytes) -> None:
    with zipfile.ZipFile(path) as z:
        parts = {i.filename: z.read(i) for i in z.infolist()}
    parts["xl/worksheets/sheet1.xml"] = sheet
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)


def test_random_sheet(tmp_path):
    """A seeded random sheet of every cell form above, in chunks of every size from a few rows up."""
    rng = random.Random(20261207)
    forms = [
        lambda r: c(r, inline(rng.choice(["投诉", "a b", " ", "x&amp;y", "\u3000", "Ｆｕｌｌ", "1.5"])), "inlineStr"),
        lambda r: c(r, f"<v>{rng.randrange(len(SHARED))}</v>", "s"),
        lambda r: c(r, f"<v>{rng.choice(['0', '1', '12.50', '-3.25', '1e5', '0.1', '99999999999.99'])}</v>"),
        lambda r: c(r, f"<v>{rng.randrange(40000, 47000) + rng.choice([0, 0, 0.5, 0.25])}</v>", s=rng.choice([1, 2])),
        lambda r: c(r, f"<v>{rng.choice(['0', '1'])}</v>", "b"),
        lambda r: c(r, "<v>#N/A</v>", "e"),
        lambda r: c(r, s=1),
    ]
    rows = [HEADER]
    for n in range(2, 400):
        if rng.random() < 0.05:
            rows.append(row(n))
            continue
        cells = [forms[rng.randrange(len(forms))](f"{chr(65 + i)}{n}") for i in range(WIDTH) if rng.random() < 0.8]
        rows.append(row(n, *cells))
    path = tmp_path / "random.xlsx"
    book_with(path, "\n".join(rows))
    for chunk in (97, 1000, 5000, colnative.CHUNK_BYTES):
        assert assert_frames_equal(path, chunk).height > 300


DECLINED = {
    "comment": row(2, c("A2", inline("x"), "inlineStr")) + "<!-- </row> -->",
    "cdata": row(2, c("A2", "<is><t><![CDATA[x]]></t></is>", "inlineStr")),
    "processing instruction": row(2, c("A2", inline("x"), "inlineStr")) + "<?note x?>",
    "escape": row(2, c("A2", inline("a_x000D_b"), "inlineStr")),
    "iso date": row(2, c("A2", "<v>2024-01-05</v>", "d")),
    "row without number": "<row>" + c("A2", inline("x"), "inlineStr") + "</row>",
    "lower-case reference": row(2, c("a2", inline("x"), "inlineStr")),
    "hex number": row(2, c("A2", "<v>0x1A</v>")),
    "number with underscore": row(2, c("A2", "<v>1_000</v>")),
    "nan": row(2, c("A2", "<v>nan</v>")),
    "signed shared index": row(2, c("A2", "<v>-1</v>", "s")),
    "duration": row(2, c("A2", "<v>1.5</v>", s=4)),
    "time of day": row(2, c("A2", "<v>0.5</v>", s=3)),
    "unknown element": row(2, c("A2", "<x>1</x><v>1</v>")),
    "prefixed elements": '<x:row r="2"><x:c r="A2"><x:v>1</x:v></x:c></x:row>',
    "cell beyond the extent": row(2, c("H2", "<v>1</v>")),
    "unknown entity": row(2, c("A2", inline("&nbsp;"), "inlineStr")),
    "control character reference": row(2, c("A2", inline("&#1;"), "inlineStr")),
    "text between cells": row(2, c("A2", "<v>1</v>"), "junk", c("B2", "<v>2</v>")),
}


@pytest.mark.parametrize("case", sorted(DECLINED))
def test_what_it_declines(tmp_path, case):
    path = tmp_path / "declined.xlsx"
    book_with(path, HEADER + DECLINED[case])
    with open_workbook(path, engine="stream") as book, pytest.raises(NeedsExact):
        list(colnative.native_windows(book, "S", list(enumerate(FIELDS[:WIDTH]))))


def test_markup_before_sheet_data_declines(tmp_path):
    path = tmp_path / "before.xlsx"
    book_with(path, HEADER, head="<!-- <sheetData> -->")
    with open_workbook(path, engine="stream") as book, pytest.raises(NeedsExact, match="before sheetData"):
        list(colnative.native_windows(book, "S", list(enumerate(FIELDS[:WIDTH]))))


@pytest.mark.parametrize("markup", [b"<!-- a note </row> -->", b"<?note </row>?>", b"<![CDATA[</row>]]>"])
def test_a_declined_sheet_is_validated_by_another_reader(tmp_path, caplog, markup):
    """Markup between rows (even holding a '</row>'): the compiled reader declines, the validation
    goes on with fastexcel or row by row, and its result equals the reference."""
    import re

    plain = tmp_path / "plain.xlsx"
    write(plain, tricky_rows(), "xlsxwriter-inline")
    path = tmp_path / "markup.xlsx"
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/worksheets/sheet2.xml":
                data = re.sub(rb'(<row r="20")', markup + rb"\1", data, count=1)
            dst.writestr(info, data)
    with caplog.at_level(logging.INFO, logger="supervision.ingest.validate"):
        assert_same(path)
    assert fallbacks(caplog)


# --------------------------------------------------------------------------- mutated input


def _chunk() -> bytes:
    """The rows of the CASES above as one chunk (what the cutter hands the parser)."""
    return "".join(HEADER + "".join(rows) for rows in CASES.values()).encode() + b"</sheetData><x/>"


_PIECES = [b"<", b">", b"/", b"&", b";", b'"', b"'", b"=", b" ", b"\r", b"\x00", b"\xe4", b"\xbd\xa0", b"\xff",
           b"<row", b"</row>", b"<c", b"</c>", b"<v>", b"</v>", b"<is>", b"<t>", b"</t>", b"&#", b"&#x", b"_x",
           b'r="', b't="s"', b't="b"', b's="1"', b"e9", b"1e", b"]]>", b"</sheetData>"]


@settings(deadline=None, max_examples=500)
@given(st.data())
def test_mutated_rows_are_parsed_or_declined(data):
    """Any bytes (a valid chunk cut, spliced and overwritten): the parser returns columns or a reason,
    never crashes, and what it returns is well formed (one value per row and column)."""
    chunk = bytearray(_chunk())
    for _ in range(data.draw(st.integers(1, 6))):
        at = data.draw(st.integers(0, len(chunk)))
        op = data.draw(st.sampled_from(["insert", "delete", "replace", "cut"]))
        piece = data.draw(st.sampled_from(_PIECES))
        if op == "insert":
            chunk[at:at] = piece
        elif op == "delete":
            del chunk[at:at + data.draw(st.integers(1, 8))]
        elif op == "replace":
            chunk[at:at + len(piece)] = piece
        else:
            del chunk[at:]
    kinds = bytes([0, 1, 2, 3, 4, 0])
    sst = "".join(SHARED).encode()
    offsets = [0]
    for s in SHARED:
        offsets.append(offsets[-1] + len(s.encode()))
    out = colnative.native.parse(bytes(chunk), WIDTH, kinds, sst, array.array("q", offsets).tobytes())
    if isinstance(out, str):
        assert out
        return
    _done, end, rows, flags, n, cols = out
    assert 0 <= end <= len(chunk) and len(rows) == 8 * n and len(flags) == n and len(cols) == WIDTH
    for kinds_b, nums, offs, texts, valid in cols:
        assert len(kinds_b) == n and len(nums) == 8 * n and len(offs) == 4 * (n + 1) and len(valid) == (n + 7) // 8
        ends = array.array("i", offs)
        assert ends[0] == 0 and list(ends) == sorted(ends) and ends[-1] == len(texts)
        texts.decode()  # valid UTF-8
