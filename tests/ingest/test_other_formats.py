"""The two non-OOXML workbooks people actually have — OpenDocument ``.ods`` and legacy ``.xls`` —
get their own F01 message naming the format and saying how to save as ``.xlsx`` in Excel, WPS and
LibreOffice (decisions.md); an encrypted ``.xlsx`` stays F02. Files written by Python libraries that
write those formats (odfpy, xlwt) always; files written by LibreOffice itself where ``soffice`` exists."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from supervision.ingest import ole
from supervision.ingest.guards import check_file
from tests.ingest.helpers import build_cmp, write_cfb, write_ods, write_xls, write_zip

SAVE_AS_ZH = ("Excel：文件 → 另存为", "WPS 表格：文件 → 另存为", "LibreOffice Calc：文件 → 另存为", ".xlsx")
SAVE_AS_EN = ("Excel: File → Save As", "WPS Spreadsheets: File → Save As", "LibreOffice Calc: File → Save As")


def only_f01(path: Path, fmt_zh: str, fmt_en: str):
    """The file fails with exactly one F01 issue naming the format and the three ways to save as .xlsx."""
    result = check_file(path)
    assert [i.rule for i in result.issues] == ["F01"], [(i.rule, i.message_en) for i in result.issues]
    issue = result.issues[0]
    assert issue.severity == "blocking"
    assert issue.message_zh.startswith(f"文件是{fmt_zh}") and fmt_en in issue.message_en
    assert all(s in issue.message_zh for s in SAVE_AS_ZH) and all(s in issue.message_en for s in SAVE_AS_EN)
    assert "加密" not in issue.message_zh.split("。")[0] and "encrypt" not in issue.message_en.lower()
    assert issue.message.index(issue.message_zh) == 0  # 中文 first
    return issue


# ---- files written by Python libraries that write those formats (always run) ----------------------

def test_ods_written_by_odfpy(tmp_path):
    path = tmp_path / "投诉报送.xlsx"  # renamed: the content decides, not the name
    path.write_bytes(write_ods(tmp_path / "book.ods").read_bytes())
    issue = only_f01(path, " OpenDocument 电子表格（.ods）", "OpenDocument spreadsheet (.ods)")
    assert "LibreOffice" in issue.message_en


def test_xls_written_by_xlwt(tmp_path):
    path = write_xls(tmp_path / "cmp.xls")
    assert ole.stream_names(path) >= {"Workbook", "Root Entry"}
    only_f01(path, "旧版 Excel 97-2003 工作簿（.xls）", "legacy Excel 97-2003 workbook (.xls)")


# ---- compound files by their directory -----------------------------------------------------------

def test_encrypted_xlsx_stays_f02(tmp_path):
    path = write_cfb(tmp_path / "secret.xlsx", {"EncryptionInfo": b"\x04\x00\x04\x00" + b"\x01" * 600,
                                                "EncryptedPackage": b"\x9a" * 1500})
    assert ole.stream_names(path) == {"Root Entry", "EncryptionInfo", "EncryptedPackage"}
    result = check_file(path)
    assert [i.rule for i in result.issues] == ["F02"]
    assert result.issues[0].message_zh.startswith("工作簿已加密")
    assert not re.search(r"\.xls(?!x)", result.issues[0].message)  # no more "or a legacy .xls"


@pytest.mark.parametrize(("streams", "kind"), [
    ({"Book": b"\x09\x08" + b"\0" * 700}, "xls"),  # Excel 5/95
    ({"Workbook": b"\x09\x08" + b"\0" * 700, "\x05SummaryInformation": b"\0" * 100}, "xls"),
    ({"WordDocument": b"\xec\xa5" + b"\0" * 900, "1Table": b"\0" * 100}, "ole"),
])
def test_compound_files_are_told_apart_by_their_streams(tmp_path, streams, kind):
    path = write_cfb(tmp_path / "x.xlsx", streams)
    assert ole.classify(ole.stream_names(path)) == kind
    if kind == "xls":
        only_f01(path, "旧版 Excel 97-2003 工作簿（.xls）", "(.xls)")
    else:
        only_f01(path, " OLE 复合文档", "OLE compound document")


def test_a_damaged_compound_file_falls_back_to_a_byte_search(tmp_path):
    path = tmp_path / "cut.xls"
    path.write_bytes(ole.OLE_MAGIC + b"\0" * 300 + "Workbook".encode("utf-16-le") + b"\0" * 300)
    assert ole.stream_names(path) is None
    only_f01(path, "旧版 Excel 97-2003 工作簿（.xls）", "(.xls)")


def test_other_opendocument_files_are_named(tmp_path):
    path = write_zip(tmp_path / "letter.xlsx", {"mimetype": b"application/vnd.oasis.opendocument.text",
                                                "content.xml": b"<office:document-content/>"})
    issue = only_f01(path, " OpenDocument 文档", "OpenDocument document (application/vnd.oasis.opendocument.text)")
    assert "application/vnd.oasis.opendocument.text" in issue.message_zh


# ---- files written by LibreOffice itself (where soffice is installed) ------------------------------

@pytest.fixture(scope="module")
def soffice_books(tmp_path_factory) -> dict[str, Path]:
    """A valid CMP-1 workbook re-saved by LibreOffice Calc as .ods and .xls."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed: apt-get install libreoffice-calc")
    tmp = tmp_path_factory.mktemp("soffice")
    source = build_cmp(tmp / "cmp.xlsx")
    assert check_file(source).ok
    out = {}
    for fmt in ("ods", "xls"):
        subprocess.run([soffice, "--headless", "--norestore", f"-env:UserInstallation=file://{tmp}/profile",
                        "--convert-to", fmt, "--outdir", str(tmp / fmt), str(source)],
                       check=True, capture_output=True, timeout=180)
        out[fmt] = tmp / fmt / f"cmp.{fmt}"
        assert out[fmt].is_file()
    return out


def test_ods_saved_by_libreoffice(soffice_books):
    only_f01(soffice_books["ods"], " OpenDocument 电子表格（.ods）", "OpenDocument spreadsheet (.ods)")


def test_xls_saved_by_libreoffice(soffice_books):
    assert "Workbook" in ole.stream_names(soffice_books["xls"])
    only_f01(soffice_books["xls"], "旧版 Excel 97-2003 工作簿（.xls）", "legacy Excel 97-2003 workbook (.xls)")
