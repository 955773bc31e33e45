"""The per-period summary workbook of spec §9, written with xlsxwriter in constant-memory mode.

Sheets, in order: 说明, 排行榜, one sheet per sector present (Chinese sector name), 通报, 报送情况,
监管发现, 图表 (native Excel charts) and 图表数据 (the charts' source data).

Constant-memory mode flushes a row as soon as a later row of the same sheet is written, so every
sheet here is written strictly top to bottom (sheets may interleave, rows may not go back). Every
cell goes through :class:`reports.workbook.safe.CellWriter`: no cell is ever a formula.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC
from typing import Any

from reports.workbook.charts import write_chart_sheets
from reports.workbook.columns import Column, league_columns
from reports.workbook.labels import (
    FINDING_STATUS_LABELS,
    KIND_LABELS,
    LEVEL_LABELS,
    METRIC_BY_CODE,
    REPORT_STATUS_LABELS,
    sector_name,
)
from reports.workbook.model import (
    ExportResult,
    Finding,
    League,
    LeagueRow,
    Meta,
    export_result,
    local_time_text,
    prepare_findings,
    prepare_league,
    prepare_meta,
    start_position,
)
from reports.workbook.reporting import ReportingEntry, ReportingLine, late_and_missing, summarise_reporting
from reports.workbook.styles import Styles, new_workbook, table_sheet, write_header, write_values

LEAGUE_SHEET = "排行榜"
README_SHEET = "说明"
NOTICE_SHEET = "通报"
REPORTING_SHEET = "报送情况"
FINDINGS_SHEET = "监管发现"

README_NOTES: tuple[str, ...] = (
    "空白单元格表示无数值（分母为零、不适用或未排名），网页上显示为“—”。",
    "数值按四舍五入（ROUND_HALF_UP）保留：投诉量为整数，投诉量中位数 1 位小数，其余 2 位小数；"
    "单元格中的数值即网页与 CSV 显示的数值，精确值见 JSON 导出。百分比指标不带 % 号。",
    "排名 1 为最好；数值相同者名次相同并取最小名次（1、2、2、4）。排名变动 = 上期名次 − 本期名次，正数表示上升。",
    "通报：各行业按投诉量从多到少排序（并列时亿元业务投诉量高者在前），并列出行业合计与中位数。",
    "报送率 = 已报送（按时 + 逾期）÷ 应报；按时报送率 = 按时 ÷ 应报。",
    "本工作簿不含任何公式；以 =、+、-、@ 等开头的文字均按文本保存。",
)


def _readme(workbook: Any, styles: Styles, meta: Meta, league: League, sheets: Sequence[tuple[str, str]]) -> None:
    sheet = workbook.add_worksheet(README_SHEET)
    writer = styles.writer(sheet)
    sheet.set_column(0, 0, 22)
    sheet.set_column(1, 1, 90)
    writer.text(0, 0, f"{meta.period} 金融消费投诉情况汇总", styles.title)
    items: list[tuple[str, Any]] = [
        ("报送期", meta.period),
        ("快照", meta.snapshot_label),
        ("规则集版本", meta.ruleset_version),
        ("平台版本", meta.platform_version),
        ("生成时间（北京时间）", meta.generated_local),
        ("生成者", meta.producer),
        ("机构数", len(league.rows)),
        ("已排名机构数", sum(1 for r in league.rows if r.status == "ranked")),
    ]
    row = 2
    write_header(writer, styles, row, ("项目", "内容"))
    for label, value in items:
        row += 1
        writer.text(row, 0, label, styles.of("text"))
        writer.cell(row, 1, value, styles.of("text") if isinstance(value, str) else styles.of("int"))
    row += 2
    write_header(writer, styles, row, ("工作表", "内容"))
    for name, description in sheets:
        row += 1
        writer.text(row, 0, name, styles.of("text"))
        writer.text(row, 1, description, styles.of("text"))
    row += 2
    writer.text(row, 0, "说明", styles.subtitle)
    for note in README_NOTES:
        row += 1
        writer.text(row, 1, note, styles.note)
    sheet.freeze_panes(1, 0)


def _league_sheet(workbook: Any, styles: Styles, name: str, rows: Iterable[LeagueRow], columns: list[Column]) -> None:
    kinds = [c.kind for c in columns]
    table_sheet(
        workbook,
        styles,
        name,
        [c.header for c in columns],
        kinds,
        [c.width for c in columns],
        ([c.cell(r) for c in columns] for r in rows),
        freeze_cols=2,
    )


NOTICE_HEADERS = (
    "行业",
    "排名",
    "机构代码",
    "机构名称",
    "投诉量",
    "占比%",
    "亿元业务投诉量",
    "亿元业务投诉量排名",
)
NOTICE_KINDS = ("text", "int", "text", "text", "dec0", "dec2", "dec2", "int")
NOTICE_WIDTHS = (14, 6, 21, 32, 10, 9, 14, 10)


def notice_rows(league: League, sector: str) -> list[LeagueRow]:
    """The filers of one sector in 通报 order: notice rank (empty last), then institution code."""
    filers = [r for r in league.rows if r.sector == sector and r.status != "not_filed"]
    return sorted(filers, key=lambda r: (r.notice_rank is None, r.notice_rank or 0, r.institution_code))


def _notice(workbook: Any, styles: Styles, league: League) -> None:
    sheet = workbook.add_worksheet(NOTICE_SHEET)
    writer = styles.writer(sheet)
    write_header(writer, styles, 0, NOTICE_HEADERS, NOTICE_WIDTHS)
    row = 0
    median_received = METRIC_BY_CODE["received"]
    for sector in league.sectors:
        label = sector_name(sector)
        filers = notice_rows(league, sector)
        for r in filers:
            row += 1
            volume = r.metrics["per_100m_volume"]
            values = (
                label,
                r.notice_rank,
                r.institution_code,
                r.name,
                r.metrics["received"].shown,
                r.share,
                volume.shown,
                volume.rank_sector,
            )
            write_values(writer, styles, row, values, NOTICE_KINDS)
        total = sum((r.metrics["received"].shown or 0) for r in filers)
        row += 1
        write_values(writer, styles, row, (label, None, None, "合计", total, None, None, None), NOTICE_KINDS, bold=True)
        medians = league.medians.get(sector, {})
        row += 1
        kinds = list(NOTICE_KINDS)
        kinds[4] = f"dec{median_received.median_places}"
        values = (
            label,
            None,
            None,
            "行业中位数",
            medians.get("received"),
            None,
            medians.get("per_100m_volume"),
            None,
        )
        write_values(writer, styles, row, values, kinds, bold=True)
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, row, len(NOTICE_HEADERS) - 1)


REPORTING_HEADERS = ("报表类型", "行业", "应报", "按时", "逾期", "未报送", "报送率%", "按时报送率%")
REPORTING_KINDS = ("text", "text", "int", "int", "int", "int", "dec2", "dec2")
LATE_HEADERS = ("状态", "报表类型", "行业", "机构代码", "机构名称", "收到时间（北京时间）")


def _reporting(workbook: Any, styles: Styles, lines: list[ReportingLine], late: list[ReportingEntry]) -> None:
    sheet = workbook.add_worksheet(REPORTING_SHEET)
    writer = styles.writer(sheet)
    # widths serve both tables: the counts above, the list of late and missing filers below
    write_header(writer, styles, 0, REPORTING_HEADERS, (16, 14, 14, 21, 32, 20, 10, 12))
    row = 0
    for line in lines:
        row += 1
        sector = "合计" if line.sector is None else sector_name(line.sector)
        values = (
            KIND_LABELS[line.kind],
            sector,
            line.expected,
            line.on_time,
            line.late,
            line.missing,
            line.reporting_rate_display,
            line.on_time_rate_display,
        )
        write_values(writer, styles, row, values, REPORTING_KINDS, bold=line.sector is None)
    row += 2
    writer.text(row, 0, "逾期及未报送机构", styles.subtitle)
    row += 1
    header_row = row
    write_header(writer, styles, row, LATE_HEADERS)
    for entry in late:
        row += 1
        values = (
            REPORT_STATUS_LABELS[entry.status],
            KIND_LABELS[entry.kind],
            sector_name(entry.sector),
            entry.institution_code,
            entry.name,
            local_time_text(entry.received_at),
        )
        write_values(writer, styles, row, values, ("text",) * len(LATE_HEADERS))
    sheet.freeze_panes(1, 0)
    sheet.autofilter(header_row, 0, row, len(LATE_HEADERS) - 1)


FINDING_HEADERS = ("规则", "级别", "状态", "机构代码", "机构名称", "报送期", "编号", "说明", "整改期限", "整改逾期")
FINDING_WIDTHS = (7, 6, 9, 21, 32, 9, 10, 80, 11, 9)
#: the 整改逾期 cell of a remediation whose due date has passed
OVERDUE_TEXT = "逾期"


def finding_values(finding: Finding, numeric_id: bool = True) -> tuple[Any, ...]:
    """Cells of one finding row (level and status as Chinese labels, the rest verbatim)."""
    fid = finding.id if numeric_id else str(finding.id)
    return (
        finding.rule,
        LEVEL_LABELS.get(finding.level, finding.level),
        FINDING_STATUS_LABELS.get(finding.status, finding.status),
        finding.institution_code,
        finding.name,
        finding.period,
        fid,
        finding.message,
        finding.remediation_due,
        OVERDUE_TEXT if finding.overdue else None,
    )


def _findings(workbook: Any, styles: Styles, findings: list[Finding]) -> None:
    numeric_id = all(isinstance(f.id, int) for f in findings)
    kinds = ["text"] * len(FINDING_HEADERS)
    kinds[6] = "int" if numeric_id else "text"
    rows = (finding_values(f, numeric_id) for f in findings)
    table_sheet(workbook, styles, FINDINGS_SHEET, FINDING_HEADERS, kinds, FINDING_WIDTHS, rows)


def write_summary(
    target: Any,
    league: Mapping[str, Any],
    meta: Mapping[str, Any],
    reporting: Iterable[Mapping[str, Any]],
    findings: Iterable[Mapping[str, Any]],
) -> ExportResult:
    """Write the summary workbook of one period to ``target`` (a path or a binary file object).

    ``league``, ``meta``, ``reporting`` and ``findings`` are the plain-dict inputs described in
    ``reports/workbook/__init__.py``. Inputs are validated before anything is written (``ValueError``
    or ``TypeError`` on bad input, including a display string that disagrees with its exact value).
    Returns an :class:`ExportResult` with producer, time, snapshot, size and SHA-256 for the audit
    record (SHA-256 is ``None`` when ``target`` is a write-only stream).
    """
    reporting = list(reporting)
    prepared = prepare_league(league)
    info = prepare_meta(meta, prepared)
    found = prepare_findings(findings)
    lines = summarise_reporting(reporting)
    late = late_and_missing(reporting)
    sectors = prepared.sectors
    sheets = [(LEAGUE_SHEET, "全部机构：各项指标数值、行业排名与全部排名、综合得分、等级、排名变动、状态与原因")]
    sheets += [(sector_name(s), f"{sector_name(s)}排行榜") for s in sectors]
    sheets += [
        (NOTICE_SHEET, "消费投诉情况通报：各行业按投诉量排序，含占比、亿元业务投诉量及其排名、行业中位数"),
        (REPORTING_SHEET, "应报、按时、逾期、未报送及报送率、按时报送率，逾期及未报送机构名单"),
        (FINDINGS_SHEET, "监管发现：按规则、级别、状态、机构排列"),
        ("图表", "原生 Excel 图表：万人投诉量最高的机构、各行业按时办结率中位数、各行业按时报送率"),
        ("图表数据", "图表引用的数据"),
    ]
    start = start_position(target)
    created = info.generated_at.astimezone(UTC).replace(tzinfo=None)
    workbook = new_workbook(target, f"{info.period} 金融消费投诉情况汇总", info.producer, created)
    try:
        styles = Styles(workbook)
        _readme(workbook, styles, info, prepared, sheets)
        _league_sheet(workbook, styles, LEAGUE_SHEET, prepared.rows, league_columns(None))
        for sector in sectors:
            rows = (r for r in prepared.rows if r.sector == sector)
            _league_sheet(workbook, styles, sector_name(sector), rows, league_columns(sector))
        _notice(workbook, styles, prepared)
        _reporting(workbook, styles, lines, late)
        _findings(workbook, styles, found)
        write_chart_sheets(workbook, styles, prepared, lines)
    finally:
        workbook.close()
    return export_result("summary", info, target, start)
