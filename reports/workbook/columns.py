"""The columns of the league table, shared by the workbook sheets and the CSV so both carry the same
numbers in the same order.

Each column has a stable machine code (CSV header, JSON key), a Chinese header (workbook, CSV with
labels), a kind deciding the number format, and two getters: ``cell`` (what the workbook shows, e.g.
the sector's Chinese name) and ``data`` (what CSV carries, e.g. the sector code).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from reports.workbook.labels import Metric, metrics_for_sector, sector_name
from reports.workbook.model import LeagueRow

#: Column kinds and their Excel number formats (``None`` = text).
KIND_FORMATS: dict[str, str | None] = {
    "text": None,
    "int": "0",
    "dec0": "0",
    "dec1": "0.0",
    "dec2": "0.00",
    "move": "+0;-0;0",
}


@dataclass(frozen=True)
class Column:
    """One league-table column."""

    code: str
    header: str
    kind: str
    width: float
    cell: Callable[[LeagueRow], Any]
    data: Callable[[LeagueRow], Any] | None = None

    def data_value(self, row: LeagueRow) -> Any:
        """The value CSV and JSON carry (defaults to the workbook value)."""
        return (self.data or self.cell)(row)


def decimal_kind(places: int) -> str:
    """Column kind for a number shown with ``places`` decimals."""
    return f"dec{places}"


def _metric_columns(metric: Metric, with_rank_all: bool) -> list[Column]:
    code = metric.code
    columns = [
        Column(code, metric.label, decimal_kind(metric.places), 12, lambda r: r.metrics[code].shown),
        Column(f"{code}_rank_sector", f"{metric.label}·行业排名", "int", 9, lambda r: r.metrics[code].rank_sector),
    ]
    if with_rank_all:
        columns.append(
            Column(f"{code}_rank_all", f"{metric.label}·全部排名", "int", 9, lambda r: r.metrics[code].rank_all)
        )
    return columns


def league_columns(sector: str | None = None) -> list[Column]:
    """Columns of the 排行榜 sheet (``sector=None``) or of one sector's sheet.

    A sector sheet leaves out what is the same or meaningless within one sector: the 行业 column, the
    all-sector ranks (they are on 排行榜) and sector-only metrics of other sectors (``txn_bp`` outside
    ``PAY``).
    """
    columns = [
        Column("institution_code", "机构代码", "text", 21, lambda r: r.institution_code),
        Column("name", "机构名称", "text", 32, lambda r: r.name),
        Column("sector", "行业", "text", 14, lambda r: sector_name(r.sector), lambda r: r.sector),
        Column("status", "状态", "text", 8, lambda r: r.status_label, lambda r: r.status),
        Column("reason", "未排名原因", "text", 24, lambda r: r.reason),
        Column("composite", "综合得分", "dec2", 10, lambda r: r.composite),
        Column("grade", "等级", "text", 6, lambda r: r.grade),
        Column("rank_composite", "综合排名(行业)", "int", 9, lambda r: r.rank_composite),
        Column("movement", "排名变动", "move", 9, lambda r: r.movement),
        Column("notice_rank", "通报排名", "int", 9, lambda r: r.notice_rank),
        Column("share", "投诉量占比%", "dec2", 10, lambda r: r.share),
    ]
    if sector is not None:
        columns = [c for c in columns if c.code != "sector"]
    for metric in metrics_for_sector(sector):
        columns.extend(_metric_columns(metric, with_rank_all=sector is None))
    return columns
