"""Validation of an opened filing workbook: every failure collected, rows converted once.

``validate(workbook, ...)`` reads each sheet once, converts each cell (§3), checks V01–V07, F08,
F09, C01–C09, D01 and the W warnings, and returns a :class:`ValidationResult` with per-sheet row
counts, the issues (capped per rule, exact totals), the cover values and the derived figures.

The complaint detail sheet — the large one — is read, converted and checked column-wise
(:mod:`.colnative`'s compiled reader first, else :mod:`.colread`'s fastexcel and row readers;
:mod:`.colconv`, :mod:`.coldetail`) and its converted rows are spooled
(:mod:`.spool`): storing reads the spool, never the workbook again. The small sheets are converted
row by row (:mod:`.rowconv`); :meth:`ValidationResult.rows` re-reads those.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field

from supervision.domain.code_labels import code_label
from supervision.domain.enums import FilingKind, Sector, Severity
from supervision.domain.names import matches_any
from supervision.ingest.cmpchecks import Context, DetailChecks, Figures, SummaryChecks
from supervision.ingest.issues import DEFAULT_CAP_PER_RULE, IssueCollector
from supervision.ingest.rowconv import Record, convert_field, map_header, open_table
from supervision.ingest.templates import DECIMAL, SUPPORTED, TEMPLATES, Sheet, Template
from supervision.ingest.values import fold, nfkc

log = logging.getLogger(__name__)

LOAN_TYPES = {"CONSUMER_LOAN", "CREDIT_PAY"}


@dataclass
class ValidationResult:
    """Outcome of :func:`validate`."""

    kind: str
    template: Template | None
    issues: IssueCollector
    row_counts: dict[str, int] = field(default_factory=dict)
    cover: dict[str, object] = field(default_factory=dict)
    derived: dict[str, int] = field(default_factory=dict)
    derived_by_category: dict[str, dict[str, int]] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    _workbook: object = None
    _sheets: dict[str, str] = field(default_factory=dict)
    _ctx: Context | None = None
    #: the converted detail rows (CMP), written while validating
    spool: object = None  # supervision.ingest.spool.Spool

    @property
    def ok(self) -> bool:
        """True when there is no blocking issue (the filing may be stored)."""
        return not self.issues.has_blocking

    def sheet_name(self, code: str) -> str | None:
        """The workbook's own name of the template sheet ``code`` (None when absent)."""
        return self._sheets.get(code)

    def rows(self, sheet_code: str) -> Iterator[dict[str, object]]:
        """Yield the converted rows of sheet ``sheet_code`` (field code → typed value, plus ``_row``)."""
        if self.template is None or sheet_code not in self._sheets:
            return
        if sheet_code == "detail" and self.spool is not None:
            yield from self.spool.dicts()
            return
        sheet = self.template.sheet(sheet_code)
        quiet = IssueCollector(cap_per_rule=0)
        detail = DetailChecks(sheet, self._ctx, quiet) if sheet_code == "detail" else None
        _cmap, records = open_table(sheet, self._workbook.rows(self._sheets[sheet_code]), quiet, {})
        for rec in records:
            values = detail.check(rec) if detail is not None else rec.values
            yield {"_row": rec.row, **values}

    def close(self) -> None:
        """Release the spooled rows (and their temporary files)."""
        if self.spool is not None:
            self.spool.close()

    def batches(self, sheet_code: str, size: int = 1000) -> Iterator[list[dict[str, object]]]:
        """Yield the converted rows of ``sheet_code`` in lists of at most ``size``."""
        batch: list[dict[str, object]] = []
        for row in self.rows(sheet_code):
            batch.append(row)
            if len(batch) >= size:
                yield batch
                batch = []
        if batch:
            yield batch


def validate(workbook, *, kind: str, institution_code: str, period: str, period_start: dt.date,
             period_end: dt.date, sector: str, registered_names: Collection[str] = (),
             cap_per_rule: int = DEFAULT_CAP_PER_RULE,
             earlier_complaints: Callable[[set[str]], set[str]] | None = None,
             spool_listener=None) -> ValidationResult:
    """Validate an opened workbook (see :func:`supervision.ingest.reader.open_workbook`) as a ``kind`` filing.

    ``period`` is the period code (``2024Q1``) with its first and last day; ``sector`` the
    institution's sector; ``registered_names`` its register name, short name and aliases (W-NAME);
    ``earlier_complaints`` answers which of some complaint ids name a complaint of the institution's
    earlier periods (``C09``; without it only this filing is searched); ``spool_listener`` is given
    each spooled window of the detail sheet while no blocking error is known (``add(frame)``), and
    told when those windows will not be stored as they are (``abandon()``): the ingest stages them
    for SQLite's bulk load (:class:`supervision.sqlitestage.Stager`).
    """
    issues = IssueCollector(cap_per_rule=cap_per_rule)
    ctx = Context(institution_code, period, period_start, period_end, sector)
    template = TEMPLATES[SUPPORTED[kind][0]]
    result = ValidationResult(kind, template, issues, _workbook=workbook, _ctx=ctx)
    by_folded = {fold(name): name for name in workbook.sheet_names}
    for sheet in template.sheets:
        actual = by_folded.get(fold(sheet.name)) or by_folded.get(fold(sheet.code))
        if actual is None:
            if sheet.required:
                issues.report("F08", sheet=sheet.name)
        else:
            result._sheets[sheet.code] = actual
    if "cover" in result._sheets and not _cover(result, template.sheet("cover"), workbook, ctx, registered_names):
        return result  # F09: the rest of the file follows an unknown template
    if kind == FilingKind.CMP:
        _validate_cmp(result, template, workbook, ctx, earlier_complaints, spool_listener)
    else:
        for sheet in template.sheets:
            if sheet.layout == "table" and sheet.code in result._sheets:
                _validate_table(result, sheet, workbook)
    return result


