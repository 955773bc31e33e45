"""Generate the downloadable filing template from the declarative definition (XlsxWriter, no formulas).

The workbook has the template's sheets in order — the cover prefilled with template version,
institution code and name and period; data sheets with Chinese headers, text/date/number column
formats, drop-downs for code and yes/no fields, and input help — plus a short ``填报说明`` sheet
and a hidden ``代码表`` sheet holding every code list used by the drop-downs.
"""

from __future__ import annotations

import datetime as dt
import os
from typing import IO

import xlsxwriter

from supervision.ingest.cells import column_letter
from supervision.ingest.templates import (
    BOOL,
    CODE,
    CODELISTS,
    CODES,
    DATE,
    DECIMAL,
    INTEGER,
    TYPE_NAMES,
    Sheet,
    template_for,
)

CODE_SHEET = "代码表"
HELP_SHEET = "填报说明"
DATA_ROWS = 1_000_000
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
WORKBOOK_OPTIONS = {"strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False}


def needs_quote(text: str) -> bool:
    """True when a spreadsheet could take ``text`` for a formula (starts with = + - @ tab or CR)."""
    return text.startswith(_FORMULA_START)


class SafeWriter:
    """Write cells that are never formulas: text as strings, quote-prefixed when formula-like."""

    def __init__(self, wb: xlsxwriter.Workbook) -> None:
        """Create the formats used for text on ``wb``."""
        self.wb = wb
        self._quote: dict[int, object] = {}

    def text(self, ws, row: int, col: int, value: object, fmt=None) -> None:
        """Write ``value`` as a string cell (or blank for None)."""
        if value is None:
            ws.write_blank(row, col, None, fmt)
            return
        text = str(value)
        if needs_quote(text):
            fmt = self._quoted(fmt)
        ws.write_string(row, col, text, fmt)

    def _quoted(self, fmt):
        key = id(fmt)
        if key not in self._quote:
            props = {"quote_prefix": True}
            if fmt is not None:
                props.update({"text_wrap": getattr(fmt, "text_wrap", False)})
            self._quote[key] = self.wb.add_format(props)
        return self._quote[key]


def write_template(target: str | os.PathLike[str] | IO[bytes], kind: str, institution_code: str = "",
                   institution_name: str = "", period: str = "") -> None:
    """Write the current ``kind`` template (``CMP``/``DSC``/``REG``) to ``target``, cover prefilled."""
    template = template_for(kind)
    options = dict(WORKBOOK_OPTIONS)
    if not isinstance(target, str | os.PathLike):
        options["in_memory"] = True
    wb = xlsxwriter.Workbook(target, options)
    safe = SafeWriter(wb)
    fmt = {
        "head": wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True,
                               "valign": "vcenter"}),
        "req": wb.add_format({"bold": True, "bg_color": "#FCE4D6", "border": 1, "text_wrap": True,
                              "valign": "vcenter", "font_color": "#C00000"}),
        "text": wb.add_format({"num_format": "@"}),
        "date": wb.add_format({"num_format": "yyyy-mm-dd"}),
        "int": wb.add_format({"num_format": "0"}),
        "dec": wb.add_format({"num_format": "0.00########"}),
        "wrap": wb.add_format({"text_wrap": True, "valign": "top"}),
        "label": wb.add_format({"bold": True}),
    }
    ranges = _code_sheet_ranges(template)
    prefill = {"template_version": template.version, "institution_code": institution_code,
               "institution_name": institution_name, "period": period}
    for sheet in template.sheets:
        ws = wb.add_worksheet(sheet.name)
        if sheet.layout == "cover":
            _write_cover(ws, sheet, safe, fmt, prefill)
        else:
            _write_table(ws, sheet, safe, fmt, ranges)
    _write_help(wb.add_worksheet(HELP_SHEET), template, safe, fmt)
    _write_codes(wb.add_worksheet(CODE_SHEET), template, safe, fmt)
    wb.worksheets()[0].activate()
    wb.close()


def _code_lists(template) -> list[str]:
    names: list[str] = []
    for sheet in template.sheets:
        for f in sheet.fields:
            if f.type in (CODE, CODES) and f.code_list not in names:
                names.append(f.code_list)
    return names


def _code_sheet_ranges(template) -> dict[str, str]:
    ranges = {}
    for i, name in enumerate(_code_lists(template)):
        n = len(CODELISTS[name].codes)
        col = _col(2 * i + 1)
        ranges[name] = f"='{CODE_SHEET}'!${col}$2:${col}${n + 1}"
    return ranges


def _col(index: int) -> str:
    return column_letter(index + 1)


