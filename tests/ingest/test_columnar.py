"""The column-wise detail path (fastexcel windows → polars conversion → column checks) decides exactly
as the row-by-row reference: the same issues in the same order, the same exact totals, the same
converted rows and figures — for tricky cells written by openpyxl and XlsxWriter (shared and inline
strings), in one piece and cut into many windows, and through the row reader when the fast reader
cannot decide a cell."""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal

import openpyxl
import pytest
import xlsxwriter

from supervision.ingest import colread
from supervision.ingest.cmpchecks import Context
from supervision.ingest.guards import check_file
from supervision.ingest.issues import IssueCollector
from supervision.ingest.reader import open_workbook
from supervision.ingest.spool import Spool
from supervision.ingest.validate import validate
from tests.ingest.helpers import CMP, END, INST, INST_NAME, PERIOD, START, cover_values, detail_row
from tests.ingest.rowpath_reference import reference_detail

FIELDS = [f.code for f in CMP.sheet("detail").fields]


@pytest.fixture(autouse=True)
def fastexcel_reader(monkeypatch):
    """This file tests the fastexcel reader and its fall-back to the row reader; the compiled reader
    that comes before both is tested in test_colnative.py (with the helpers of this file)."""
    from supervision.ingest import colnative

    monkeypatch.setattr(colnative, "native", None)


LABELS = [f.label_zh for f in CMP.sheet("detail").fields]
D = "投诉明细"


class Cell:
    """A cell written with an explicit type: ``kind`` in number, bool, date, datetime, text."""

    def __init__(self, kind: str, value):
        self.kind, self.value = kind, value


def tricky_rows() -> list[dict]:
    """Valid rows and rows with every kind of difficult cell the readers must agree on."""
    rows = [detail_row(complaint_id=f"OK-{i:03d}", amount=100 + i, business_category=("B14", "B13", "B05")[i % 3])
            for i in range(30)]
    rows += [
        detail_row(complaint_id=Cell("number", 12345)),
        detail_row(complaint_id="ＣＭＰ－全角", province=Cell("number", 44)),
        detail_row(complaint_id="  spaced  ", received_date="2024/02/01", closed_date="2024年2月9日"),
        detail_row(complaint_id="serial", received_date=Cell("number", 45300), closed_date=Cell("number", 45310)),
        detail_row(complaint_id="stamp", received_date=Cell("datetime", dt.datetime(2024, 1, 8, 10, 30))),
        detail_row(complaint_id="badday", received_date="2024-02-30"),
        detail_row(complaint_id="textstamp", received_date="2024-01-05 00:00:00"),
        detail_row(complaint_id="boolday", received_date=Cell("bool", True)),
        detail_row(complaint_id="amt1", amount="1,234.50", redress="0.5"),
        detail_row(complaint_id="amt2", amount="-5", redress=Cell("number", -3)),
        detail_row(complaint_id="amt3", amount=Cell("number", 1234.5678), redress="1e3"),
        detail_row(complaint_id="amt4", amount="１２３", redress=Cell("number", 1e-7)),
        detail_row(complaint_id="amt5", amount="000000000000000000000012.5", redress="12.12345678901"),
        detail_row(complaint_id="txn1", complaint_type="TXN", transactions_involved=Cell("number", 1.5)),
        detail_row(complaint_id="txn2", complaint_type="TXN", transactions_involved="3"),
        detail_row(complaint_id="esc1", escalated="Y"),
        detail_row(complaint_id="esc2", escalated=Cell("number", 1)),
        detail_row(complaint_id="esc3", escalated=Cell("bool", False)),
        detail_row(complaint_id="esc4", escalated="maybe"),
        detail_row(complaint_id="src1", source="监管转办", transfer_ref="ZB-9"),
        detail_row(complaint_id="src2", source="regulator", transfer_ref=None),
        detail_row(complaint_id="prov", province="北京", channel="A10"),
        detail_row(complaint_id="pii", summary="客户13812345678，身份证110101199003071234，要求退款"),
        detail_row(complaint_id="long", summary="长" * 501),
        detail_row(complaint_id="emoji", summary="表情😀 与 tab\t和换行\n结束 "),
        detail_row(complaint_id="rep1", repeat_of="OK-001"),
        detail_row(complaint_id="rep2", repeat_of="NOPE-1"),
        detail_row(complaint_id="OK-002"),
        detail_row(complaint_id="open1", status="OPEN", outcome=None, escalated="是"),
        detail_row(complaint_id="closed1", outcome=None),
        detail_row(complaint_id="carry1", received_date=dt.date(2023, 12, 1), closed_date=dt.date(2023, 12, 20)),
        detail_row(complaint_id="carry2", received_date=dt.date(2023, 12, 20), closed_date=dt.date(2024, 1, 3)),
        detail_row(complaint_id="late", received_date=dt.date(2024, 1, 2), closed_date=dt.date(2024, 3, 20),
                   extension="EXT60"),
        detail_row(complaint_id="after", received_date=dt.date(2024, 4, 2), status="OPEN", closed_date=None,
                   outcome=None, escalated=None),
        detail_row(complaint_id="before", closed_date=dt.date(2024, 1, 2)),
        detail_row(complaint_id="typeless", complaint_type=None, cause=None),
        detail_row(complaint_id="x" * 70),
    ]
    return rows


