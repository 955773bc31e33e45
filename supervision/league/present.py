"""Presentation of serialized league tables: labels, the 通报 sections, comparison of two periods
and the data behind the charts. Pure functions of the serialized table (``serialize_league``
output), so the page, the CSV and the JSON show the same numbers.
"""

from __future__ import annotations

from decimal import Decimal
from html import escape as html_escape

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from markupsafe import Markup

from reports.league import METRIC_CODES, METRICS
from reports.league.compute import sector_sort_key
from reports.league.serialize import metric_places
from reports.numbers import display

LOWER_IS_BETTER = {m.code: m.better.value == "lower" for m in METRICS}
SPEC_LABELS = {m.code: m.label for m in METRICS}
PERCENT = frozenset({"on_time_rate", "closure_rate", "favourable_rate", "escalation_rate"})

METRIC_LABELS = {
    "received": _l("Complaints received"),
    "per_10k_customers": _l("Complaints per 10k customers"),
    "per_100m_volume": _l("Complaints per 100m yuan of business"),
    "on_time_rate": _l("On-time closure rate"),
    "closure_rate": _l("Closure rate"),
    "favourable_rate": _l("Resolution rate"),
    "escalation_rate": _l("Escalation rate"),
    "regulator_per_10k": _l("Regulator transfers per 10k customers"),
    "txn_bp": _l("Transactions involved (BP, PAY only)"),
    "disclosure_score": _l("Disclosure score"),
}
STATUS_LABELS = {"ranked": _l("Ranked"), "not_ranked": _l("Not ranked"), "not_filed": _l("Not filed")}
GRADE_CLASSES = {"A": "text-bg-success", "B": "text-bg-primary", "C": "text-bg-warning", "D": "text-bg-danger"}


def metric_label(code: str) -> str:
    """Translated label of a metric code (falls back to the code)."""
    return str(METRIC_LABELS.get(code, code))


def metric_unit(code: str) -> str:
    """The unit the UI adds to a metric (``%`` for rates; the data never carries it)."""
    return "%" if code in PERCENT else ""


def movement_view(movement: int | None) -> tuple[str, str, str]:
    """(arrow text, CSS class, accessible label) of a movement (+ = better)."""
    if movement is None:
        return "—", "text-muted", str(_l("no movement (not ranked in both periods)"))
    if movement > 0:
        return f"▲{movement}", "text-success", ngettext("up %(num)s place", "up %(num)s places", movement)
    if movement < 0:
        return f"▼{-movement}", "text-danger", ngettext("down %(num)s place", "down %(num)s places", -movement)
    return "＝", "text-secondary", str(_l("unchanged"))


def sectors_of(table: dict) -> list[str]:
    """Sectors present in a table (rows or medians), in spec order."""
    found = {r["sector"] for r in table["rows"]} | set(table.get("medians", {}))
    return sorted(found, key=sector_sort_key)


def _received(row: dict) -> int:
    value = row["metrics"]["received"]["value"]
    return int(value) if value is not None else 0


def notice_sections(table: dict) -> list[dict]:
    """The 通报 layout (§8): per sector, the filers with an accepted CMP ordered by notice rank, the
    sector's total received and its medians; unfiled and unaccepted institutions listed apart."""
    sections = []
    for sector in sectors_of(table):
        rows = [r for r in table["rows"] if r["sector"] == sector]
        listed = sorted((r for r in rows if r["notice_rank"] is not None), key=lambda r: r["notice_rank"])
        sections.append({
            "sector": sector, "rows": listed, "total": sum(_received(r) for r in listed),
            "others": [r for r in rows if r["notice_rank"] is None],
            "medians": table.get("medians", {}).get(sector, {}),
        })
    return sections


def _exact(row: dict | None, metric: str) -> Decimal | None:
    if row is None:
        return None
    value = row["metrics"][metric]["value"]
    return None if value is None else Decimal(value)


def compare_rows(before: dict, after: dict, metric: str) -> list[dict]:
    """Institutions of two tables side by side for one metric: values, ranks, the change of the
    value (exact difference, displayed half-up) and of the sector rank (+ = better)."""
    old = {r["institution_code"]: r for r in before["rows"]}
    new = {r["institution_code"]: r for r in after["rows"]}
    out = []
    for code in list(dict.fromkeys([*new, *old])):
        a, b = old.get(code), new.get(code)
        va, vb = _exact(a, metric), _exact(b, metric)
        ra = a["metrics"][metric]["rank_sector"] if a else None
        rb = b["metrics"][metric]["rank_sector"] if b else None
        ref = b or a
        out.append({"code": code, "name": ref["name"], "sector": ref["sector"], "a": a, "b": b,
                    "delta": display(vb - va, metric_places(metric)) if va is not None and vb is not None else None,
                    "rank_delta": ra - rb if ra is not None and rb is not None else None})
    out.sort(key=lambda x: (sector_sort_key(x["sector"]), (x["b"] or {}).get("rank_composite") is None,
                            (x["b"] or {}).get("rank_composite") or 0, x["code"]))
    return out


