"""Annotate the institution's own workbook with its issues (openpyxl, never formulas).

Offending cells get a fill and a comment giving the rule ID and message (中文 first, then
English); issues with a row but no column are noted on column A of that row. A ``校验结果`` sheet
is added with the full list, per-rule totals and internal hyperlinks to the cells.

Workbooks whose sheet XML is small are loaded whole (formatting kept, formulas replaced by their
cached values); larger ones are copied row by row with openpyxl read-only → write-only, keeping
values and number formats in constant memory.
"""

from __future__ import annotations

import os
import zipfile
from collections import defaultdict
from collections.abc import Iterable

import openpyxl
from openpyxl.cell import WriteOnlyCell
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.hyperlink import Hyperlink

from supervision.domain.enums import Severity
from supervision.ingest.issues import Issue
from supervision.ingest.template_writer import needs_quote

RESULT_SHEET = "校验结果"
FULL_LOAD_MAX_XML_BYTES = 16 * 1024 * 1024
FILLS = {Severity.BLOCKING: PatternFill("solid", fgColor="FFC7CE"),
         Severity.WARNING: PatternFill("solid", fgColor="FFEB9C"),
         Severity.FINDING: PatternFill("solid", fgColor="DDEBF7")}
SEVERITY_ZH = {Severity.BLOCKING: "阻断 blocking", Severity.WARNING: "警告 warning", Severity.FINDING: "发现 finding"}
HEADERS = ("序号 No.", "规则 Rule", "严重程度 Severity", "工作表 Sheet", "单元格 Cell", "字段 Field",
           "所见值 Value seen", "说明", "Message", "定位 Go to")
COMMENT_MAX = 30_000


def set_text(cell, value: object) -> None:
    """Set ``cell`` to ``value`` as a string cell, never a formula (quote-prefixed when formula-like)."""
    if value is None:
        cell.value = None
        return
    text = str(value)
    cell.value = text
    cell.data_type = "s"
    if needs_quote(text):
        cell.quotePrefix = True


def _by_cell(issues: Iterable[Issue]) -> dict[tuple[str, int, str], list[Issue]]:
    out: dict[tuple[str, int, str], list[Issue]] = defaultdict(list)
    for issue in issues:
        if issue.sheet and issue.row:
            out[(issue.sheet, issue.row, issue.column or "A")].append(issue)
    return out


def _comment_text(items: list[Issue]) -> str:
    text = "\n\n".join(f"[{i.rule}] {i.message_zh}\n{i.message_en}" for i in items)
    return text[:COMMENT_MAX]


def _severity(items: list[Issue]) -> str:
    order = (Severity.BLOCKING, Severity.WARNING, Severity.FINDING)
    return min((i.severity for i in items), key=order.index)


def _unique_name(existing: list[str]) -> str:
    name, n = RESULT_SHEET, 1
    while name in existing:
        n += 1
        name = f"{RESULT_SHEET}{n}"
    return name


def annotate(source: str | os.PathLike[str], issues: Iterable[Issue], target: str | os.PathLike[str], *,
             totals: dict[str, int] | None = None,
             full_load_max_xml_bytes: int = FULL_LOAD_MAX_XML_BYTES) -> None:
    """Write ``source`` annotated with ``issues`` to ``target`` (``totals``: exact counts per rule)."""
    issues = list(issues)
    with zipfile.ZipFile(source) as zf:
        xml = sum(i.file_size for i in zf.infolist() if i.filename.lower().startswith("xl/worksheets/"))
    if xml <= full_load_max_xml_bytes:
        _annotate_full(source, issues, target, totals)
    else:
        _annotate_streaming(source, issues, target, totals)


def _annotate_full(source, issues: list[Issue], target, totals) -> None:
    wb = openpyxl.load_workbook(source, data_only=True, keep_links=False)
    for (sheet, row, column), items in _by_cell(issues).items():
        if sheet not in wb.sheetnames:
            continue
        cell = wb[sheet][f"{column}{row}"]
        cell.fill = FILLS[_severity(items)]
        cell.comment = Comment(_comment_text(items), "大消保校验", width=360, height=160)
    ws = wb.create_sheet(_unique_name(wb.sheetnames))
    _fill_results(ws, issues, totals, set(wb.sheetnames), write_only=False)
    wb.active = wb.index(ws)
    wb.save(target)


