"""The 图表 sheet (native Excel charts) and the 图表数据 sheet holding the charts' source data.

Charts, each a real Excel chart whose series reference cells of 图表数据 (no pictures):

1. 万人投诉量最高的 20 家机构 — a bar chart of the ranked institutions with the *highest*
   ``per_10k_customers`` over all sectors (lower is better, so these are the ones needing attention),
   highest on top; ties by institution code.
2. 各行业按时办结率中位数 — a column chart of the sector median of ``on_time_rate`` (the league metric
   按时办结率, spec §8).
3. 各行业按时报送率 — a column chart of the reporting on-time rate (spec §2) per sector, one series
   per filing kind.

A chart with no data is replaced by a note saying so.
"""

from __future__ import annotations

from typing import Any

from reports.workbook.labels import KIND_LABELS, KIND_ORDER, sector_name, sector_sort_key
from reports.workbook.model import League, LeagueRow
from reports.workbook.reporting import ReportingLine
from reports.workbook.styles import Styles, write_header, write_values

CHART_SHEET = "图表"
CHART_DATA_SHEET = "图表数据"
TOP_N = 20


def top_per_10k(league: League, n: int = TOP_N) -> list[LeagueRow]:
    """The ``n`` ranked institutions with the highest exact ``per_10k_customers`` (worst first)."""
    rows = [r for r in league.rows if r.status == "ranked" and r.metrics["per_10k_customers"].exact is not None]
    rows.sort(key=lambda r: (-r.metrics["per_10k_customers"].exact, r.institution_code))
    return rows[:n]


def _axis_percent() -> dict[str, Any]:
    return {"min": 0, "max": 100, "num_format": "0", "major_gridlines": {"visible": True}}


def write_chart_sheets(workbook: Any, styles: Styles, league: League, lines: list[ReportingLine]) -> None:
    """Add the 图表 and 图表数据 sheets: source data first (top to bottom), then the charts."""
    chart_sheet = workbook.add_worksheet(CHART_SHEET)
    data_sheet = workbook.add_worksheet(CHART_DATA_SHEET)
    charts = styles.writer(chart_sheet)
    data = styles.writer(data_sheet)
    charts.text(
        0,
        0,
        "图表的数据见“图表数据”工作表。万人投诉量越低越好；按时办结率、按时报送率越高越好。",
        styles.subtitle,
    )
    chart_sheet.set_column(0, 0, 12)
    for col, width in enumerate((6, 21, 32, 14, 12, 10)):
        data_sheet.set_column(col, col, width)

    # 1. Top institutions by complaints per 10k customers.
    top = top_per_10k(league)
    data.text(0, 0, f"万人投诉量最高的{TOP_N}家机构（越低越好）", styles.subtitle)
    write_header(data, styles, 1, ("序号", "机构代码", "机构名称", "行业", "万人投诉量", "全部排名"))
    row = 1
    for index, r in enumerate(top, start=1):
        row += 1
        metric = r.metrics["per_10k_customers"]
        write_values(
            data,
            styles,
            row,
            (index, r.institution_code, r.name, sector_name(r.sector), metric.shown, metric.rank_all),
            ("int", "text", "text", "text", "dec2", "int"),
        )
    top_range = (2, row)
    data_sheet.freeze_panes(2, 0)

    # 2. Sector medians of the complaint on-time rate.
    row += 2
    data.text(row, 0, "各行业按时办结率中位数（%）", styles.subtitle)
    row += 1
    write_header(data, styles, row, ("行业代码", "行业", "按时办结率%中位数"))
    first = row + 1
    for sector in league.sectors:
        median = league.medians.get(sector, {}).get("on_time_rate")
        if median is None:
            continue
        row += 1
        write_values(data, styles, row, (sector, sector_name(sector), median), ("text", "text", "dec2"))
    median_range = (first, row)

    # 3. Reporting on-time rate per sector and kind.
    row += 2
    data.text(row, 0, "各行业按时报送率（%）", styles.subtitle)
    row += 1
    kinds = [k for k in KIND_ORDER if any(line.kind == k for line in lines)]
    write_header(data, styles, row, ("行业代码", "行业", *(KIND_LABELS[k] for k in kinds)))
    first_reporting = row + 1
    by_key = {(line.kind, line.sector): line for line in lines if line.sector is not None}
    for sector in sorted({s for _, s in by_key}, key=sector_sort_key):
        row += 1
        rates = [by_key[(k, sector)].on_time_rate_display if (k, sector) in by_key else None for k in kinds]
        write_values(data, styles, row, (sector, sector_name(sector), *rates), ("text", "text", *["dec2"] * len(kinds)))
    reporting_range = (first_reporting, row)

    _insert(workbook, chart_sheet, charts, styles, 2, top_range, _top_chart)
    _insert(workbook, chart_sheet, charts, styles, 30, median_range, _median_chart)
    _insert(
        workbook,
        chart_sheet,
        charts,
        styles,
        52,
        reporting_range,
        lambda wb, rng: _reporting_chart(wb, rng, kinds),
    )