def _number(text: str | None) -> float | None:
    """Display text as a chart number (charts only: tables and exports keep the exact text)."""
    return None if text is None else float(text)


def ranked_bar(table: dict, metric: str, sector: str | None) -> dict:
    """Ranked bar chart data: ranked institutions with a value, best first (sector rank within a
    sector, rank across all sectors otherwise)."""
    key = "rank_sector" if sector else "rank_all"
    rows = [r for r in table["rows"] if (not sector or r["sector"] == sector)
            and r["metrics"][metric][key] is not None]
    rows.sort(key=lambda r: (r["metrics"][metric][key], r["institution_code"]))
    median = table.get("medians", {}).get(sector, {}).get(metric) if sector else None
    return {"type": "bar", "metric": metric, "label": metric_label(metric), "unit": metric_unit(metric),
            "names": [r["name"] for r in rows], "ranks": [r["metrics"][metric][key] for r in rows],
            "values": [_number(r["metrics"][metric]["display"]) for r in rows], "median": _number(median)}


def distribution(table: dict, metric: str, sector: str) -> dict:
    """Distribution of a metric over a sector's ranked institutions, with the sector median."""
    rows = [r for r in table["rows"] if r["sector"] == sector and r["status"] == "ranked"
            and r["metrics"][metric]["value"] is not None]
    rows.sort(key=lambda r: Decimal(r["metrics"][metric]["value"]))
    return {"type": "distribution", "metric": metric, "label": metric_label(metric), "unit": metric_unit(metric),
            "sector": sector, "names": [r["name"] for r in rows],
            "values": [_number(r["metrics"][metric]["display"]) for r in rows],
            "median": _number(table.get("medians", {}).get(sector, {}).get(metric))}


def trend(points: list[dict], metric: str) -> dict:
    """Trend lines of one institution's metric against its sector median over periods."""
    return {"type": "trend", "metric": metric, "label": metric_label(metric), "unit": metric_unit(metric),
            "periods": [p["period"] for p in points],
            "values": [_number(p["row"]["metrics"][metric]["display"]) if p["row"] else None for p in points],
            "medians": [_number(p["medians"].get(metric)) for p in points],
            "series": [str(_l("Institution")), str(_l("Sector median"))]}


def median_trend(history: list[tuple[str, dict]], metric: str) -> dict:
    """Sector medians of a metric over periods (one line per sector) from published medians."""
    sectors = sorted({s for _, medians in history for s in medians}, key=sector_sort_key)
    return {"type": "lines", "metric": metric, "label": metric_label(metric), "unit": metric_unit(metric),
            "periods": [code for code, _ in history], "series": sectors,
            "lines": [[_number(medians.get(s, {}).get(metric)) for _, medians in history] for s in sectors]}


def metric_choices() -> list[tuple[str, str]]:
    """(code, label) of every metric, spec order."""
    return [(code, metric_label(code)) for code in METRIC_CODES]


def _cell(value: str | None, text: str, css: str) -> str:
    """One ``<td>``, every piece escaped (``html.escape`` quotes too)."""
    return f'<td data-value="{html_escape(value or "")}" class="{html_escape(css)}">{html_escape(text)}</td>'


def _rank_text(rank: int | None) -> str:
    return "—" if rank is None else str(rank)


def _value_text(cell: dict, code: str) -> str:
    return "—" if cell["display"] is None else cell["display"] + metric_unit(code)


def table_rows(rows: list[dict], metric: str) -> list[dict]:
    """Per row, the pre-rendered cells of every metric but the one in focus (value and sector rank),
    so a page of hundreds of rows renders without a template call per cell."""
    others = [c for c in METRIC_CODES if c != metric]
    out = []
    for r in rows:
        cells = []
        for code in others:
            m = r["metrics"][code]
            cells.append(_cell(m["value"], _value_text(m, code), f"metric-{code}"))
            cells.append(_cell(None if m["rank_sector"] is None else str(m["rank_sector"]),
                               _rank_text(m["rank_sector"]), "text-muted"))
        out.append({"row": r, "cells": Markup("".join(cells))})  # noqa: S704 - built from escaped pieces only
    return out
