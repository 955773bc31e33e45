"""Builders of real workbooks for the ingest tests: valid filings (openpyxl), raw zip parts, compound
files (MS-CFB) and the non-OOXML formats people upload (.ods by odfpy, .xls by xlwt)."""

from __future__ import annotations

import datetime as dt
import struct
import zipfile
from collections import Counter, defaultdict
from contextlib import contextmanager
from pathlib import Path

import openpyxl

from supervision.ingest import ole
from supervision.ingest.guards import check_file
from supervision.ingest.reader import open_workbook
from supervision.ingest.templates import template_for
from supervision.ingest.validate import validate

INST = "91350100M000100Y43"
INST_NAME = "测试消费金融有限公司"
PERIOD, START, END = "2024Q1", dt.date(2024, 1, 1), dt.date(2024, 3, 31)
CMP = template_for("CMP")
DSC = template_for("DSC")


def detail_row(**overrides) -> dict:
    """A valid CLOSED complaint received and closed in 2024Q1; ``overrides`` replace fields."""
    row = {"complaint_id": "CMP-0001", "received_date": dt.date(2024, 1, 5), "source": "DIRECT",
           "transfer_ref": None, "channel": "A05", "business_category": "B14", "cause": "C02",
           "complaint_type": "SVC", "transactions_involved": None, "product_code": "P1", "province": "11",
           "customer_group": "NONE", "amount": 1200, "status": "CLOSED", "closed_date": dt.date(2024, 1, 12),
           "extension": "NONE", "outcome": "UPHELD", "redress": 50, "escalated": False, "repeat_of": None,
           "summary": "扣费异常"}
    row.update(overrides)
    return row


def summary_from(rows: list[dict]) -> dict[str, dict[str, int]]:
    """Compute the 投诉汇总 figures (§4.3) a correct filer would report for ``rows``."""
    per: dict[str, Counter] = defaultdict(Counter)
    for r in rows:
        c = per[r["business_category"]]
        carried = r["received_date"] < START
        if not carried:
            c["received"] += 1
            c["regulator_transferred"] += r["source"] == "REGULATOR"
        if r["status"] == "CLOSED":
            c["closed"] += 1
            days = (r["closed_date"] - r["received_date"]).days
            c["closed_on_time"] += days <= {"NONE": 15, "EXT30": 30, "EXT60": 60}[r["extension"]]
        else:
            c["open_end"] += 1
    return {k: dict(v) for k, v in per.items()}


SUMMARY_COLS = ("received", "closed", "closed_on_time", "open_end", "regulator_transferred")


def cover_values(**overrides) -> dict:
    """Valid cover values for a CF institution's CMP filing."""
    values = {"template_version": "CMP-1", "institution_code": INST, "institution_name": INST_NAME,
              "period": PERIOD, "active_customers": 250000, "business_volume": "12.5", "transactions": None,
              "preparer": "张三", "phone": "010-12345678"}
    values.update(overrides)
    return values


def build_cmp(path: Path, rows: list[dict] | None = None, *, cover: dict | None = None,
              summary: dict | None = None, total: dict | None = None, headers: list[str] | None = None,
              skip_sheets: tuple[str, ...] = ()) -> Path:
    """Write a CMP workbook with openpyxl: cover, detail ``rows`` and a matching summary (overridable)."""
    rows = [detail_row()] if rows is None else rows
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    if "封面" not in skip_sheets:
        ws = wb.create_sheet("封面")
        for f in CMP.sheet("cover").fields:
            value = (cover or cover_values()).get(f.code)
            ws.append([f.label_zh, value])
    fields = [f.code for f in CMP.sheet("detail").fields]
    if "投诉明细" not in skip_sheets:
        ws = wb.create_sheet("投诉明细")
        labels = {f.code: f.label_zh for f in CMP.sheet("detail").fields}
        ws.append(headers or [labels[c] for c in fields])
        codes = headers and [CMP.sheet("detail").match(h).code if CMP.sheet("detail").match(h) else None
                             for h in headers]
        for r in rows:
            ws.append([r.get(c) for c in (codes or fields)])
    if "投诉汇总" not in skip_sheets:
        ws = wb.create_sheet("投诉汇总")
        ws.append(["业务类别", "本期受理", "本期办结", "按时办结", "期末未办结", "监管转办"])
        figures = summary if summary is not None else summary_from(rows)
        sums = Counter()
        for cat, vals in figures.items():
            ws.append([cat] + [vals.get(c, 0) for c in SUMMARY_COLS])
            sums.update({c: vals.get(c, 0) for c in SUMMARY_COLS})
        tot = total if total is not None else sums
        ws.append(["合计"] + [tot.get(c, 0) for c in SUMMARY_COLS])
    wb.save(path)
    return path


