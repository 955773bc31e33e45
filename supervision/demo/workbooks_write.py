"""Writing generated filings as ``.xlsx`` (XlsxWriter, no formulas), optionally with real filers' mistakes.

Sheet names and header labels come from ``supervision.ingest.templates``; the cover is written as
label/value rows; dates are date cells, numbers numeric cells, booleans ``是``/``否``. ``mistakes``
injects typical errors:

* ``summary_mismatch``: one category's ``received`` in 投诉汇总 is one more than the detail gives
  (the 合计 row is raised too, so only C06 fires, not C05) — blocking;
* ``missing_transfer_ref``: one ``REGULATOR`` row without ``transfer_ref`` (C03) — blocking;
* ``text_dates``: some dates as text ``2026/07/05`` and ``2026年07月05日`` — still valid;
* ``fullwidth_digits``: some numbers as text with full-width digits (``１２３``) or thousands
  separators (``1,234.50``) — still valid;
* ``unknown_column``: an extra ``备注`` column (warning W-COL).

Files are byte-identical for identical input (fixed document creation time).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Collection
from decimal import Decimal
from pathlib import Path

import xlsxwriter

from supervision.demo.workbooks_cmp import CmpFiling, summarise
from supervision.demo.workbooks_dsc import DscFiling
from supervision.ingest.template_writer import WORKBOOK_OPTIONS, SafeWriter
from supervision.ingest.templates import DATE, DECIMAL, INTEGER, TOTAL_LABEL, Sheet, template_for

SUMMARY_MISMATCH = "summary_mismatch"
MISSING_TRANSFER_REF = "missing_transfer_ref"
TEXT_DATES = "text_dates"
FULLWIDTH_DIGITS = "fullwidth_digits"
UNKNOWN_COLUMN = "unknown_column"
DSC_MISTAKES = frozenset({TEXT_DATES, FULLWIDTH_DIGITS, UNKNOWN_COLUMN})
CMP_MISTAKES = DSC_MISTAKES | {SUMMARY_MISMATCH, MISSING_TRANSFER_REF}
#: Header of the column added by ``unknown_column`` (not a field of any template).
EXTRA_COLUMN = "备注"
_FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def _check(mistakes: Collection[str], allowed: frozenset[str], kind: str) -> frozenset[str]:
    unknown = set(mistakes) - allowed
    if unknown:
        raise ValueError(f"mistakes not available for {kind}: {sorted(unknown)} (choose from {sorted(allowed)})")
    return frozenset(mistakes)


def _plain(value: int | Decimal) -> str:
    return format(value, "f") if isinstance(value, Decimal) else str(value)


def _thousands(value: int | Decimal) -> str:
    whole, _, frac = _plain(value).partition(".")
    return f"{int(whole):,}" + (f".{frac}" if frac else "")


def _as_filed(sheet: Sheet, code: str, index: int, value: object, mistakes: frozenset[str]) -> object:
    """The value as a careless filer writes it: some dates and numbers turned into text."""
    if value is None or isinstance(value, bool):
        return value
    kind = sheet.get_field(code).type
    if TEXT_DATES in mistakes and kind == DATE and isinstance(value, dt.date):
        if index % 3 == 1:
            return f"{value.year:04d}/{value.month:02d}/{value.day:02d}"
        if index % 3 == 2:
            return f"{value.year:04d}年{value.month:02d}月{value.day:02d}日"
    if FULLWIDTH_DIGITS in mistakes and kind in (INTEGER, DECIMAL) and isinstance(value, int | Decimal):
        if index % 3 == 0:
            return _plain(value).translate(_FULLWIDTH)
        if index % 3 == 1:
            return _thousands(value)
    return value


class _Book:
    """An XlsxWriter workbook that writes typed values safely (strings never become formulas)."""

    def __init__(self, path: str | os.PathLike[str], created: dt.date) -> None:
        self.wb = xlsxwriter.Workbook(str(path), dict(WORKBOOK_OPTIONS))
        self.wb.set_properties({"created": dt.datetime.combine(created, dt.time(9, 0)), "author": "demo"})
        self.safe = SafeWriter(self.wb)
        self.head = self.wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
        self.date = self.wb.add_format({"num_format": "yyyy-mm-dd"})
        self.number = self.wb.add_format({"num_format": "#,##0.##"})

    def cell(self, ws, row: int, col: int, value: object) -> None:
        """Write one typed value (None leaves the cell empty)."""
        if value is None:
            return
        if isinstance(value, bool):
            self.safe.text(ws, row, col, "是" if value else "否")
        elif isinstance(value, dt.date):
            ws.write_datetime(row, col, value, self.date)
        elif isinstance(value, int | Decimal | float):
            ws.write_number(row, col, float(value) if isinstance(value, Decimal) else value, self.number)
        else:
            self.safe.text(ws, row, col, str(value))

    def cover(self, sheet: Sheet, values: dict[str, object], mistakes: frozenset[str]) -> None:
        """Write the cover as label/value rows (column A label, column B value)."""
        ws = self.wb.add_worksheet(sheet.name)
        ws.set_column(0, 0, 18)
        ws.set_column(1, 1, 40)
        for index, f in enumerate(sheet.fields):
            ws.write_string(index, 0, f.label_zh, self.head)
            self.cell(ws, index, 1, _as_filed(sheet, f.code, index, values.get(f.code), mistakes))

    def table(self, sheet: Sheet, rows: list[dict[str, object]], mistakes: frozenset[str],
              extra: dict[int, str] | None = None) -> None:
        """Write a table sheet: Chinese header labels in row 1, one row per dict; ``extra`` adds 备注."""
        ws = self.wb.add_worksheet(sheet.name)
        for col, f in enumerate(sheet.fields):
            ws.write_string(0, col, f.label_zh, self.head)
            ws.set_column(col, col, f.width)
        if extra is not None:
            ws.write_string(0, len(sheet.fields), EXTRA_COLUMN, self.head)
        ws.freeze_panes(1, 0)
        for index, row in enumerate(rows):
            for col, f in enumerate(sheet.fields):
                self.cell(ws, index + 1, col, _as_filed(sheet, f.code, index, row.get(f.code), mistakes))
            if extra and index in extra:
                self.safe.text(ws, index + 1, len(sheet.fields), extra[index])

    def close(self) -> None:
        """Write the file."""
        self.wb.close()


def _notes(count: int) -> dict[int, str]:
    return {i: ("已回访" if i % 2 else "待复核") for i in range(0, count, 4)}


def _drop_transfer_ref(rows: list[dict[str, object]], start: dt.date) -> None:
    target = next((r for r in rows if r["source"] == "REGULATOR"), None)
    if target is None:
        target = next((r for r in rows if r["received_date"] >= start), None)
        if target is None:
            raise ValueError("missing_transfer_ref needs a complaint received in the period")
        target["source"] = "REGULATOR"
    target["transfer_ref"] = None


def _off_by_one(summary: list[dict[str, object]]) -> None:
    categories = [s for s in summary if s["business_category"] != TOTAL_LABEL]
    if not categories:
        raise ValueError("summary_mismatch needs at least one category row")
    target = max(categories, key=lambda s: (s["received"], s["business_category"]))
    target["received"] += 1
    for s in summary:
        if s["business_category"] == TOTAL_LABEL:
            s["received"] += 1


def write_cmp(path: str | os.PathLike[str], filing: CmpFiling, mistakes: Collection[str] = frozenset()) -> Path:
    """Write ``filing`` as a ``CMP-1`` workbook at ``path`` with the given ``mistakes``; return the path."""
    mistakes = _check(mistakes, CMP_MISTAKES, "CMP")
    template = template_for("CMP")
    rows = [dict(r) for r in filing.rows]
    summary = [dict(s) for s in filing.summary]
    if MISSING_TRANSFER_REF in mistakes:
        _drop_transfer_ref(rows, filing.period.start)
        summary = summarise(rows, filing.period.start)
    if SUMMARY_MISMATCH in mistakes:
        _off_by_one(summary)
    book = _Book(path, filing.period.end + dt.timedelta(days=10))
    book.cover(template.sheet("cover"), filing.cover, mistakes)
    book.table(template.sheet("detail"), rows, mistakes, _notes(len(rows)) if UNKNOWN_COLUMN in mistakes else None)
    book.table(template.sheet("summary"), summary, mistakes)
    book.close()
    return Path(path)


def write_dsc(path: str | os.PathLike[str], filing: DscFiling, mistakes: Collection[str] = frozenset()) -> Path:
    """Write ``filing`` as a ``DSC-1`` workbook at ``path`` with the given ``mistakes``; return the path.

    Only ``text_dates``, ``fullwidth_digits`` and ``unknown_column`` (on 产品定价) apply to DSC.
    """
    mistakes = _check(mistakes, DSC_MISTAKES, "DSC")
    template = template_for("DSC")
    book = _Book(path, filing.period.end + dt.timedelta(days=10))
    book.cover(template.sheet("cover"), filing.cover, mistakes)
    book.table(template.sheet("products"), filing.products, mistakes,
               _notes(len(filing.products)) if UNKNOWN_COLUMN in mistakes else None)
    book.table(template.sheet("channels"), filing.channels, mistakes)
    book.table(template.sheet("partners"), filing.partners, mistakes)
    book.table(template.sheet("activities"), filing.activities, mistakes)
    book.close()
    return Path(path)
