"""A worksheet's tail scanned by a second process (:mod:`supervision.ingest.sheettail`): same verdict.

Every test feeds the same bytes to a :class:`TailScan` (the helper's work, here in process) and to a
:class:`SheetScanner` that takes its result at the cut, and compares what the scanner then reports
with the expat-only reference scanner (:class:`ReferenceSheetScanner`) and with the scanner alone —
for many cuts, head sizes and chunk sizes, on plain sheets, on sheets with every kind of unusual or
hostile content on either side of the cut, and on seeded-random and Hypothesis-generated sheets.
Then the guards: ``check_file(…, split=True)`` with a real forked helper gives the same issues and
facts as ``check_file(…)``, with the helper dead or alive, and leaves no process behind.
"""

from __future__ import annotations

import itertools
import os
import random
import zipfile
from xml.parsers import expat

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from supervision.ingest import guards, sheettail
from supervision.ingest.guards import Limits, check_file
from supervision.ingest.sheetscan import SheetScanner, Stop
from supervision.ingest.sheettail import InProcess, TailScan
from supervision.ingest.xmlsafe import UnsafeXMLError
from tests.ingest.helpers import parts, write_zip
from tests.ingest.sheetscan_reference import ReferenceSheetScanner
from tests.ingest.test_fastscan import LIMITS, generate, plain_rows, row, sheet

#: every test here runs with the compiled fast path and with the Python path alone (conftest)
pytestmark = pytest.mark.usefixtures("scan_path")


def _pieces(xml: bytes, chunk: int | None) -> list[bytes]:
    size = chunk or max(len(xml), 1)
    return [xml[i:i + size] for i in range(0, len(xml), size)]


def _scan(scanner, xml: bytes, chunk: int | None):
    try:
        for piece in _pieces(xml, chunk):
            scanner.feed(piece)
        scanner.feed(b"", True)
        end = "done"
    except Stop:
        end = "stop"
    except expat.ExpatError as exc:
        end = "bad_xml " + str(exc)
    except UnsafeXMLError as exc:
        end = f"unsafe {exc.what}"
    f = scanner.facts
    state = scanner.run_state() if isinstance(scanner, SheetScanner) else None
    return (end, f.declared, f.min_row, f.min_col, f.max_row, f.max_col, f.data_rows, f.data_columns, f.actual,
            f.failures, state)


def tail_scan(xml: bytes, plan: int, head: int, chunk: int | None = None, **limits) -> TailScan:
    """The helper's work on ``xml``: a :class:`TailScan` fed the whole part."""
    scan = TailScan("S", "xl/worksheets/sheet1.xml", plan=plan, head_bytes=head, **{**LIMITS, **limits})
    for piece in _pieces(xml, chunk):
        scan.feed(piece)
        if scan.done:
            break
    if not scan.done:
        scan.feed(b"", True)
    return scan


def split_outcome(xml: bytes, plan: int, head: int, chunk: int | None, tail_chunk: int | None = None, **limits):
    """(outcome, bytes the helper's result let the scanner leave out) of the scanner helped at ``plan``."""
    scanner = SheetScanner("S", "xl/worksheets/sheet1.xml", **{**LIMITS, **limits})
    scanner.take_tail(plan, InProcess(tail_scan(xml, plan, head, tail_chunk, **limits)))
    return _scan(scanner, xml, chunk), scanner.tail_bytes


def alone(xml: bytes, chunk: int | None, **limits):
    """The scanner's outcome without a helper."""
    return _scan(SheetScanner("S", "xl/worksheets/sheet1.xml", **{**LIMITS, **limits}), xml, chunk)


def reference(xml: bytes, **limits):
    """The expat-only reference outcome (positions of a malformed part are not compared with it)."""
    got = _scan(ReferenceSheetScanner("S", "xl/worksheets/sheet1.xml", **{**LIMITS, **limits}), xml, None)
    return ("bad_xml",) if got[0].startswith("bad_xml") else got[:-1]


def agrees(xml: bytes, plan: int, head: int, chunk: int | None, tail_chunk: int | None = None, **limits) -> int:
    """Assert the helped scanner agrees with the scanner alone (exactly, error positions included) and
    with the reference; return the bytes the helper took."""
    got, taken = split_outcome(xml, plan, head, chunk, tail_chunk, **limits)
    assert got == alone(xml, chunk, **limits), (plan, head, chunk, tail_chunk)
    expected = reference(xml, **limits)
    assert (("bad_xml",) if got[0].startswith("bad_xml") else got[:-1]) == expected, (plan, head, chunk)
    return taken