BLANKS = [None, ["   "], ["\u3000", None, " "], "only-note"]


def write(path, rows: list[dict], writer: str, note_column: bool = True) -> None:
    """Write a CMP workbook whose detail sheet has ``rows`` (+ blank rows and a 备注 column)."""
    headers = [*LABELS, "备注"] if note_column else LABELS
    body: list[list] = []
    for i, r in enumerate(rows):
        body.append([r.get(c) for c in FIELDS] + ([None] if note_column else []))
        if i % 11 == 5:  # blank-looking rows in between
            blank = BLANKS[(i // 11) % len(BLANKS)]
            if blank == "only-note":
                body.append([None] * len(FIELDS) + (["只有备注"] if note_column else [None]))
            else:
                body.append(list(blank or []))
    cover = [(f.label_zh, cover_values(transactions=1000).get(f.code)) for f in CMP.sheet("cover").fields]
    summary = [["业务类别", "本期受理", "本期办结", "按时办结", "期末未办结", "监管转办"], ["合计", 0, 0, 0, 0, 0]]
    if writer == "openpyxl":
        wb = openpyxl.Workbook()
        wb.remove(wb.active)
        for name, data in (("封面", cover), (D, [headers, *body]), ("投诉汇总", summary)):
            ws = wb.create_sheet(name)
            for row in data:
                ws.append([c.value if isinstance(c, Cell) else c for c in row])
        wb.save(path)
        return
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": writer == "xlsxwriter-inline",
                                         "strings_to_numbers": False, "strings_to_formulas": False,
                                         "strings_to_urls": False})
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    stamp_fmt = wb.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    for name, data in (("封面", cover), (D, [headers, *body]), ("投诉汇总", summary)):
        ws = wb.add_worksheet(name)
        for r, row in enumerate(data):
            for c, value in enumerate(row):
                kind = value.kind if isinstance(value, Cell) else None
                v = value.value if isinstance(value, Cell) else value
                if v is None:
                    continue
                if kind == "number" or (kind is None and isinstance(v, int | float) and not isinstance(v, bool)):
                    ws.write_number(r, c, v)
                elif kind == "bool" or isinstance(v, bool):
                    ws.write_boolean(r, c, v)
                elif kind in ("datetime", "date"):
                    ws.write_datetime(r, c, v, stamp_fmt)
                elif isinstance(v, dt.date):
                    ws.write_datetime(r, c, v, date_fmt)
                else:
                    ws.write_string(r, c, str(v))
    wb.close()


def long_numbers(tmp_path):
    """A workbook whose amount and redress cells hold 17 significant digits, as Excel stores 0.1 + 0.2
    (``0.30000000000000004``) and 1/3."""
    import zipfile

    plain = tmp_path / "plain.xlsx"
    write(plain, [detail_row(amount=Cell("number", 0.25), redress=Cell("number", 0.5))], "openpyxl")
    path = tmp_path / "digits.xlsx"
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/worksheets/sheet2.xml":
                data = data.replace(b"<v>0.25</v>", b"<v>0.30000000000000004</v>").replace(
                    b"<v>0.5</v>", b"<v>0.33333333333333331</v>")
            dst.writestr(info, data)
    return path