@contextmanager
def validated(path: Path, kind: str = "CMP", sector: str = "CF", **kw):
    """Guard, open and validate ``path``; yield the result with the workbook still open."""
    guard = check_file(path)
    assert guard.ok, [i.message_en for i in guard.issues]
    with open_workbook(path, guard=guard) as book:
        yield validate(book, kind=kind, institution_code=INST, period=PERIOD, period_start=START,
                       period_end=END, sector=sector, registered_names=kw.pop("names", [INST_NAME]), **kw)


def where(result, rule: str) -> list[tuple[str | None, int | None, str | None]]:
    """The (sheet, row, column) of every kept issue of ``rule``."""
    return [(i.sheet, i.row, i.column) for i in result.issues if i.rule == rule]


# ---- raw OOXML parts for hostile files -------------------------------------------------------

CT = (b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
      b'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
      b'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/'
      b'workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
      b'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
      b'officedocument.spreadsheetml.worksheet+xml"/></Types>')
RELS = (b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
        b'2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        b'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
WORKBOOK = (b'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/'
            b'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            b'<sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>')
WB_RELS = (b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
           b'2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
           b'relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://'
           b'schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
           b'</Relationships>')
NS = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def sheet_xml(cells: bytes, dimension: str | None = "A1:A1") -> bytes:
    """A worksheet part with ``cells`` (``<row>`` elements) and an optional ``<dimension>``."""
    dim = f'<dimension ref="{dimension}"/>'.encode() if dimension else b""
    return b'<?xml version="1.0" encoding="UTF-8"?><worksheet ' + NS + b">" + dim + b"<sheetData>" + cells + \
        b"</sheetData></worksheet>"


def shared_xml(*strings: str) -> bytes:
    """A sharedStrings part holding ``strings``."""
    body = "".join(f"<si><t>{s}</t></si>" for s in strings).encode()
    return b'<?xml version="1.0" encoding="UTF-8"?><sst ' + NS + b">" + body + b"</sst>"


def parts(**overrides: bytes | None) -> dict[str, bytes]:
    """The parts of a minimal valid workbook (one sheet ``S`` with A1 = 1).

    Keyword names use ``__`` for ``/`` and end in ``_xml``; ``CT`` is ``[Content_Types].xml``.
    """
    out = {"[Content_Types].xml": CT, "_rels/.rels": RELS, "xl/workbook.xml": WORKBOOK,
           "xl/_rels/workbook.xml.rels": WB_RELS,
           "xl/worksheets/sheet1.xml": sheet_xml(b'<row r="1"><c r="A1"><v>1</v></c></row>'),
           "xl/sharedStrings.xml": shared_xml("x")}
    for key, value in overrides.items():
        name = "[Content_Types].xml" if key == "CT" else key.replace("__", "/").removesuffix("_xml") + ".xml"
        if value is None:
            out.pop(name, None)
        else:
            out[name] = value
    return out


def write_zip(path: Path, content: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> Path:
    """Write ``content`` (part name → bytes) as a zip at ``path``."""
    with zipfile.ZipFile(path, "w", method) as zf:
        for name, data in content.items():
            zf.writestr(name, data)
    return path


def product_row(**overrides) -> dict:
    """A valid consumer-loan product row of the 产品定价 sheet."""
    row = {"product_code": "P1", "product_name": "随借随还", "product_type": "CONSUMER_LOAN", "apr_min": "7.2",
           "apr_max": "23.9", "fee_items": "无", "auto_deduction": "是", "deduction_notice": "是",
           "disclosure_channels": "WEB,APP", "disclosure_url": "https://example.cn/p1", "status": "ON_SALE"}
    row.update(overrides)
    return row


def build_dsc(path: Path, products: list[dict] | None = None, *, cover: dict | None = None) -> Path:
    """Write a valid DSC workbook (one product, two channels, one partner, four activities)."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    ws = wb.create_sheet("封面")
    values = cover or cover_values(template_version="DSC-1")
    for f in DSC.sheet("cover").fields:
        ws.append([f.label_zh, values.get(f.code)])
    tables = {
        "products": products if products is not None else [product_row()],
        "channels": [{"channel_type": "HOTLINE", "contact": "400-000-0000", "service_hours": "7x24",
                      "accessible": "是", "elderly_friendly": "是"},
                     {"channel_type": "APP", "contact": "App 在线客服", "service_hours": "9:00-21:00",
                      "accessible": "否", "elderly_friendly": "是"}],
        "partners": [{"partner_type": "COLLECTION", "partner_name": "某催收公司", "partner_code": "914403001922038216",
                      "contract_start": dt.date(2023, 6, 1), "contract_end": None, "published": "是"}],
        "activities": [{"item": k, "value": n} for k, n in (("education_events", 12), ("education_reach", 30000),
                                                          ("accessibility_improvements", 3),
                                                          ("vulnerable_services", 2))],
    }
    for code, rows in tables.items():
        sheet = DSC.sheet(code)
        ws = wb.create_sheet(sheet.name)
        ws.append([f.label_zh for f in sheet.fields])
        for r in rows:
            ws.append([r.get(f.code) for f in sheet.fields])
    wb.save(path)
    return path


def write_cfb(path: Path, streams: dict[str, bytes]) -> Path:
    """A minimal valid compound file (MS-CFB v3, 512-byte sectors) holding ``streams`` (each stored in
    regular sectors; the platform reads only the directory)."""
    sector = 512
    entries = [("Root Entry", 5, b"")] + [(name, 2, data) for name, data in streams.items()]
    dir_sectors = (len(entries) + 3) // 4
    data_start = 1 + dir_sectors
    fat = [0xFFFFFFFD] + [i + 2 for i in range(dir_sectors - 1)] + [0xFFFFFFFE]
    blobs, starts, nxt = [], [], data_start
    for _name, _kind, data in entries[1:]:
        count = max(1, -(-len(data) // sector))
        starts.append(nxt)
        fat += [nxt + i + 1 for i in range(count - 1)] + [0xFFFFFFFE]
        blobs.append(data.ljust(count * sector, b"\0"))
        nxt += count
    if len(fat) > sector // 4:
        raise ValueError("too much data for one FAT sector")
    fat += [0xFFFFFFFF] * (sector // 4 - len(fat))
    directory = b""
    for n, (name, kind, data) in enumerate(entries):
        encoded = name.encode("utf-16-le") + b"\0\0"
        child = 1 if n == 0 and len(entries) > 1 else 0xFFFFFFFF
        right = n + 1 if 0 < n < len(entries) - 1 else 0xFFFFFFFF
        start = starts[n - 1] if n else 0xFFFFFFFE
        directory += (encoded.ljust(64, b"\0") + struct.pack("<HBB3I", len(encoded), kind, 1, 0xFFFFFFFF, right,
                                                                 child)
                      + b"\0" * 36 + struct.pack("<IQ", start, len(data)))
    directory = directory.ljust(dir_sectors * sector, b"\0")
    header = (ole.OLE_MAGIC + b"\0" * 16 + struct.pack("<5H", 0x3E, 3, 0xFFFE, 9, 6) + b"\0" * 6
              + struct.pack("<9I", 0, 1, 1, 0, 4096, 0xFFFFFFFE, 0, 0xFFFFFFFE, 0)
              + struct.pack("<109I", 0, *[0xFFFFFFFF] * 108))
    assert len(header) == sector
    path.write_bytes(header + struct.pack(f"<{sector // 4}I", *fat) + directory + b"".join(blobs))
    return path


def write_ods(path: Path) -> Path:
    """An OpenDocument spreadsheet with the CMP-1 sheet names, written by odfpy."""
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    doc = OpenDocumentSpreadsheet()
    for name, cells in (("封面", ["模板版本", "CMP-1"]), ("投诉明细", ["投诉编号", "受理日期"])):
        table, row = Table(name=name), TableRow()
        for value in cells:
            cell = TableCell()
            cell.addElement(P(text=value))
            row.addElement(cell)
        table.addElement(row)
        doc.spreadsheet.addElement(table)
    doc.save(str(path))
    return path


def write_xls(path: Path) -> Path:
    """A legacy Excel 97-2003 workbook with the CMP-1 sheet names, written by xlwt."""
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    for name in ("封面", "投诉明细", "投诉汇总"):
        sheet = book.add_sheet(name)
        sheet.write(0, 0, "投诉编号" if name != "封面" else "模板版本")
        sheet.write(0, 1, "CMP-1")
    book.save(str(path))
    return path
