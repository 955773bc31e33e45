"""Both reader engines (calamine and the expat stream) yield the same normalised rows."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest
import xlsxwriter
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from supervision.ingest.guards import check_file
from supervision.ingest.reader import open_workbook
from tests.ingest.helpers import parts, sheet_xml, write_zip

EXPECTED_TYPES = (int, float, str, bool, dt.date, dt.datetime, dt.time, dt.timedelta, type(None))


def both(path, sheet):
    assert check_file(path).ok
    out = {}
    for engine in ("calamine", "stream"):
        with open_workbook(path, engine=engine) as wb:
            assert wb.engine_for(sheet) == engine
            out[engine] = list(wb.rows(sheet))
    assert out["calamine"] == out["stream"]
    for _n, values in out["stream"]:
        assert all(isinstance(x, EXPECTED_TYPES) for x in values)
    return out["stream"]


def test_xlsxwriter_shared_strings_dates_numbers(tmp_path):
    path = tmp_path / "x.xlsx"
    wb = xlsxwriter.Workbook(path, {"strings_to_formulas": False, "strings_to_numbers": False})
    ws = wb.add_worksheet("明细")
    d = wb.add_format({"num_format": "yyyy-mm-dd"})
    dtf = wb.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    cn = wb.add_format({"num_format": 'yyyy"年"m"月"d"日"'})
    ws.write_row(0, 0, ["编号", "日期", "金额"])
    ws.write_string(1, 0, "=不是公式")
    ws.write_datetime(1, 1, dt.date(2024, 1, 5), d)
    ws.write_number(1, 2, 47)
    ws.write_number(1, 3, 12.25)
    ws.write_boolean(1, 4, True)
    ws.write_datetime(1, 5, dt.datetime(2024, 1, 5, 10, 30), dtf)
    ws.write_datetime(1, 6, dt.date(2024, 2, 29), cn)
    ws.write_number(1, 7, -3)
    ws.write_number(1, 8, 1e20)
    ws.write_string(3, 2, "第四行")  # row 3 is empty and skipped
    ws.write_string(4, 0, "  空格  ")
    ws.write_formula(4, 1, "=1+1", None, 2)
    wb.close()
    rows = both(path, "明细")
    assert rows == [
        (1, ["编号", "日期", "金额"]),
        (2, ["=不是公式", dt.date(2024, 1, 5), 47, 12.25, True, dt.datetime(2024, 1, 5, 10, 30), dt.date(2024, 2, 29),
             -3, 10**20]),
        (4, [None, None, "第四行"]),
        (5, ["  空格  ", 2]),
    ]


def test_openpyxl_inline_strings_offset_start_and_errors(tmp_path):
    path = tmp_path / "o.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "S"
    ws["C3"] = "x"
    ws["D3"] = 1.5
    ws["E3"] = dt.datetime(2024, 1, 5, 0, 0)
    ws["F3"] = dt.time(10, 0)
    ws["G3"] = "#N/A"
    ws["G3"].data_type = "e"
    ws["H3"] = False
    ws["D5"] = 0
    wb.save(path)
    rows = both(path, "S")
    assert rows == [(3, [None, None, "x", 1.5, dt.date(2024, 1, 5), dt.time(10, 0), None, False]),
                    (5, [None, None, None, 0])]


def test_1904_date_system(tmp_path):
    path = tmp_path / "mac.xlsx"
    wb = openpyxl.Workbook()
    wb.epoch = CALENDAR_MAC_1904
    wb.active.title = "S"
    wb.active["A1"] = dt.date(2024, 1, 5)
    wb.save(path)
    assert both(path, "S") == [(1, [dt.date(2024, 1, 5)])]


def test_auto_engine_follows_extent(tmp_path):
    path = write_zip(tmp_path / "wide.xlsx", parts(xl__worksheets__sheet1_xml=sheet_xml(
        b'<row r="1"><c r="A1"><v>1</v></c></row><row r="900"><c r="CV900"><v>2</v></c></row>', "A1:CV900")))
    guard = check_file(path)
    assert guard.ok
    with open_workbook(path, guard=guard, calamine_max_cells=50_000) as wb:
        assert wb.engine_for("S") == "stream"
        rows = list(wb.rows("S"))
    assert rows[0] == (1, [1]) and rows[1][0] == 900 and rows[1][1][99] == 2
    with open_workbook(path, guard=guard) as wb:
        assert wb.engine_for("S") == "calamine"
        assert list(wb.rows("S")) == rows


def test_unknown_sheet(tmp_path):
    path = write_zip(tmp_path / "a.xlsx", parts())
    with open_workbook(path) as wb, pytest.raises(KeyError):
        wb.rows("nope")