def run(path, engine: str = "auto", sector: str = "CF", cap: int = 200):
    guard = check_file(path)
    assert guard.ok, [i.message_en for i in guard.issues]
    with open_workbook(path, guard=guard, engine=engine) as book:
        result = validate(book, kind="CMP", institution_code=INST, period=PERIOD, period_start=START,
                          period_end=END, sector=sector, registered_names=[INST_NAME], cap_per_rule=cap)
        detail = [i.as_dict() for i in result.issues if i.sheet == D]
        rows = list(result.rows("detail"))
        result.close()
    return result, detail, rows


def reference(path, sector: str = "CF", cap: int = 200) -> dict:
    with open_workbook(path, engine="stream") as book:
        return reference_detail(book, Context(INST, PERIOD, START, END, sector), cap)


def assert_same(path, sector="CF", cap=200, engine="auto"):
    ref = reference(path, sector, cap)
    result, detail, rows = run(path, engine, sector, cap)
    assert detail == ref["issues"]
    for rule, n in ref["totals"].items():
        assert result.issues.totals.get(rule) == n, rule
    assert rows == ref["rows"]
    assert result.row_counts["detail"] == ref["count"]
    assert result.derived == ref["derived"]
    assert result.derived_by_category == ref["by_category"]
    return result, ref


@pytest.mark.parametrize("writer", ["openpyxl", "xlsxwriter", "xlsxwriter-inline"])
@pytest.mark.parametrize("sector", ["CF", "PAY"])
def test_column_path_equals_row_path(tmp_path, writer, sector, caplog):
    path = tmp_path / f"{writer}.xlsx"
    write(path, tricky_rows(), writer)
    with caplog.at_level(logging.INFO, logger="supervision.ingest.validate"):
        _result, ref = assert_same(path, sector)
    assert not [r for r in caplog.records if "row by row" in r.getMessage()]  # the fast reader decided
    assert len(ref["issues"]) > 20 and ref["count"] > 60  # the comparison covers real failures


def test_every_engine_agrees(tmp_path):
    path = tmp_path / "engines.xlsx"
    write(path, tricky_rows(), "xlsxwriter")
    for engine in ("calamine", "stream"):
        assert_same(path, engine=engine)


def test_fast_reader_is_used_for_ordinary_cells(tmp_path, caplog):
    """Text dates, numbers in code columns, full-width text, amounts as text: no fallback needed."""
    rows = [detail_row(complaint_id=f"F{i}", received_date=f"2024/01/0{1 + i % 9}", amount=f"1,2{i:02d}.5",
                       province=Cell("number", 11), summary="全角：ＡＢＣ，" + "中" * (i % 7))
            for i in range(40)]
    path = tmp_path / "fast.xlsx"
    write(path, rows, "xlsxwriter", note_column=False)
    with caplog.at_level(logging.INFO, logger="supervision.ingest.validate"):
        assert_same(path)
    assert not [r for r in caplog.records if "row by row" in r.getMessage()]


@pytest.mark.parametrize("cell", [
    ("product_code", Cell("bool", True)), ("amount", Cell("bool", True)), ("redress", "true"),
    ("summary", Cell("datetime", dt.datetime(2024, 1, 5, 9, 0))), ("product_code", Cell("number", 0.00001)),
    ("escalated", Cell("date", dt.date(2024, 1, 5))), ("received_date", Cell("date", dt.date(1900, 1, 1)))])
def test_cells_the_fast_reader_cannot_decide_go_row_by_row(tmp_path, caplog, cell):
    rows = [*tricky_rows(), detail_row(complaint_id="odd", **dict([cell]))]
    path = tmp_path / "fallback.xlsx"
    write(path, rows, "xlsxwriter")
    with caplog.at_level(logging.INFO, logger="supervision.ingest.validate"):
        assert_same(path)
    assert [r for r in caplog.records if "row by row" in r.getMessage()]


