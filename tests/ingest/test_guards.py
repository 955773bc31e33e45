"""Guards F01–F07 on hostile files generated here (raw zip parts, OLE headers, renamed text)."""

from __future__ import annotations

import os
import random
import string
import time
import zipfile

import pytest

from supervision.ingest.guards import Limits, check_file
from tests.ingest.helpers import CT, build_cmp, parts, shared_xml, sheet_xml, write_zip

LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;'
          b'&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;'
          b'&lol2;"><!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>')
XXE = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'


def only(result, rule):
    """Assert that ``result`` failed with exactly ``rule`` and return that issue."""
    assert [i.rule for i in result.issues] == [rule], [(i.rule, i.message_en) for i in result.issues]
    issue = result.issues[0]
    assert issue.severity == "blocking" and issue.message_zh and issue.message_en
    return issue


def test_valid_workbook_passes(tmp_path):
    result = check_file(build_cmp(tmp_path / "ok.xlsx"))
    assert result.ok, [i.message_en for i in result.issues]
    detail = next(s for s in result.sheets if s.sheet == "投诉明细")
    assert detail.data_rows == 1 and detail.declared == detail.actual


@pytest.mark.parametrize(("content", "variant_text"), [
    (b"", "empty"),
    (b"complaint_id,received_date\nC1,2024-01-05\n", "CSV"),
    (b"<!DOCTYPE html><html><body><table><tr><td>1</td></tr></table></body></html>", "HTML"),
    (b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 4, "not OOXML"),
])
def test_f01_not_a_workbook(tmp_path, content, variant_text):
    path = tmp_path / "renamed.xlsx"
    path.write_bytes(content)
    issue = only(check_file(path), "F01")
    assert variant_text in issue.message_en