def _write_cover(ws, sheet: Sheet, safe: SafeWriter, fmt: dict, prefill: dict[str, str]) -> None:
    ws.set_column(0, 0, 18)
    ws.set_column(1, 1, 34, fmt["text"])
    ws.set_column(2, 2, 60)
    for r, f in enumerate(sheet.fields):
        safe.text(ws, r, 0, f.label_zh, fmt["req"] if f.required else fmt["label"])
        value = prefill.get(f.code)
        if value:
            safe.text(ws, r, 1, value, fmt["text"])
        help_text = " / ".join(x for x in (f.help_zh, f.help_en) if x) or TYPE_NAMES[f.type][0]
        safe.text(ws, r, 2, f"{f.code}：{help_text}")


def _write_table(ws, sheet: Sheet, safe: SafeWriter, fmt: dict, ranges: dict[str, str]) -> None:
    ws.freeze_panes(1, 0)
    ws.set_row(0, 30)
    last = DATA_ROWS
    for c, f in enumerate(sheet.fields):
        col_fmt = {DATE: fmt["date"], INTEGER: fmt["int"], DECIMAL: fmt["dec"]}.get(f.type, fmt["text"])
        ws.set_column(c, c, max(f.width, len(f.label_zh) * 2 + 2), col_fmt)
        safe.text(ws, 0, c, f.label_zh, fmt["req"] if f.needs_column else fmt["head"])
        help_zh = f.help_zh or TYPE_NAMES[f.type][0]
        dv: dict[str, object] = {"input_title": f.label_zh[:32], "input_message": f"{f.code}：{help_zh}"[:255],
                                 "ignore_blank": True}
        if f.type == CODE:
            dv.update(validate="list", source=ranges[f.code_list], error_type="warning",
                      error_message="请从下拉列表选择，或填写代码 / pick from the list or type the code")
        elif f.type == BOOL:
            dv.update(validate="list", source=["是", "否"])
        elif f.type in (INTEGER, DECIMAL) and f.minimum is not None:
            dv.update(validate="integer" if f.type == INTEGER else "decimal", criteria=">=", value=f.minimum,
                      error_type="warning")
        elif f.type == DATE:
            dv.update(validate="date", criteria="between", minimum=dt.date(1900, 3, 1),
                      maximum=dt.date(9999, 12, 31), error_type="warning")
        else:
            dv.update(validate="any")
        ws.data_validation(1, c, last, c, dv)
    ws.autofilter(0, 0, 0, len(sheet.fields) - 1)


def _write_help(ws, template, safe: SafeWriter, fmt: dict) -> None:
    lines = [
        f"{template.title_zh}（{template.version}）填报说明 / {template.title_en} ({template.version}) guide",
        "1. 封面：A 列为项目，B 列填写内容；模板版本、机构代码、报送期须与本次报送一致。",
        "2. 各数据表第 1 行为表头，可按中文名称或字段代码识别，列顺序不限；红色表头为必需列。",
        "3. 日期填写为日期单元格，或文本 YYYY-MM-DD、YYYY/MM/DD、YYYY年MM月DD日。",
        "4. 数字只能包含数字、小数点和千分位逗号（如 1,234.56）；不接受公式（须有计算结果）。",
        "5. 代码字段可填写代码或中文名称（见下拉列表）；是/否字段填写 是/否、Y/N、TRUE/FALSE 或 1/0。",
        "6. 投诉摘要中的手机号、身份证号将被自动脱敏；请勿填写其他个人敏感信息。",
        "7. 文件须为未加密、不含宏的 .xlsx，不超过 100 MiB，每表不超过 1,000,000 行、100 列。",
        "Headers may be Chinese labels or field codes in any order; codes or their Chinese names are accepted.",
    ]
    ws.set_column(0, 0, 110, fmt["wrap"])
    for r, line in enumerate(lines):
        safe.text(ws, r, 0, line, fmt["label"] if r == 0 else fmt["wrap"])
    r = len(lines) + 1
    for sheet in template.sheets:
        safe.text(ws, r, 0, f"【{sheet.name}】 {sheet.name_en}", fmt["label"])
        r += 1
        for f in sheet.fields:
            need = "必填" if f.required else ("条件必填：" + f.condition if f.condition else "选填")
            extra = f"；最长 {f.max_length} 字" if f.max_length else ""
            safe.text(ws, r, 0, f"{f.label_zh}（{f.code}，{TYPE_NAMES[f.type][0]}，{need}{extra}）"
                                f"{('：' + f.help_zh) if f.help_zh else ''}", fmt["wrap"])
            r += 1


def _write_codes(ws, template, safe: SafeWriter, fmt: dict) -> None:
    for i, name in enumerate(_code_lists(template)):
        codes = CODELISTS[name].codes
        safe.text(ws, 0, 2 * i, f"{name} 代码", fmt["label"])
        safe.text(ws, 0, 2 * i + 1, f"{name} 名称", fmt["label"])
        for r, (code, label) in enumerate(codes.items(), start=1):
            safe.text(ws, r, 2 * i, code)
            safe.text(ws, r, 2 * i + 1, label)
        ws.set_column(2 * i, 2 * i + 1, 16)
    ws.hide()