def _annotate_streaming(source, issues: list[Issue], target, totals) -> None:
    by_cell = _by_cell(issues)
    src = openpyxl.load_workbook(source, read_only=True, data_only=True, keep_links=False)
    out = openpyxl.Workbook(write_only=True)
    try:
        for ws in src.worksheets:
            ws.reset_dimensions()
            dst = out.create_sheet(ws.title)
            for cells in ws.iter_rows():
                row_out = []
                for cell in cells:
                    if getattr(cell, "value", None) is None and not hasattr(cell, "column_letter"):
                        row_out.append(None)
                        continue
                    wc = WriteOnlyCell(dst, value=None)
                    if isinstance(cell.value, str):
                        set_text(wc, cell.value)
                    else:
                        wc.value = cell.value
                        if cell.value is not None:
                            wc.number_format = cell.number_format
                    items = by_cell.get((ws.title, cell.row, cell.column_letter))
                    if items:
                        wc.fill = FILLS[_severity(items)]
                        wc.comment = Comment(_comment_text(items), "大消保校验", width=360, height=160)
                    row_out.append(wc)
                dst.append(row_out)
        ws_out = out.create_sheet(_unique_name(src.sheetnames))
        _fill_results(ws_out, issues, totals, set(src.sheetnames), write_only=True)
    finally:
        src.close()
    out.save(target)


def _quoted_sheet(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"


def _fill_results(ws, issues: list[Issue], totals: dict[str, int] | None, sheets: set[str], *,
                  write_only: bool) -> None:
    bold = Font(bold=True)
    link_font = Font(color="0563C1", underline="single")
    counts: dict[str, int] = defaultdict(int)
    for issue in issues:
        counts[issue.rule] += 1
    totals = totals or dict(counts)
    rows: list[list[object]] = [["校验结果 / Validation results"],
                                [f"共 {sum(totals.values())} 项 / {sum(totals.values())} issues; "
                                 + "; ".join(f"{r}: {n}" for r, n in sorted(totals.items()))]]
    capped = {r: n for r, n in totals.items() if n > counts.get(r, 0)}
    if capped:
        rows.append(["以下各规则只列出前若干项 / only the first issues of these rules are listed: "
                     + "; ".join(f"{r} {counts.get(r, 0)}/{n}" for r, n in sorted(capped.items()))])
    rows.append([])
    rows.append(list(HEADERS))
    header_row = len(rows)
    for n, issue in enumerate(issues, start=1):
        rows.append([n, issue.rule, SEVERITY_ZH.get(issue.severity, issue.severity), issue.sheet, issue.cell,
                     issue.field, issue.value, issue.message_zh, issue.message_en, issue])
    for r, values in enumerate(rows, start=1):
        out = []
        for c, value in enumerate(values, start=1):
            cell = WriteOnlyCell(ws) if write_only else ws.cell(row=r, column=c)
            if isinstance(value, Issue):
                target = value.cell or (f"A{value.row}" if value.row else "A1")
                if value.sheet in sheets:
                    set_text(cell, "跳转 / go")
                    cell.hyperlink = Hyperlink(ref=cell.coordinate if not write_only else "",
                                               location=f"{_quoted_sheet(value.sheet)}!{target}",
                                               display="跳转 / go")
                    cell.font = link_font
            elif isinstance(value, int):
                cell.value = value
            else:
                set_text(cell, value)
            if r == header_row or r == 1:
                cell.font = bold
            out.append(cell)
        if write_only:
            ws.append(out)
    if not write_only:
        for letter, width in zip("ABCDEFGHIJ", (8, 8, 14, 12, 10, 18, 24, 60, 60, 12), strict=True):
            ws.column_dimensions[letter].width = width
        ws.freeze_panes = f"A{header_row + 1}"
