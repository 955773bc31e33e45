"""Codes, Chinese labels and display precisions shared by every export writer (spec §1, §2, §6, §8).

Codes are the stable identifiers of the filing specification and are kept verbatim; the labels are
what a regulator reads. Nothing here depends on Flask or the database.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Sector codes in the order every export lists them (spec §1.2).
SECTOR_ORDER: tuple[str, ...] = ("PAY", "CF", "BANK", "INS", "AUTO")

SECTOR_NAMES: dict[str, str] = {
    "PAY": "非银行支付机构",
    "CF": "消费金融公司",
    "BANK": "银行",
    "INS": "保险公司",
    "AUTO": "汽车金融公司",
}


@dataclass(frozen=True)
class Metric:
    """One league-table metric of spec §8: code, Chinese label, display decimals and direction."""

    code: str
    label: str
    places: int
    lower_is_better: bool
    median_places: int = 2


#: The ten metrics of spec §8, in the spec's order. ``received`` is displayed as an integer and its
#: sector median with one decimal; everything else with two decimals.
METRICS: tuple[Metric, ...] = (
    Metric("received", "投诉量", 0, True, median_places=1),
    Metric("per_10k_customers", "万人投诉量", 2, True),
    Metric("per_100m_volume", "亿元业务投诉量", 2, True),
    Metric("on_time_rate", "按时办结率%", 2, False),
    Metric("closure_rate", "办结率%", 2, False),
    Metric("favourable_rate", "解决率%", 2, False),
    Metric("escalation_rate", "升级率%", 2, True),
    Metric("regulator_per_10k", "万人监管转办量", 2, True),
    Metric("txn_bp", "交易类投诉涉及笔数占比(BP)", 2, True),
    Metric("disclosure_score", "信息披露得分", 2, False),
)
METRIC_BY_CODE: dict[str, Metric] = {m.code: m for m in METRICS}

#: Metrics that only exist for some sectors; the per-sector sheets omit them elsewhere.
SECTOR_ONLY_METRICS: dict[str, str] = {"txn_bp": "PAY"}

#: Places of the composite score, the share of a sector's complaints and of every rate.
SCORE_PLACES = 2
SHARE_PLACES = 2
RATE_PLACES = 2

LEAGUE_STATUS_LABELS: dict[str, str] = {
    "ranked": "已排名",
    "not_ranked": "未排名",
    "not_filed": "未报送",
}
LEAGUE_STATUS_ORDER: tuple[str, ...] = ("ranked", "not_ranked", "not_filed")

GRADES: tuple[str, ...] = ("A", "B", "C", "D")

KIND_LABELS: dict[str, str] = {"CMP": "投诉数据报表", "DSC": "信息披露报表"}
KIND_ORDER: tuple[str, ...] = ("CMP", "DSC")

#: the reporting status of an expected filing (the web's ``ReportingStatus`` labels, one word per value)
REPORT_STATUS_LABELS: dict[str, str] = {"on_time": "按时报送", "late": "逾期报送", "missing": "未报送"}

LEVEL_LABELS: dict[str, str] = {"high": "高", "medium": "中", "low": "低"}
LEVEL_ORDER: tuple[str, ...] = ("high", "medium", "low")

FINDING_STATUS_LABELS: dict[str, str] = {
    "OPEN": "待处理",
    "EXPLAINED": "已说明",
    "REMEDIATION": "整改中",
    "REFERRED": "已转办",
    "CLOSED": "已关闭",
}
#: A finding is "open" (shown on the institution's feedback sheet) unless it is closed.
CLOSED_FINDING_STATUSES: frozenset[str] = frozenset({"CLOSED"})


def sector_name(code: str) -> str:
    """Return the Chinese name of a sector code, or the code itself when it is unknown."""
    return SECTOR_NAMES.get(code, code)


def sector_sort_key(code: str) -> tuple[int, str]:
    """Sort key putting sectors in spec order, unknown codes last (alphabetically)."""
    try:
        return (SECTOR_ORDER.index(code), code)
    except ValueError:
        return (len(SECTOR_ORDER), code)


def metrics_for_sector(sector: str | None) -> tuple[Metric, ...]:
    """The metrics shown for one sector (``None`` = all sectors: every metric)."""
    if sector is None:
        return METRICS
    return tuple(m for m in METRICS if SECTOR_ONLY_METRICS.get(m.code, sector) == sector)