def test_number_cells_are_read_to_nine_decimals(tmp_path):
    """fastexcel writes a number cell with at most 9 decimals: an amount of 0.30000000000000004 (as Excel
    stores 0.1 + 0.2, 17 digits) is taken as 0.3, where the row reader took all the digits. Amounts are
    stored with 2 decimals: the same either way (see docs/decisions.md)."""
    path = long_numbers(tmp_path)
    _result, _detail, rows = run(path)
    ref = reference(path)["rows"]
    assert rows[0]["amount"] == Decimal("0.3") and ref[0]["amount"] == Decimal("0.30000000000000004")
    assert rows[0]["redress"] == Decimal("0.333333333") and ref[0]["redress"] == Decimal(repr(1 / 3))
    for got, want in ((rows[0]["amount"], ref[0]["amount"]), (rows[0]["redress"], ref[0]["redress"])):
        assert got.quantize(Decimal("0.01")) == want.quantize(Decimal("0.01"))


@pytest.mark.parametrize("writer", ["openpyxl", "xlsxwriter-inline", "xlsxwriter-strings-per-reader"])
def test_many_small_windows(tmp_path, monkeypatch, writer):
    """Cut into windows of a few rows each (every cut point between rows is exercised). Windows are
    workbooks of their own in memory; with larger shared strings (forced here), sheets of one
    temporary workbook whose shared strings each reader parses once."""
    if writer == "xlsxwriter-strings-per-reader":
        writer = "xlsxwriter"
        monkeypatch.setattr(colread, "SHARED_STRINGS_PER_WINDOW", 0)
        made = []
        original_repackage = colread.repackage
        monkeypatch.setattr(colread, "repackage", lambda *a, **k: made.append(1) or original_repackage(*a, **k))
    else:
        made = None
    path = tmp_path / "windows.xlsx"
    rows = tricky_rows() * 3
    for i, r in enumerate(rows):
        r["complaint_id"] = f"W{i}" if not isinstance(r["complaint_id"], Cell) else r["complaint_id"]
    write(path, rows, writer)
    monkeypatch.setattr(colread, "WHOLE_SHEET_CELLS", 0)
    monkeypatch.setattr(colread, "WINDOW_BYTES", 3000)
    original = colread.fast_windows
    seen = []

    def counting(*args, **kwargs):
        kwargs.setdefault("whole_cells", 0)
        kwargs.setdefault("window_bytes", 3000)
        for w in original(*args, **kwargs):
            seen.append(w.height)
            yield w

    monkeypatch.setattr(colread, "fast_windows", counting)
    assert_same(path, cap=7)
    assert len(seen) > 10
    assert made is None or made  # the shared strings' path was taken where forced


def test_undecidable_cell_in_a_later_window_goes_row_by_row(tmp_path, monkeypatch, caplog):
    """Windows are read one ahead in a thread (issue 12): a cell the fast reader cannot decide in a
    later window stops it after earlier windows were given, and the sheet is read row by row with
    the same result."""
    path = tmp_path / "late.xlsx"
    rows = tricky_rows() * 3
    for i, r in enumerate(rows):
        r["complaint_id"] = f"L{i}" if not isinstance(r["complaint_id"], Cell) else r["complaint_id"]
    rows.append(detail_row(complaint_id="late-odd", product_code=Cell("bool", True)))
    write(path, rows, "xlsxwriter")
    original = colread.fast_windows
    given = []

    def counting(*args, **kwargs):
        for w in original(*args, whole_cells=0, window_bytes=3000):
            given.append(w.height)
            yield w

    monkeypatch.setattr(colread, "fast_windows", counting)
    with caplog.at_level(logging.INFO, logger="supervision.ingest.validate"):
        assert_same(path)
    assert len(given) > 3  # windows were given before the undecidable one stopped the fast reader
    assert [r for r in caplog.records if "row by row" in r.getMessage()]


def test_cap_keeps_the_first_in_row_order_across_windows(tmp_path, monkeypatch):
    rows = [detail_row(complaint_id=f"C{i}", channel="A77" if i % 2 else "A05", outcome=None if i % 3 else "UPHELD")
            for i in range(300)]
    path = tmp_path / "cap.xlsx"
    write(path, rows, "xlsxwriter-inline", note_column=False)
    original = colread.fast_windows
    monkeypatch.setattr(colread, "fast_windows", lambda *a, **k: original(*a, whole_cells=0, window_bytes=20_000))
    result, _ref = assert_same(path, cap=25)
    assert result.issues.totals["V03"] == 150 and result.issues.capped()["V03"] == 125