def _cover(result: ValidationResult, sheet: Sheet, workbook, ctx: Context, names: Collection[str]) -> bool:
    """Validate the cover's label/value rows; return False when the template version is unusable (F09)."""
    issues, name = result.issues, result._sheets["cover"]
    seen: dict[str, int] = {}
    raw_rows: dict[str, tuple[int, object]] = {}
    for number, cells in workbook.rows(name):
        label = cells[0] if cells else None
        f = sheet.match(label) if label is not None else None
        if f is None:
            if label is not None and nfkc(str(label)):
                issues.report("W-COL", variant="cover_label", sheet=sheet.name, row=number, column="A",
                              value=label, header=nfkc(str(label)))
            continue
        if f.code in seen:
            issues.report("W-COL", variant="duplicate", sheet=sheet.name, row=number, column="A", value=label,
                          header=nfkc(str(label)), first_column=f"A{seen[f.code]}")
            continue
        seen[f.code] = number
        raw_rows[f.code] = (number, cells[1] if len(cells) > 1 else None)
    version = raw_rows.get("template_version", (None, None))[1]
    expected = SUPPORTED[result.kind]
    if version is None or not nfkc(str(version)):
        row = raw_rows.get("template_version", (None,))[0]
        issues.report("F09", sheet=sheet.name, row=row, column="B" if row else None, field="template_version",
                      expected=expected[0])
        return False
    if fold(str(version)) not in {fold(v) for v in expected}:
        issues.report("F09", variant="unsupported", sheet=sheet.name, row=raw_rows["template_version"][0],
                      column="B", field="template_version", value=version, expected=expected[0])
        return False
    for f in sheet.fields:
        if f.code not in raw_rows:
            if f.required:
                issues.report("V01", variant="cover_missing", sheet=sheet.name, field=f.code, label=f.label_zh,
                              label_en=f.label_en)
            result.cover[f.code] = None
            continue
        row, raw = raw_rows[f.code]
        value, ok = convert_field(f, raw, issues, sheet=sheet.name, row=row, column="B")
        result.cover[f.code] = value
        if not ok or value is None:
            continue
        expected_value = {"institution_code": ctx.institution_code, "period": ctx.period}.get(f.code)
        if expected_value is not None and fold(str(value)) != fold(expected_value):
            issues.report("V06", sheet=sheet.name, row=row, column="B", field=f.code, value=value,
                          label=f.label_zh, label_en=f.label_en, expected=expected_value)
        if f.code == "institution_name" and names and not matches_any(str(value), names):
            issues.report("W-NAME", sheet=sheet.name, row=row, column="B", field=f.code, value=value,
                          registered=next(iter(names)))
    if result.kind == FilingKind.CMP and ctx.sector == Sector.PAY and result.cover.get("transactions") is None \
            and "transactions" not in _failed_cover(issues):
        row = raw_rows.get("transactions", (None,))[0]
        issues.report("C08", variant="transactions", sheet=sheet.name, row=row, column="B" if row else None,
                      field="transactions")
    return True


def _failed_cover(issues: IssueCollector) -> set[str]:
    return {i.field for i in issues if i.sheet == "封面" and i.blocking and i.field}


class _Unique:
    """V04: the ``unique`` fields of a sheet must not repeat (first row remembered per value)."""

    def __init__(self, sheet: Sheet, issues: IssueCollector) -> None:
        self.sheet, self.issues = sheet, issues
        self.fields = [f for f in sheet.fields if f.unique]
        self.seen: dict[str, dict[object, int]] = {f.code: {} for f in self.fields}

    def check(self, rec: Record) -> None:
        """Report V04 for each unique field of ``rec`` whose value was seen on an earlier row."""
        for f in self.fields:
            value = rec.values[f.code]
            if value is None:
                continue
            first = self.seen[f.code].setdefault(value, rec.row)
            if first != rec.row:
                self.issues.report("V04", sheet=self.sheet.name, row=rec.row, column=rec.letters.get(f.code),
                                   field=f.code, value=value, label=f.label_zh, label_en=f.label_en,
                                   first_row=first)


