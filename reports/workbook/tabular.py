"""CSV and JSON of the league table (spec §9), with the same numbers as the workbook.

CSV: UTF-8 with a byte-order mark (so Excel detects the encoding), ``\\r\\n`` line ends, one header
row (machine codes by default, Chinese labels with ``labels=True``), the columns of the 排行榜 sheet
(:func:`reports.workbook.columns.league_columns`) in the same order, codes instead of Chinese names
for sector and status. Numbers are the display numbers as text (``83.25``, ``-3``); empty values are
empty fields. Formula safety: a text field that starts with ``=``, ``+``, ``-``, ``@``, tab or CR
(also after leading spaces or in full-width form) or with ``'`` is written with one extra leading
``'`` — Excel then shows it as text; a consumer recovers the original by dropping one leading ``'``.

JSON: UTF-8, the league with exact values (``value``) and display values (``display``) as strings,
ranks as integers, nulls as ``null``, plus the export metadata; text is never altered.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Iterator, Mapping
from typing import Any

from reports.workbook.columns import league_columns
from reports.workbook.labels import METRICS
from reports.workbook.model import (
    SHANGHAI,
    ExportResult,
    League,
    LeagueRow,
    Meta,
    export_result,
    prepare_league,
    prepare_meta,
    start_position,
)
from reports.workbook.safe import csv_text, number_text


def _csv_field(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return csv_text(value)
    return number_text(value) or ""


def csv_rows(league: Mapping[str, Any], *, labels: bool = False) -> Iterator[list[str]]:
    """The CSV records of a league dict: the header row, then one formula-safe row per institution."""
    return _records(prepare_league(league), labels)


def _records(prepared: League, labels: bool) -> Iterator[list[str]]:
    columns = league_columns(None)
    yield [c.header if labels else c.code for c in columns]
    for row in prepared.rows:
        yield [_csv_field(c.data_value(row)) for c in columns]


def write_league_csv(
    target: Any, league: Mapping[str, Any], meta: Mapping[str, Any], *, labels: bool = False
) -> ExportResult:
    """Write the league table as CSV to ``target``: a path, a binary file object or a text stream.

    A path or a binary stream gets UTF-8 with BOM; a text stream gets the BOM character first and
    is encoded by its owner (its SHA-256 is then ``None`` in the result).
    """
    prepared = prepare_league(league)
    info = prepare_meta(meta, prepared)
    start = start_position(target)
    rows = _records(prepared, labels)
    if isinstance(target, str | os.PathLike):
        with open(target, "w", encoding="utf-8-sig", newline="") as fh:
            csv.writer(fh).writerows(rows)
    elif isinstance(target, io.TextIOBase):
        target.write("\ufeff")
        csv.writer(target).writerows(rows)
        return export_result("csv", info, None, None)
    else:
        wrapper = io.TextIOWrapper(target, encoding="utf-8-sig", newline="", write_through=True)
        try:
            csv.writer(wrapper).writerows(rows)
            wrapper.flush()
        finally:
            wrapper.detach()
    return export_result("csv", info, target, start)


def _row_json(row: LeagueRow) -> dict[str, Any]:
    return {
        "institution_code": row.institution_code,
        "name": row.name,
        "sector": row.sector,
        "status": row.status,
        "reason": row.reason,
        "composite": number_text(row.composite),
        "grade": row.grade,
        "rank_composite": row.rank_composite,
        "movement": row.movement,
        "notice_rank": row.notice_rank,
        "share": number_text(row.share),
        "metrics": {
            m.code: {
                "value": number_text(row.metrics[m.code].exact),
                "display": number_text(row.metrics[m.code].shown),
                "rank_sector": row.metrics[m.code].rank_sector,
                "rank_all": row.metrics[m.code].rank_all,
            }
            for m in METRICS
        },
    }


def league_json(league: Mapping[str, Any], meta: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON document of a league table: metadata, rows (workbook order) and sector medians."""
    prepared: League = prepare_league(league)
    info: Meta = prepare_meta(meta, prepared)
    return {
        "period": info.period,
        "snapshot": info.snapshot,
        "ruleset_version": info.ruleset_version,
        "platform_version": info.platform_version,
        "generated_at": info.generated_at.astimezone(SHANGHAI).isoformat(),
        "producer": info.producer,
        "rows": [_row_json(r) for r in prepared.rows],
        "medians": {
            sector: {code: number_text(value) for code, value in by_metric.items()}
            for sector, by_metric in prepared.medians.items()
        },
    }


def write_league_json(target: Any, league: Mapping[str, Any], meta: Mapping[str, Any]) -> ExportResult:
    """Write :func:`league_json` as UTF-8 JSON to ``target`` (a path, binary file object or text stream)."""
    document = league_json(league, meta)
    info = prepare_meta(meta)
    text = json.dumps(document, ensure_ascii=False, indent=1)
    start = start_position(target)
    if isinstance(target, str | os.PathLike):
        with open(target, "w", encoding="utf-8") as fh:
            fh.write(text)
    elif isinstance(target, io.TextIOBase):
        target.write(text)
        return export_result("json", info, None, None)
    else:
        target.write(text.encode("utf-8"))
    return export_result("json", info, target, start)
