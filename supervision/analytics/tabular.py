"""CSV and XLSX bodies of a shown table through the formula-safe writers (§9: no cell is ever a
formula): text cells are written as text, numbers as numbers with their shown decimals."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import xlsxwriter

from reports.workbook.safe import WORKBOOK_OPTIONS, CellWriter, csv_text


def csv_body(rows: list[list]) -> bytes:
    """UTF-8 CSV with a BOM (Excel opens it as Unicode); text cells neutralised by :func:`csv_text`."""
    out = io.StringIO()
    out.write("\ufeff")
    w = csv.writer(out)
    for row in rows:
        w.writerow([csv_text(v) if isinstance(v, str) else ("" if v is None else str(v)) for v in row])
    return out.getvalue().encode("utf-8")


def xlsx_body(rows: list[list], sheet_name: str, text_columns: int = 1) -> bytes:
    """XLSX of ``rows`` (the first is the header; the first ``text_columns`` columns are text, the
    others numbers: ``int`` whole, ``Decimal`` with 2 decimals, ``None`` empty)."""
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {**WORKBOOK_OPTIONS, "constant_memory": False})
    sheet = book.add_worksheet(sheet_name[:31])
    bold = book.add_format({"bold": True})
    writer = CellWriter(sheet, book.add_format())
    whole, two = book.add_format({"num_format": "0"}), book.add_format({"num_format": "0.00"})
    for i, row in enumerate(rows):
        for j, v in enumerate(row):
            if i == 0 or j < text_columns or isinstance(v, str):
                writer.text(i, j, v, bold if i == 0 else None)
            else:
                writer.number(i, j, v, whole if isinstance(v, int) else two)
    sheet.freeze_panes(1, text_columns)
    sheet.set_column(0, text_columns - 1, 20)
    book.close()
    return buf.getvalue()


def as_number(display: str | None) -> Decimal | int | None:
    """A shown number text (``"12"``, ``"3.50"``) as the number an XLSX cell holds."""
    if display is None:
        return None
    return int(display) if "." not in display else Decimal(display)
