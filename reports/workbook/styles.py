"""Cell formats and table helpers shared by the summary workbook and the feedback sheet."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import xlsxwriter

from reports.workbook.columns import KIND_FORMATS
from reports.workbook.safe import WORKBOOK_OPTIONS, CellWriter

FONT = "等线"


class Styles:
    """The formats of one workbook: a plain and a bold variant of every column kind, headers, titles."""

    def __init__(self, workbook: Any) -> None:
        """Create the formats in ``workbook``."""
        base = {"font_name": FONT, "font_size": 10, "valign": "vcenter"}
        self.workbook = workbook
        self.run = workbook.add_format({"font_name": FONT, "font_size": 10})
        self.header = workbook.add_format(
            {**base, "bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "align": "center"}
        )
        self.title = workbook.add_format({**base, "bold": True, "font_size": 14})
        self.subtitle = workbook.add_format({**base, "bold": True, "font_size": 11})
        self.note = workbook.add_format({**base, "font_color": "#595959", "text_wrap": True})
        self.kinds: dict[str, Any] = {}
        self.bold_kinds: dict[str, Any] = {}
        for kind, num_format in KIND_FORMATS.items():
            extra = {"num_format": num_format} if num_format else {}
            # Plain text uses the workbook's default format (same font): cheaper cells.
            self.kinds[kind] = workbook.add_format({**base, **extra}) if num_format else None
            self.bold_kinds[kind] = workbook.add_format({**base, **extra, "bold": True, "bg_color": "#F2F2F2"})

    def of(self, kind: str, *, bold: bool = False) -> Any:
        """The format of a column kind (``text``, ``int``, ``dec2``…), optionally bold (totals, medians)."""
        return (self.bold_kinds if bold else self.kinds)[kind]

    def writer(self, worksheet: Any) -> CellWriter:
        """A :class:`CellWriter` for ``worksheet`` using this workbook's rich-run format."""
        return CellWriter(worksheet, self.run)


def new_workbook(target: Any, title: str, author: str, created: Any) -> Any:
    """Open an xlsxwriter workbook with :data:`WORKBOOK_OPTIONS` and fixed document properties.

    The creation date is the export's ``generated_at`` (not "now"), so the same input gives the same
    bytes and the same SHA-256.
    """
    options = {**WORKBOOK_OPTIONS, "default_format_properties": {"font_name": FONT, "font_size": 10}}
    workbook = xlsxwriter.Workbook(target, options)
    workbook.set_properties({"title": title, "author": author, "created": created})
    return workbook


def write_header(
    writer: CellWriter,
    styles: Styles,
    row: int,
    headers: Sequence[str],
    widths: Iterable[float] | None = None,
) -> None:
    """Write a header row (and, when given, set the column widths)."""
    if widths is not None:
        for col, width in enumerate(widths):
            writer.worksheet.set_column(col, col, width)
    writer.worksheet.set_row(row, 30)
    for col, header in enumerate(headers):
        writer.text(row, col, header, styles.header)


def write_values(
    writer: CellWriter,
    styles: Styles,
    row: int,
    values: Sequence[Any],
    kinds: Sequence[str],
    *,
    bold: bool = False,
) -> None:
    """Write one data row; ``kinds`` gives each column's kind (and so its number format).

    An empty value of a plain row writes no cell at all (the same as a blank cell, and much cheaper
    for big sheets); on a bold row (totals, medians) it writes a formatted blank to keep the shading.
    """
    for col, (value, kind) in enumerate(zip(values, kinds, strict=True)):
        if value is None and not bold:
            continue
        if kind == "text":
            writer.text(row, col, value, styles.of(kind, bold=bold))
        else:
            writer.number(row, col, value, styles.of(kind, bold=bold))


def table_sheet(
    workbook: Any,
    styles: Styles,
    name: str,
    headers: Sequence[str],
    kinds: Sequence[str],
    widths: Sequence[float],
    rows: Iterable[Sequence[Any]],
    *,
    freeze_cols: int = 0,
) -> int:
    """A sheet holding one table: header row frozen, autofilter over the table. Returns the data rows."""
    sheet = workbook.add_worksheet(name)
    writer = styles.writer(sheet)
    write_header(writer, styles, 0, headers, widths)
    count = 0
    for count, values in enumerate(rows, start=1):
        write_values(writer, styles, count, values, kinds)
    sheet.freeze_panes(1, freeze_cols)
    sheet.autofilter(0, 0, count, len(headers) - 1)
    return count