def test_f01_truncated_workbook(tmp_path):
    good = build_cmp(tmp_path / "ok.xlsx").read_bytes()
    path = tmp_path / "cut.xlsx"
    path.write_bytes(good[: len(good) // 2])
    assert "truncated" in only(check_file(path), "F01").message_en


def test_f01_plain_zip_renamed(tmp_path):
    path = write_zip(tmp_path / "plain.xlsx", {"readme.txt": b"hello", "data.csv": b"a,b\n1,2\n"})
    issue = only(check_file(path), "F01")
    assert "[Content_Types].xml" in issue.message_en


def test_f01_missing_workbook_part(tmp_path):
    path = write_zip(tmp_path / "nowb.xlsx", parts(xl__workbook_xml=None))
    assert "xl/workbook.xml" in only(check_file(path), "F01").message_en


def test_f01_corrupt_part_crc(tmp_path):
    path = write_zip(tmp_path / "crc.xlsx", parts(), method=zipfile.ZIP_STORED)
    data = bytearray(path.read_bytes())
    pos = data.find(b"<v>1</v>")
    data[pos + 3] = ord("2")
    path.write_bytes(bytes(data))
    assert "CRC" in only(check_file(path), "F01").message_en


def test_f01_unreadable_ole_document(tmp_path):
    path = tmp_path / "legacy.xlsx"
    path.write_bytes(bytes.fromhex("D0CF11E0A1B11AE1") + b"\x00" * 4000)
    assert "OLE compound document" in only(check_file(path), "F01").message_en  # .ods/.xls: test_other_formats.py


def test_f02_encrypted_package(tmp_path):
    path = tmp_path / "secret.xlsx"
    path.write_bytes(bytes.fromhex("D0CF11E0A1B11AE1") + b"\x00" * 600 + "EncryptedPackage".encode("utf-16-le")
                     + b"\x00" * 600)
    assert "EncryptedPackage" in only(check_file(path), "F02").message_en


@pytest.mark.parametrize("name", ["xl/vbaProject.bin", "xl/media/VBAPROJECT.BIN"])
def test_f03_macro_part(tmp_path, name):
    path = write_zip(tmp_path / "macro.xlsx", {**parts(), name: b"\x00" * 64})
    assert name in only(check_file(path), "F03").message_en


def test_f03_macro_content_type(tmp_path):
    ct = CT.replace(b"spreadsheetml.sheet.main+xml", b"ms-excel.sheet.macroEnabled.main+xml")
    path = write_zip(tmp_path / "xlsm.xlsx", parts(CT=ct))
    assert "macroenabled" in only(check_file(path), "F03").message_en


@pytest.mark.parametrize("part", ["xl/workbook.xml", "xl/sharedStrings.xml", "xl/worksheets/sheet1.xml"])
@pytest.mark.parametrize("prolog", [LAUGHS, XXE], ids=["billion-laughs", "external-entity"])
def test_f04_dtd_in_any_part(tmp_path, part, prolog):
    original = parts()[part]
    body = original.split(b"?>", 1)[1]
    hostile = prolog + body.replace(b"<v>1</v>", b"<v>&lol9;</v>").replace(b"<t>x</t>", b"<t>&xxe;</t>")
    path = write_zip(tmp_path / "dtd.xlsx", {**parts(), part: hostile})
    t0 = time.perf_counter()
    issue = only(check_file(path), "F04")
    assert time.perf_counter() - t0 < 2
    assert part in issue.message_en and ("DOCTYPE" in issue.message_en or "ENTITY" in issue.message_en)


def test_f04_utf16_doctype_seen_by_expat(tmp_path):
    xml = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>'.encode("utf-16")
    path = write_zip(tmp_path / "u16.xlsx", {**parts(), "docProps/custom.xml": xml})
    assert "docProps/custom.xml" in only(check_file(path), "F04").message_en


def test_f05_zip_bomb_declared_ratio(tmp_path):
    path = write_zip(tmp_path / "bomb.xlsx", {**parts(), "xl/media/bomb.xml": b"<a>" + b" " * 50_000_000 + b"</a>"})
    t0 = time.perf_counter()
    issue = only(check_file(path), "F05")
    assert time.perf_counter() - t0 < 5
    assert "compression ratio" in issue.message_en and "xl/media/bomb.xml" in issue.message_en
    ratio = int(issue.message_en.split("ratio of ")[1].split(":")[0])
    assert ratio >= 1000


def test_f05_lying_declared_size(tmp_path):
    path = write_zip(tmp_path / "liar.xlsx", {**parts(), "xl/media/big.bin": b"A" * 3_000_000})
    data = bytearray(path.read_bytes())
    # Patch the uncompressed size (central directory and local header) of big.bin to 1,000 bytes.
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("xl/media/big.bin")
    for sig, off in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        start = 0
        while (pos := data.find(sig, start)) >= 0:
            name_at = pos + (30 if sig == b"PK\x03\x04" else 46)
            if data[name_at:name_at + 16] == b"xl/media/big.bin":
                data[pos + off:pos + off + 4] = (1000).to_bytes(4, "little")
            start = pos + 4
    path.write_bytes(bytes(data))
    assert info.file_size == 3_000_000
    issue = only(check_file(path, Limits(max_ratio=10_000)), "F05")
    assert "more than its declared 1000 bytes" in issue.message_en


def test_f05_huge_single_string(tmp_path):
    rnd = random.Random(7)
    text = "".join(rnd.choice(string.ascii_letters) for _ in range(200_000))
    path = write_zip(tmp_path / "huge.xlsx", parts(xl__sharedStrings_xml=shared_xml(text)))
    t0 = time.perf_counter()
    issue = only(check_file(path), "F05")
    assert time.perf_counter() - t0 < 2
    assert "32767 characters" in issue.message_en and "xl/sharedStrings.xml" in issue.message_en


def test_f05_huge_inline_string_in_sheet(tmp_path):
    cell = b'<row r="1"><c r="A1" t="inlineStr"><is><t>' + b"x" * 40_000 + b"</t></is></c></row>"
    path = write_zip(tmp_path / "inline.xlsx", parts(xl__worksheets__sheet1_xml=sheet_xml(cell, "A1")))
    assert "longer than 32767" in only(check_file(path), "F05").message_en


def test_f05_upload_size(tmp_path):
    path = build_cmp(tmp_path / "ok.xlsx")
    issue = only(check_file(path, Limits(max_upload_bytes=1000)), "F05")
    assert f"{os.path.getsize(path)} bytes, over the limit of 1000" in issue.message_en


def test_f05_unpacked_size_and_part_count(tmp_path):
    path = build_cmp(tmp_path / "ok.xlsx")
    assert "Unpacked size" in only(check_file(path, Limits(max_unpacked_bytes=5000)), "F05").message_en
    assert "parts, over the limit of 3" in only(check_file(path, Limits(max_parts=3)), "F05").message_en


def _rows(n: int, cols: int = 1) -> bytes:
    out = []
    for r in range(1, n + 1):
        cells = "".join(f'<c r="{chr(65 + c)}{r}"><v>{r}</v></c>' for c in range(cols))
        out.append(f'<row r="{r}">{cells}</row>')
    return "".join(out).encode()


def test_f05_rows_limit(tmp_path):
    path = write_zip(tmp_path / "rows.xlsx", parts(xl__worksheets__sheet1_xml=sheet_xml(_rows(12), "A1:A12")))
    issue = only(check_file(path, Limits(max_rows=10)), "F05")
    assert issue.sheet == "S" and "more than 10 data rows" in issue.message_en


def test_f05_columns_limit(tmp_path):
    path = write_zip(tmp_path / "cols.xlsx", parts(xl__worksheets__sheet1_xml=sheet_xml(_rows(2, 5), "A1:E2")))
    issue = only(check_file(path, Limits(max_columns=4)), "F05")
    assert issue.sheet == "S" and "5 columns with data" in issue.message_en


def test_f06_formula_without_cached_value(tmp_path):
    cells = (b'<row r="1"><c r="A1"><v>1</v></c></row><row r="2"><c r="A2"><v>2</v></c>'
             b'<c r="C2"><f>SUM(A1:A2)</f><v></v></c><c r="D2"><f>A1*2</f><v>2</v></c></row>')
    path = write_zip(tmp_path / "f.xlsx", parts(xl__worksheets__sheet1_xml=sheet_xml(cells, "A1:D2")))
    issue = only(check_file(path), "F06")
    assert (issue.sheet, issue.row, issue.column) == ("S", 2, "C")
    assert "=SUM(A1:A2)" in issue.message_en


def test_f06_openpyxl_formula(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.title = "S"
    wb.active["B3"] = "=1+1"
    wb.save(tmp_path / "f.xlsx")
    issue = only(check_file(tmp_path / "f.xlsx"), "F06")
    assert (issue.row, issue.column) == (3, "B")


def test_f07_dimension_a1_over_1000_rows(tmp_path):
    path = write_zip(tmp_path / "dim.xlsx", parts(xl__worksheets__sheet1_xml=sheet_xml(_rows(1001, 3), "A1:A1")))
    issue = only(check_file(path), "F07")
    assert issue.sheet == "S" and "declares the range A1:A1 but its cells span A1:C1001" in issue.message_en


@pytest.mark.parametrize("dimension", [None, "A1:XFD1048576", "A1:B2"])
def test_f07_cell_at_xfd1048576(tmp_path, dimension):
    cells = b'<row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><c r="XFD1048576"><v>9</v></c></row>'
    path = write_zip(tmp_path / "far.xlsx", parts(xl__worksheets__sheet1_xml=sheet_xml(cells, dimension)))
    issue = only(check_file(path), "F07")
    assert issue.sheet == "S" and "Cell XFD1048576" in issue.message_en


def test_f07_declared_dimension_beyond_limits(tmp_path):
    path = write_zip(tmp_path / "wide.xlsx", parts(xl__worksheets__sheet1_xml=sheet_xml(_rows(3), "A1:XFD1048576")))
    assert "beyond the limits" in only(check_file(path), "F07").message_en


def test_guard_reports_every_bad_sheet_part(tmp_path):
    bad = sheet_xml(b'<row r="1"><c r="A1"><f>1</f></c><c r="B1"><f>2</f></c></row>', "A1:B1")
    path = write_zip(tmp_path / "two.xlsx", parts(xl__worksheets__sheet1_xml=bad))
    result = check_file(path)
    assert [(i.rule, i.column) for i in result.issues] == [("F06", "A"), ("F06", "B")]
