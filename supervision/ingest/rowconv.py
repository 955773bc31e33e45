"""Header matching (V07, W-COL) and field-by-field row conversion (V01, V02, V03, V05) for table sheets."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from supervision.ingest import values as conv
from supervision.ingest.cells import column_letter
from supervision.ingest.issues import IssueCollector
from supervision.ingest.pii import mask_pii
from supervision.ingest.templates import BOOL, CODE, CODES, DATE, DECIMAL, INTEGER, TEXT, USCC, Field, Sheet
from supervision.rules.uscc import is_valid_uscc, is_well_formed, uscc_check_char


@dataclass
class ColumnMap:
    """Which 0-based column holds which field, and the required fields with no column."""

    columns: list[tuple[int, Field]]
    missing: list[Field]

    def has(self, code: str) -> bool:
        """True when the field ``code`` has a column."""
        return any(f.code == code for _, f in self.columns)

    def letter(self, code: str) -> str | None:
        """The column letter of field ``code`` (None when absent)."""
        for index, f in self.columns:
            if f.code == code:
                return column_letter(index + 1)
        return None


def map_header(sheet: Sheet, header: list[object] | None, issues: IssueCollector) -> ColumnMap:
    """Match row 1 against ``sheet``'s fields; report unknown/duplicate columns and missing ones."""
    columns: list[tuple[int, Field]] = []
    seen: dict[str, int] = {}
    for index, cell in enumerate(header or []):
        if conv.is_blank(cell):
            continue
        f = sheet.match(cell)
        text = conv.nfkc(str(cell))
        letter = column_letter(index + 1)
        if f is None:
            issues.report("W-COL", sheet=sheet.name, row=1, column=letter, value=text, header=text)
        elif f.code in seen:
            issues.report("W-COL", variant="duplicate", sheet=sheet.name, row=1, column=letter, value=text,
                          header=text, first_column=column_letter(seen[f.code] + 1))
        else:
            seen[f.code] = index
            columns.append((index, f))
    missing = [f for f in sheet.fields if f.needs_column and f.code not in seen]
    for f in missing:
        issues.report("V07", sheet=sheet.name, row=1, field=f.code, label=f.label_zh, label_en=f.label_en)
    return ColumnMap(columns, missing)


def convert(f: Field, raw: object) -> object:
    """Convert one raw cell for field ``f`` (raises :class:`values.ConversionError`)."""
    t = f.type
    if t == TEXT:
        return conv.to_text(raw, f.max_length)
    if t == CODE:
        return f.codes.match(raw)
    if t == DATE:
        return conv.to_date(raw)
    if t == INTEGER:
        return conv.to_integer(raw, f.minimum)
    if t == DECIMAL:
        return conv.to_decimal(raw, f.minimum)
    if t == BOOL:
        return conv.to_bool(raw)
    if t == CODES:
        return conv.to_codes(raw, f.codes)
    if t == USCC:
        text = conv.to_text(raw, 64)
        return text.upper() if text is not None else None
    raise ValueError(f"unknown field type {t}")  # pragma: no cover


def report_uscc(f: Field, value: str, issues: IssueCollector, **where: object) -> bool:
    """Report V05 for an invalid USCC; return True when it is valid."""
    if is_valid_uscc(value):
        return True
    if is_well_formed(value):
        issues.report("V05", field=f.code, value=value, label=f.label_zh, label_en=f.label_en,
                      expected=uscc_check_char(value[:17]), **where)
    else:
        issues.report("V05", variant="format", field=f.code, value=value, label=f.label_zh,
                      label_en=f.label_en, **where)
    return False


#: A conversion failure without its location: ``(rule, params)`` for :meth:`IssueCollector.report`.
Failure = tuple[str, dict[str, object]]


def classify(f: Field, raw: object) -> tuple[object, Failure | None]:
    """Convert one raw value for field ``f``: ``(value, None)``, or ``(None, failure)`` naming the rule
    (V01 required value missing, V02 unparseable, V03 not in the code list) and its message
    parameters; a USCC is checked by :func:`report_uscc` afterwards. The one place the row path
    (:func:`convert_field`) and the column path (:mod:`supervision.ingest.colconv`) decide a value.
    """
    try:
        value = convert(f, raw)
    except conv.ConversionError as exc:
        if f.code == "summary" and isinstance(raw, str):
            raw = mask_pii(raw)[0]  # never echo personal data back in a message
        if exc.kind == "code":
            return None, ("V03", {"value": raw, "label": f.label_zh, "label_en": f.label_en,
                                  "code_list": f.code_list})
        return None, ("V02", {"value": raw, "label": f.label_zh, "label_en": f.label_en,
                              "expected_zh": exc.expected_zh, "expected_en": exc.expected_en})
    if value is None and f.required:
        return None, ("V01", {"label": f.label_zh, "label_en": f.label_en})
    return value, None


def convert_field(f: Field, raw: object, issues: IssueCollector, *, sheet: str, row: int | None,
                  column: str | None) -> tuple[object, bool]:
    """Convert and check one value; report V01/V02/V03/V05. Return ``(value, ok)``."""
    value, failure = classify(f, raw)
    if failure is not None:
        rule, params = failure
        issues.report(rule, field=f.code, sheet=sheet, row=row, column=column, **params)
        return None, False
    if value is None:
        return None, True
    if f.type == USCC and not report_uscc(f, value, issues, sheet=sheet, row=row, column=column):
        return value, False
    return value, True


@dataclass
class Record:
    """One converted data row: Excel row number, typed values and the fields that failed."""

    row: int
    values: dict[str, object]
    failed: set[str]
    letters: dict[str, str]

    def ok(self, *codes: str) -> bool:
        """True when none of the fields ``codes`` failed conversion."""
        return not any(c in self.failed for c in codes)


def open_table(sheet: Sheet, rows: Iterable[tuple[int, list[object]]], issues: IssueCollector,
               counts: dict[str, int]) -> tuple[ColumnMap, Iterator[Record]]:
    """Map row 1 as the header now; return the map and an iterator converting every non-empty data row.

    ``counts[sheet.code]`` counts the data rows as they are read.
    """
    iterator = iter(rows)
    first = next(iterator, None)
    pending: list[tuple[int, list[object]]] = []
    header = None
    if first is not None:
        if first[0] == 1:
            header = first[1]
        else:
            pending.append(first)
    cmap = map_header(sheet, header, issues)
    counts[sheet.code] = 0
    return cmap, _records(sheet, cmap, _chain(pending, iterator), issues, counts)


def _records(sheet: Sheet, cmap: ColumnMap, rows: Iterator[tuple[int, list[object]]], issues: IssueCollector,
             counts: dict[str, int]) -> Iterator[Record]:
    letters = {f.code: column_letter(i + 1) for i, f in cmap.columns}
    blank = conv.is_blank
    for number, cells in rows:
        if all(blank(v) for v in cells):
            continue
        counts[sheet.code] += 1
        values: dict[str, object] = {f.code: None for f in sheet.fields}
        failed: set[str] = set()
        width = len(cells)
        for index, f in cmap.columns:
            raw = cells[index] if index < width else None
            value, ok = convert_field(f, raw, issues, sheet=sheet.name, row=number, column=letters[f.code])
            values[f.code] = value
            if not ok:
                failed.add(f.code)
        yield Record(number, values, failed, letters)


def _chain(first: list, rest: Iterator) -> Iterator:
    yield from first
    yield from rest