def test_spool_on_disk_gives_the_same_rows(tmp_path, monkeypatch):
    path = tmp_path / "spool.xlsx"
    write(path, tricky_rows(), "xlsxwriter")
    monkeypatch.setattr("supervision.ingest.spool.Spool", lambda: Spool(memory_bytes=1))
    result, _ref = assert_same(path)
    assert result.spool is not None and result.spool.on_disk


def test_rows_and_cells_without_numbers(tmp_path, monkeypatch):
    """Rows and cells without ``r`` (allowed by OOXML): placed by position, in windows as in the sheet."""
    import re
    import zipfile

    plain = tmp_path / "plain.xlsx"
    write(plain, tricky_rows(), "xlsxwriter-inline")
    path = tmp_path / "unnumbered.xlsx"
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/worksheets/sheet2.xml":
                present = {int(n) for n in re.findall(rb'<row r="([0-9]+)"', data)}

                def strip(m, present=present):  # an odd row right after its predecessor: no numbers at all
                    n = int(m.group(1))
                    if n > 2 and n % 2 and n - 1 in present:
                        return re.sub(rb' r="[A-Z]*[0-9]+"', b"", m.group(0))
                    return m.group(0)

                data = re.sub(rb'<row r="([0-9]+)".*?</row>', strip, data, flags=re.DOTALL)
            dst.writestr(info, data)
    assert_same(path)
    original = colread.fast_windows
    monkeypatch.setattr(colread, "fast_windows", lambda *a, **k: original(*a, whole_cells=0, window_bytes=2500))
    assert_same(path)


@pytest.mark.parametrize("markup", [b"<!-- a note </row> -->", b"<?note </row>?>", b"<![CDATA[</row>]]>"])
def test_markup_between_rows_is_read_row_by_row(tmp_path, monkeypatch, caplog, markup):
    """A comment, processing instruction or CDATA section in ``sheetData`` could hide a row end from
    the cutter: the fast reader stops there and the sheet is read row by row, with the same result."""
    import re
    import zipfile

    plain = tmp_path / "plain.xlsx"
    rows = tricky_rows() * 2
    for i, r in enumerate(rows):
        r["complaint_id"] = f"M{i}" if not isinstance(r["complaint_id"], Cell) else r["complaint_id"]
    write(plain, rows, "xlsxwriter-inline")
    path = tmp_path / "markup.xlsx"
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/worksheets/sheet2.xml":
                ends = [m.end() for m in re.finditer(rb"</row>", data)]
                at = ends[len(ends) // 2]
                data = data[:at] + markup + data[at:]
            dst.writestr(info, data)
    original = colread.fast_windows
    monkeypatch.setattr(colread, "fast_windows", lambda *a, **k: original(*a, whole_cells=0, window_bytes=3000))
    with caplog.at_level(logging.INFO, logger="supervision.ingest.validate"):
        assert_same(path)
    assert [r for r in caplog.records if "row by row" in r.getMessage()]


def test_a_reader_closed_early_stops_cutting_and_reading(tmp_path):
    """Closing the windows' generator before its end (the caller stopped) ends the cutting thread and
    the readers: nothing keeps running or holds windows."""
    import threading

    path = tmp_path / "early.xlsx"
    rows = tricky_rows() * 3
    for i, r in enumerate(rows):
        r["complaint_id"] = f"E{i}" if not isinstance(r["complaint_id"], Cell) else r["complaint_id"]
    write(path, rows, "xlsxwriter-inline")
    guard = check_file(path)
    before = {t.name for t in threading.enumerate()}
    with open_workbook(path, guard=guard) as book:
        from supervision.ingest.rowconv import map_header
        from supervision.ingest.templates import template_for

        header = book.first_row(D)[1]
        columns = map_header(template_for("CMP").sheet("detail"), header, IssueCollector()).columns
        windows = colread.fast_windows(book, D, columns, whole_cells=0, window_bytes=2500)
        first = next(windows)
        assert first.height > 0
        windows.close()
    left = [t for t in threading.enumerate() if t.name not in before and t.name.startswith("window")]
    assert not [t for t in left if t.is_alive()]