BIG = sheet(plain_rows(1, 3000), b"A1:D3000")


# ---- the helper takes the tail, and the verdict is the same -------------------------------------

@pytest.mark.parametrize("share", [0.1, 0.5, 0.9])
@pytest.mark.parametrize("chunk", [None, 777, 4096, 65536])
def test_plain_sheet_tail_is_taken_and_agrees(share, chunk):
    plan = int(len(BIG) * share)
    taken = agrees(BIG, plan, head=2000, chunk=chunk, tail_chunk=1000)
    assert taken > 0.8 * (len(BIG) - plan)  # the helper took (almost) all of the rest


def test_result_describes_the_rows_taken():
    plan = len(BIG) // 2
    result = tail_scan(BIG, plan, 2000).result()
    first = BIG.index(b"<row ", plan)
    assert result.cut == first and result.stop == BIG.index(b"</sheetData>")
    rows = BIG[first:result.stop].count(b"<row ")
    assert result.data_rows == rows - 1  # the last row is still open; the first one's predecessor is not counted
    assert result.max_row == 3000 and result.min_row == 3001 - rows and result.cell_rows
    assert (result.row, result.col, result.ctype, result.row_has_data) == (3000, 4, "n", True)


@pytest.mark.parametrize("chunk", [None, 1, 13, 4096])
def test_every_cut_of_a_small_sheet(chunk):
    xml = sheet(plain_rows(1, 25), b"A1:D25")
    for plan in range(0, len(xml), 37):
        agrees(xml, plan, head=min(plan, 400), chunk=chunk, tail_chunk=11)