def _validate_cmp(result: ValidationResult, template: Template, workbook, ctx: Context,
                  earlier_complaints: Callable[[set[str]], set[str]] | None = None, listener=None) -> None:
    issues = result.issues
    figures: Figures | None = None
    detail_name = result._sheets.get("detail")
    if detail_name is not None:
        sheet = template.sheet("detail")
        before = issues.count(Severity.BLOCKING)
        checks = _detail(result, sheet, workbook, detail_name, ctx, earlier_complaints, listener)
        result.derived = dict(checks.totals)
        result.derived_by_category = {k: dict(v) for k, v in checks.per_category.items() if k}
        if issues.count(Severity.BLOCKING) == before:
            figures = checks
        else:
            result.skipped.append("C06: 投诉明细有阻断性错误，未与汇总核对 / the detail sheet has blocking errors, "
                                  "so the summary was not compared with it")
    summary_name = result._sheets.get("summary")
    if summary_name is not None:
        sheet = template.sheet("summary")
        checks_s = SummaryChecks(sheet, issues)
        unique = _Unique(sheet, issues)
        _cmap, records = open_table(sheet, workbook.rows(summary_name), issues, result.row_counts)
        for rec in records:
            unique.check(rec)
            checks_s.add(rec)
        checks_s.finish(figures)


def _detail(result: ValidationResult, sheet: Sheet, workbook, name: str, ctx: Context,
            earlier_complaints: Callable[[set[str]], set[str]] | None = None, listener=None) -> Figures:
    """Read, convert and check the detail sheet column-wise; spool its rows; return its figures
    (``earlier_complaints``: ``C09``'s look-up in the institution's earlier periods; ``listener``:
    see :func:`validate`)."""
    # imported here: polars and the Rust readers load only in the process that parses (never a web worker)
    from supervision.ingest.colconv import Converter
    from supervision.ingest.coldetail import DetailColumns
    from supervision.ingest.colnative import available, native_windows
    from supervision.ingest.colread import NeedsExact, exact_windows, fast_windows
    from supervision.ingest.spool import Spool

    issues = result.issues
    first = workbook.first_row(name)
    header = first[1] if first is not None and first[0] == 1 else None
    cmap = map_header(sheet, header, issues)
    if ctx.sector == Sector.PAY and not cmap.has("complaint_type"):
        issues.report("C08", variant="column", sheet=sheet.name, row=1, field="complaint_type")
    # the readers in the order tried: compiled (exact values), fastexcel, then row by row (the reference)
    readers = {"native": native_windows, "fast": fast_windows, "exact": exact_windows}
    if getattr(workbook, "engine", "auto") != "auto" or not cmap.columns:
        mode = "exact"
    else:
        mode = "native" if available() else "fast"
    while True:
        checks = DetailColumns(sheet, ctx, issues, cmap.columns)
        converter = Converter(cmap.columns, sheet.fields)
        spool = Spool()
        spool.decimals = tuple(f.code for f in sheet.fields if f.type == DECIMAL)
        source = readers[mode](workbook, name, cmap.columns)
        try:
            for raw in source:
                frame = checks.check(raw, converter.convert(raw))
                spool.add(frame)
                if listener is not None and not listener.abandoned:
                    if checks.blocking_found():
                        listener.abandon()  # the version will be rejected: nothing to stage
                    else:
                        listener.add(frame)
                report = getattr(workbook, "report_rows", None)
                if report is not None:
                    report(spool.rows, name)
        except NeedsExact as exc:
            spool.close()
            if listener is not None:
                listener.abandon()  # the windows given were those of a reader now left
            mode = "fast" if mode == "native" else "exact"
            log.info("detail sheet read %s: %s", "by fastexcel" if mode == "fast" else "row by row", exc)
            continue
        break
    result.row_counts[sheet.code] = spool.rows
    result.spool = spool
    return checks.finish(earlier_complaints)


def _validate_table(result: ValidationResult, sheet: Sheet, workbook) -> None:
    """Validate a DSC or REG table sheet: conversions, V04 and D01."""
    issues = result.issues
    unique = _Unique(sheet, issues)
    _cmap, records = open_table(sheet, workbook.rows(result._sheets[sheet.code]), issues, result.row_counts)
    for rec in records:
        unique.check(rec)
        if sheet.code == "products":
            _check_d01(sheet, rec, issues)


def _check_d01(sheet: Sheet, rec: Record, issues: IssueCollector) -> None:
    v = rec.values
    if not rec.ok("product_type", "apr_min", "apr_max"):
        return
    where = {"sheet": sheet.name, "row": rec.row}
    if v["product_type"] in LOAN_TYPES and v["apr_max"] is None:
        issues.report("D01", column=rec.letters.get("apr_max"), field="apr_max", product_code=v["product_code"],
                      product_type=v["product_type"],
                      product_type_name=sheet.get_field("product_type").codes.name_of(v["product_type"]),
                      product_type_name_en=code_label("product_type", v["product_type"], "en"), **where)
    elif v["apr_min"] is not None and v["apr_max"] is not None and v["apr_min"] > v["apr_max"]:
        issues.report("D01", variant="min_gt_max", column=rec.letters.get("apr_min"), field="apr_min",
                      value=v["apr_min"], product_code=v["product_code"], apr_min=v["apr_min"],
                      apr_max=v["apr_max"], **where)
