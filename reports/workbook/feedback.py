"""The per-institution feedback sheet 机构反馈 (spec §9): one institution's own row, its ranks beside the
sector medians, and its open findings.

Only that institution's data is written (plus its sector's medians and counts, which are aggregates):
no other institution's name, code, figure or finding reaches the file (spec §1.3). A finding is open
unless its status is ``CLOSED``; open findings of every period passed in are listed. The same safety
rules as the summary workbook apply (no formula cells; see :mod:`reports.workbook.safe`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC
from typing import Any

from reports.workbook.columns import decimal_kind
from reports.workbook.labels import (
    CLOSED_FINDING_STATUSES,
    FINDING_STATUS_LABELS,
    LEVEL_LABELS,
    SCORE_PLACES,
    SHARE_PLACES,
    metrics_for_sector,
    sector_name,
)
from reports.workbook.model import (
    ExportResult,
    Finding,
    League,
    LeagueRow,
    Meta,
    export_result,
    prepare_findings,
    prepare_league,
    prepare_meta,
    start_position,
)
from reports.workbook.styles import Styles, new_workbook, write_header, write_values

FEEDBACK_SHEET = "机构反馈"
METRIC_HEADERS = ("指标", "本机构", "行业排名", "全部排名", "行业中位数", "方向")
FINDING_HEADERS = ("规则", "级别", "状态", "报送期", "编号", "说明")


def find_row(league: League, institution_code: str) -> LeagueRow:
    """The league row of ``institution_code`` (``LookupError`` when it is not in the table)."""
    for row in league.rows:
        if row.institution_code == institution_code:
            return row
    raise LookupError(f"institution {institution_code!r} is not in the league table")


def open_findings(findings: list[Finding], institution_code: str) -> list[Finding]:
    """The institution's findings whose status is not closed, in the usual finding order."""
    return [f for f in findings if f.institution_code == institution_code and f.status not in CLOSED_FINDING_STATUSES]


def _identity(row: LeagueRow, league: League, meta: Meta) -> list[tuple[str, Any, str]]:
    ranked_in_sector = sum(1 for r in league.rows if r.sector == row.sector and r.status == "ranked")
    return [
        ("机构代码", row.institution_code, "text"),
        ("机构名称", row.name, "text"),
        ("行业", sector_name(row.sector), "text"),
        ("报送期", meta.period, "text"),
        ("快照", meta.snapshot_label, "text"),
        ("规则集版本", meta.ruleset_version, "text"),
        ("平台版本", meta.platform_version, "text"),
        ("生成时间（北京时间）", meta.generated_local, "text"),
        ("状态", row.status_label, "text"),
        ("未排名原因", row.reason, "text"),
        ("综合得分", row.composite, decimal_kind(SCORE_PLACES)),
        ("等级", row.grade, "text"),
        ("综合排名(行业)", row.rank_composite, "int"),
        ("行业已排名机构数", ranked_in_sector, "int"),
        ("排名变动", row.movement, "move"),
        ("通报排名", row.notice_rank, "int"),
        ("投诉量占比%", row.share, decimal_kind(SHARE_PLACES)),
    ]


def _write(workbook: Any, row: LeagueRow, league: League, meta: Meta, findings: list[Finding]) -> None:
    styles = Styles(workbook)
    sheet = workbook.add_worksheet(FEEDBACK_SHEET)
    writer = styles.writer(sheet)
    for col, width in enumerate((26, 16, 10, 10, 12, 10)):
        sheet.set_column(col, col, width)
    sheet.set_column(5, 5, 80)
    writer.text(0, 0, f"{meta.period} 机构反馈表", styles.title)
    line = 2
    write_header(writer, styles, line, ("项目", "内容"))
    for label, value, kind in _identity(row, league, meta):
        line += 1
        write_values(writer, styles, line, (label, value), ("text", kind))

    line += 2
    write_header(writer, styles, line, METRIC_HEADERS)
    medians = league.medians.get(row.sector, {})
    for metric in metrics_for_sector(row.sector):
        line += 1
        cell = row.metrics[metric.code]
        values = (
            metric.label,
            cell.shown,
            cell.rank_sector,
            cell.rank_all,
            medians.get(metric.code),
            "越低越好" if metric.lower_is_better else "越高越好",
        )
        kinds = (
            "text",
            decimal_kind(metric.places),
            "int",
            "int",
            decimal_kind(metric.median_places),
            "text",
        )
        write_values(writer, styles, line, values, kinds)

    line += 2
    writer.text(line, 0, "未结监管发现", styles.subtitle)
    line += 1
    header_line = line
    write_header(writer, styles, line, FINDING_HEADERS)
    for finding in findings:
        line += 1
        values = (
            finding.rule,
            LEVEL_LABELS.get(finding.level, finding.level),
            FINDING_STATUS_LABELS.get(finding.status, finding.status),
            finding.period,
            str(finding.id),
            finding.message,
        )
        write_values(writer, styles, line, values, ("text",) * len(FINDING_HEADERS))
    if not findings:
        line += 1
        writer.text(line, 0, "无", styles.of("text"))
    sheet.freeze_panes(1, 0)
    sheet.autofilter(header_line, 0, line, len(FINDING_HEADERS) - 1)


def write_feedback(
    target: Any,
    league: Mapping[str, Any],
    meta: Mapping[str, Any],
    institution_code: str,
    findings: Iterable[Mapping[str, Any]],
) -> ExportResult:
    """Write the 机构反馈 workbook of one institution to ``target`` (a path or a binary file object).

    ``findings`` may hold other institutions' findings; only this institution's open ones are
    written. Raises ``LookupError`` when the institution is not in the league table, ``ValueError`` /
    ``TypeError`` on invalid input (before anything is written).
    """
    prepared = prepare_league(league)
    info = prepare_meta(meta, prepared)
    row = find_row(prepared, institution_code)
    mine = open_findings(prepare_findings(findings), institution_code)
    start = start_position(target)
    created = info.generated_at.astimezone(UTC).replace(tzinfo=None)
    workbook = new_workbook(target, f"{info.period} 机构反馈表", info.producer, created)
    try:
        _write(workbook, row, prepared, info, mine)
    finally:
        workbook.close()
    return export_result("feedback", info, target, start)