def test_nothing_is_taken_without_a_head_to_learn_from():
    # no row in the head: the helper does not know the rows' prefix or letters and gives up
    assert tail_scan(BIG, len(BIG) // 2, head=100).result() is None
    assert agrees(BIG, len(BIG) // 2, head=100, chunk=4096) == 0


def test_a_cut_the_scanner_does_not_stand_on_is_ignored():
    # the helper's cut lies inside a comment the scanner gives expat whole: it must scan on alone
    fake = b'<!-- ' + row(1501, b'<c r="A1501"><v>1</v></c>') * 40 + b' -->'
    xml = sheet(plain_rows(1, 1500) + fake + plain_rows(1502, 3000), b"A1:D3000")
    plan = xml.index(fake) + 10
    assert tail_scan(xml, plan, 2000).result() is not None  # the helper took the fake rows ...
    assert agrees(xml, plan, head=2000, chunk=4096) == 0  # ... and nothing of it was used


HOSTILE = [
    b'<row r="{r}"><c r="A{r}"><v>1\x01</v></c></row>',  # a control character
    b'<row r="{r}"><c r="A{r}"><v>\xff\xfe</v></c></row>',  # not UTF-8
    b'<row r="{r}"><c r="A{r}"><v>\xef\xbf\xbe</v></c></row>',  # U+FFFE
    b'<row r="{r}"><c r="A{r}"><v>a &nope; b</v></c></row>',  # an undefined entity
    b'<row r="{r}"><c r="A{r}"><v>a &amp; b &#49;</v></c></row>',  # entities and a character reference
    b'<row r="{r}"><c r="A{r}"><v>]]></v></c></row>',
    b'<row r="{r}"><c r="A{r}"><v><![CDATA[<row r="9">]]></v></c></row>',
    b'<!-- <row r="{r}"><c r="A{r}"><v>1</v></c></row> -->',
    b'<?pi <row r="{r}"?>',
    b'<row r="{r}"><c r="Z{r}" t="inlineStr"><is><t>a new column</t></is></c></row>',  # new data column
    b'<row r="{r}"><c r="CW{r}"><v>1</v></c></row>',  # beyond max_columns (100)
    b'<row r="{r}"><c r="A{r}"><f>SUM(B1)</f></c></row>',  # F06: a formula without a value
    b'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>' + b"x" * 40 + b'</t></is></c></row>',
    b'<row r="7"><c r="A7"><v>back</v></c></row>',  # rows out of order
    b'<row r="{r}"><c r="A{s}"><v>1</v></c></row>',  # a cell in another row
    b'<row><c><v>1</v></c></row>',  # no references
    b'<row r="{r}"/>',  # an empty row
    b'<row r="{r}" spans="1:4"></row>',
    b'<x:row r="{r}" xmlns:x="urn:x"><x:c r="A{r}"><x:v>1</x:v></x:c></x:row>',  # another prefix
    b'<row r="{r}"><c r="A{r}"><v>1</v></c></rowx>',  # malformed
    b'<row r="{r}"><c r="A{r}" s="1" s="1"/></row>',  # a duplicate attribute
    b'<row r="{r}">\n<c r="A{r}">\n<v>spaced</v>\n</c>\n</row>',
    '<row r="{r}"><c r="A{r}"><v>\u3000</v></c></row>'.encode(),  # whitespace-like text
    b'<row r="1048577"><c r="A1048577"><v>1</v></c></row>',  # beyond the sheet (and max_rows)
]


@pytest.mark.parametrize("hostile", HOSTILE)
@pytest.mark.parametrize("where", ["before", "at", "after", "end"])
def test_hostile_rows_near_the_cut(hostile, where):
    pos = {"before": 1400, "at": 1500, "after": 1600, "end": 2999}[where]
    bad = hostile.replace(b"{r}", b"%d" % pos).replace(b"{s}", b"%d" % (pos + 3))
    xml = sheet(plain_rows(1, pos - 1) + bad + plain_rows(pos + 1, 3000), b"A1:D3000")
    plan = xml.index(b'<row r="1500"') if where != "at" else xml.index(bad) - 5
    for chunk, tail_chunk in ((None, None), (4096, 333), (65536, 8192)):
        agrees(xml, plan, head=2000, chunk=chunk, tail_chunk=tail_chunk)
    for limits in ({"max_rows": 2000}, {"max_columns": 3}, {"max_cell_chars": 10}):
        agrees(xml, plan, head=2000, chunk=4096, tail_chunk=333, **limits)


def test_state_after_a_tail_of_empty_rows():
    # the helper's rows end with rows without cells: the last cell's type stays the scanner's own
    empty = b"".join(b'<row r="%d" spans="1:4"/>' % r for r in range(1501, 3000))
    xml = sheet(plain_rows(1, 1499) + row(1500, b'<c r="A1500" t="str"><v>s</v></c>') + empty, b"A1:D3000")
    plan = xml.index(b'<row r="1501"')
    result = tail_scan(xml, plan, 2000).result()
    assert result is not None and not result.cell_rows
    assert agrees(xml, plan, head=2000, chunk=4096) > 0


def test_rows_beyond_the_limit_in_the_tail():
    plan = len(BIG) // 2
    for max_rows in (1000, 2500, 2998, 2999, 3000):
        agrees(BIG, plan, head=2000, chunk=4096, max_rows=max_rows)


def test_differential_seeded():
    rng = random.Random(20261207)
    taken = 0
    for i in range(250):
        xml, limits = generate(rng.choice, rng.randint)
        # a long plain run first, so that the scanner has learnt enough and stands on the fast path
        body = xml[xml.index(b"<sheetData>") + 11: xml.index(b"</sheetData>")] if b"<sheetData>" in xml else b""
        if not body or b"x:" in xml[:200]:
            continue
        big = sheet(plain_rows(1, 40) + body.replace(b'r="', b'r="4'), b"A1:XFD1048576")
        for _ in range(4):
            plan = rng.randint(0, len(big))
            try:
                taken += agrees(big, plan, head=rng.randint(0, plan), chunk=rng.choice([None, rng.randint(1, 200)]),
                                tail_chunk=rng.choice([None, rng.randint(1, 50)]), **limits)
            except AssertionError:
                raise AssertionError((i, plan, limits, big)) from None
    assert taken > 0


@settings(deadline=None, max_examples=80)
@given(st.data(), st.integers(1, 64), st.floats(0, 1), st.floats(0, 1))
def test_differential_hypothesis(data, chunk, share, head_share):
    xml, limits = generate(lambda seq: data.draw(st.sampled_from(seq)), lambda lo, hi: data.draw(st.integers(lo, hi)))
    plan = int(len(xml) * share)
    agrees(xml, plan, head=int(plan * head_share), chunk=chunk, tail_chunk=7, **limits)


# ---- through the guards, with a real helper process ----------------------------------------------

def _facts(result):
    return ([(i.rule, i.sheet, i.row, i.column, i.message_zh, i.message_en) for i in result.issues],
            [(f.sheet, f.declared, f.actual, f.data_rows, f.data_columns, f.min_row, f.max_row) for f in result.sheets])


class _Scanners(list):
    """The worksheet scanners the guards made, in order; ``taken`` the bytes each left to a helper."""

    @property
    def taken(self) -> list[int]:
        return [s.tail_bytes for s in self]


@pytest.fixture
def small_split(monkeypatch):
    """Split any worksheet, learning from a small head; record the guards' worksheet scanners."""
    monkeypatch.setattr(sheettail, "SPLIT_MIN_BYTES", 0)
    monkeypatch.setattr(sheettail, "SPLIT_MIN_BYTES_NATIVE", 0)
    monkeypatch.setattr(sheettail, "HEAD_BYTES", 4000)
    made = _Scanners()

    class Recorded(SheetScanner):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            made.append(self)

    monkeypatch.setattr(guards, "SheetScanner", Recorded)
    return made


def _workbook(tmp_path, name: str, rows: bytes, method=zipfile.ZIP_DEFLATED):
    xml = sheet(rows, b"A1:D3000")
    return write_zip(tmp_path / name, parts(xl__worksheets__sheet1_xml=xml), method)


@pytest.mark.parametrize("method", [zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED])
def test_guards_split_a_plain_sheet(tmp_path, small_split, method):
    path = _workbook(tmp_path, "plain.xlsx", plain_rows(1, 3000), method)
    helped = check_file(path, split=True)
    assert helped.ok and small_split.taken[0] > 100_000
    assert _facts(helped) == _facts(check_file(path))


@pytest.mark.parametrize("hostile", [HOSTILE[0], HOSTILE[1], HOSTILE[3], HOSTILE[9], HOSTILE[10], HOSTILE[11],
                                     HOSTILE[19], HOSTILE[23]])
def test_guards_split_refuse_what_they_refused(tmp_path, small_split, hostile):
    bad = hostile.replace(b"{r}", b"2500").replace(b"{s}", b"2503")
    path = _workbook(tmp_path, "bad.xlsx", plain_rows(1, 2499) + bad + plain_rows(2501, 3000))
    alone_result = check_file(path)
    assert _facts(check_file(path, split=True)) == _facts(alone_result)
    assert small_split.taken[0] == 0 < small_split.taken[1]  # the helper took the rows up to the hostile one


def test_guards_split_with_a_dead_helper(tmp_path, small_split, monkeypatch):
    path = _workbook(tmp_path, "plain.xlsx", plain_rows(1, 3000))

    def dies(*args, **kwargs):
        raise RuntimeError("helper failed")

    monkeypatch.setattr(sheettail, "_helper", dies)
    assert _facts(check_file(path, split=True)) == _facts(check_file(path))
    assert small_split.taken == [0, 0]


def test_guards_split_leave_no_process(tmp_path, small_split, monkeypatch):
    path = _workbook(tmp_path, "plain.xlsx", plain_rows(1, 3000))
    started = []
    start = sheettail.start

    def spy(*args, **kwargs):
        helper = start(*args, **kwargs)
        started.append(helper.pid)
        return helper

    monkeypatch.setattr(sheettail, "start", spy)
    assert check_file(path, split=True).ok
    assert started
    for pid in started:
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)


def test_guards_split_a_truncated_part(tmp_path, small_split):
    # a deflate stream cut short: the part is refused whether or not a helper read it
    path = _workbook(tmp_path, "plain.xlsx", plain_rows(1, 3000))
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    for i in itertools.islice(range(start + info.compress_size // 2, start + info.compress_size), 0, 400):
        data[i] = 0
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(bytes(data))
    assert _facts(check_file(broken, split=True)) == _facts(check_file(broken))
    assert not check_file(broken, split=True).ok


def test_split_is_off_unless_asked(tmp_path, small_split):
    path = _workbook(tmp_path, "plain.xlsx", plain_rows(1, 3000))
    assert check_file(path, Limits()).ok and small_split.taken == [0]


def test_split_threshold_follows_the_scan_path(scan_path):
    """The C scan is three times as fast: a part is split only from 768 MiB there, 256 MiB without it."""
    want = sheettail.SPLIT_MIN_BYTES_NATIVE if scan_path == "c" else sheettail.SPLIT_MIN_BYTES
    assert sheettail.split_min_bytes() == want
    assert sheettail.SPLIT_MIN_BYTES_NATIVE > sheettail.SPLIT_MIN_BYTES