def _insert(
    workbook: Any, sheet: Any, writer: Any, styles: Styles, at_row: int, rows: tuple[int, int], build: Any
) -> None:
    if rows[1] < rows[0]:
        writer.text(at_row, 0, "（无可绘制的数据）", styles.note)
        return
    sheet.insert_chart(at_row, 0, build(workbook, rows))


def _top_chart(workbook: Any, rows: tuple[int, int]) -> Any:
    chart = workbook.add_chart({"type": "bar"})
    chart.add_series(
        {
            "name": "万人投诉量",
            "categories": [CHART_DATA_SHEET, rows[0], 2, rows[1], 2],
            "values": [CHART_DATA_SHEET, rows[0], 4, rows[1], 4],
            "data_labels": {"value": True, "num_format": "0.00"},
            "fill": {"color": "#C0504D"},
        }
    )
    chart.set_title({"name": f"万人投诉量最高的{TOP_N}家机构（越低越好）"})
    # In an xlsxwriter bar chart the y axis is the (vertical) category axis: reverse it so the
    # highest value is on top; the x axis is the value axis.
    chart.set_y_axis({"reverse": True})
    chart.set_x_axis({"num_format": "0.00", "min": 0, "major_gridlines": {"visible": True}})
    chart.set_legend({"none": True})
    chart.set_size({"width": 960, "height": 540})
    return chart


def _median_chart(workbook: Any, rows: tuple[int, int]) -> Any:
    chart = workbook.add_chart({"type": "column"})
    chart.add_series(
        {
            "name": "按时办结率%中位数",
            "categories": [CHART_DATA_SHEET, rows[0], 1, rows[1], 1],
            "values": [CHART_DATA_SHEET, rows[0], 2, rows[1], 2],
            "data_labels": {"value": True, "num_format": "0.00"},
        }
    )
    chart.set_title({"name": "各行业按时办结率中位数（%，越高越好）"})
    chart.set_y_axis(_axis_percent())
    chart.set_legend({"none": True})
    chart.set_size({"width": 640, "height": 400})
    return chart


def _reporting_chart(workbook: Any, rows: tuple[int, int], kinds: list[str]) -> Any:
    chart = workbook.add_chart({"type": "column"})
    for offset in range(len(kinds)):
        chart.add_series(
            {
                "name": [CHART_DATA_SHEET, rows[0] - 1, 2 + offset],
                "categories": [CHART_DATA_SHEET, rows[0], 1, rows[1], 1],
                "values": [CHART_DATA_SHEET, rows[0], 2 + offset, rows[1], 2 + offset],
                "data_labels": {"value": True, "num_format": "0.00"},
            }
        )
    chart.set_title({"name": "各行业按时报送率（%，越高越好）"})
    chart.set_y_axis(_axis_percent())
    chart.set_legend({"position": "bottom"})
    chart.set_size({"width": 640, "height": 400})
    return chart
