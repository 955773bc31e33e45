"""Workbook writers for exports (spec §9): pure, no Flask, no database.

Public API::

    write_summary(target, league, meta, reporting, findings) -> ExportResult   # summary workbook
    write_feedback(target, league, meta, institution_code, findings) -> ExportResult  # 机构反馈
    write_league_csv(target, league, meta, *, labels=False) -> ExportResult
    write_league_json(target, league, meta) -> ExportResult
    league_json(league, meta) -> dict;  csv_rows(league, *, labels=False) -> Iterator[list[str]]
    summarise_reporting(entries) -> list[ReportingLine];  late_and_missing(entries)

``target`` is a path or a binary file object (CSV/JSON also accept a text stream).

Inputs are plain JSON-compatible values:

* ``league``: ``{period, snapshot, rows, medians}``; a row has ``institution_code``, ``name``,
  ``sector`` (PAY/CF/BANK/INS/AUTO), ``status`` (ranked/not_ranked/not_filed), ``reason``,
  ``composite`` (display text or null), ``grade``, ``rank_composite``, ``movement``, ``notice_rank``,
  ``share`` (display text) and ``metrics``: metric code → ``{value, display, rank_sector, rank_all}``
  (``value`` the exact decimal string). ``medians``: sector → metric code → display text.
* ``meta``: ``{period, snapshot (None = draft), ruleset_version, generated_at (aware datetime or ISO
  text with offset), producer, platform_version}`` (the platform's version, shown in the 说明 sheet,
  the feedback sheet's header and the JSON).
* ``reporting``: ``[{institution_code, name, sector, kind (CMP/DSC), status (on_time/late/missing),
  received_at}]``.
* ``findings``: ``[{id, rule, level, status, institution_code, name, period, message}]``.

No cell of any export is ever a formula; numbers are the half-up display numbers (see
:mod:`reports.workbook.safe`).
"""

from reports.workbook.feedback import write_feedback
from reports.workbook.model import ExportResult
from reports.workbook.reporting import ReportingLine, late_and_missing, summarise_reporting
from reports.workbook.safe import DisplayMismatch
from reports.workbook.summary import write_summary
from reports.workbook.tabular import csv_rows, league_json, write_league_csv, write_league_json

__all__ = [
    "DisplayMismatch",
    "ExportResult",
    "ReportingLine",
    "csv_rows",
    "late_and_missing",
    "league_json",
    "summarise_reporting",
    "write_feedback",
    "write_league_csv",
    "write_league_json",
    "write_summary",
]
