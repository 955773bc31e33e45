"""Reporting statistics of the 报送情况 sheet (spec §2): expected, on time, late, missing and rates.

Pure functions over plain dicts. Each entry is one expected filing: ``{institution_code, name,
sector, kind (CMP/DSC), status (on_time/late/missing), received_at}``.

* expected = number of entries (one per institution and kind);
* reporting rate = (on time + late) ÷ expected × 100 (institutions with an accepted filing);
* on-time rate = on time ÷ expected × 100.

Rates are exact fractions, displayed half-up with 2 decimals and no unit sign; with nothing expected
they are empty (``None``), not zero (spec §8: a zero denominator gives an empty value).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from reports.workbook.labels import (
    KIND_ORDER,
    RATE_PLACES,
    REPORT_STATUS_LABELS,
    SECTOR_NAMES,
    sector_sort_key,
)
from reports.workbook.safe import quantize_half_up


@dataclass(frozen=True)
class ReportingLine:
    """Counts for one filing kind and one sector (``sector`` is ``None`` on a kind's total line)."""

    kind: str
    sector: str | None
    expected: int
    on_time: int
    late: int
    missing: int

    @property
    def reported(self) -> int:
        """Institutions with an accepted filing: on time plus late."""
        return self.on_time + self.late

    @property
    def reporting_rate(self) -> Fraction | None:
        """Exact reporting rate in percent, ``None`` when nothing was expected."""
        return Fraction(self.reported * 100, self.expected) if self.expected else None

    @property
    def on_time_rate(self) -> Fraction | None:
        """Exact on-time rate in percent, ``None`` when nothing was expected."""
        return Fraction(self.on_time * 100, self.expected) if self.expected else None

    @property
    def reporting_rate_display(self) -> Decimal | None:
        """Reporting rate rounded half-up to 2 decimals."""
        rate = self.reporting_rate
        return None if rate is None else quantize_half_up(rate, RATE_PLACES)

    @property
    def on_time_rate_display(self) -> Decimal | None:
        """On-time rate rounded half-up to 2 decimals."""
        rate = self.on_time_rate
        return None if rate is None else quantize_half_up(rate, RATE_PLACES)


@dataclass(frozen=True)
class ReportingEntry:
    """One expected filing, validated."""

    institution_code: str
    name: str
    sector: str
    kind: str
    status: str
    received_at: Any


def prepare_entries(entries: Iterable[Mapping[str, Any]]) -> list[ReportingEntry]:
    """Validate reporting entries; an institution may appear once per kind."""
    result: list[ReportingEntry] = []
    seen: set[tuple[str, str]] = set()
    for raw in entries:
        code = raw.get("institution_code")
        kind = raw.get("kind")
        status = raw.get("status")
        sector = raw.get("sector")
        if not isinstance(code, str) or not code:
            raise ValueError(f"reporting entry without institution_code: {raw!r}")
        if kind not in KIND_ORDER:
            raise ValueError(f"reporting entry {code}: unknown kind {kind!r}")
        if status not in REPORT_STATUS_LABELS:
            raise ValueError(f"reporting entry {code}: unknown status {status!r}")
        if sector not in SECTOR_NAMES:
            raise ValueError(f"reporting entry {code}: unknown sector {sector!r}")
        if (code, kind) in seen:
            raise ValueError(f"reporting entry {code} {kind} appears twice")
        seen.add((code, kind))
        name = raw.get("name")
        result.append(
            ReportingEntry(code, name if isinstance(name, str) else "", sector, kind, status, raw.get("received_at"))
        )
    return result


def _line(kind: str, sector: str | None, entries: list[ReportingEntry]) -> ReportingLine:
    counts = {status: 0 for status in REPORT_STATUS_LABELS}
    for entry in entries:
        counts[entry.status] += 1
    return ReportingLine(kind, sector, len(entries), counts["on_time"], counts["late"], counts["missing"])


def summarise_reporting(entries: Iterable[Mapping[str, Any]]) -> list[ReportingLine]:
    """Lines per kind (CMP, DSC) and sector present (spec order), each kind followed by its total.

    A kind with no entry at all is left out.
    """
    prepared = prepare_entries(entries)
    lines: list[ReportingLine] = []
    for kind in KIND_ORDER:
        of_kind = [e for e in prepared if e.kind == kind]
        if not of_kind:
            continue
        for sector in sorted({e.sector for e in of_kind}, key=sector_sort_key):
            lines.append(_line(kind, sector, [e for e in of_kind if e.sector == sector]))
        lines.append(_line(kind, None, of_kind))
    return lines


def late_and_missing(entries: Iterable[Mapping[str, Any]]) -> list[ReportingEntry]:
    """Entries that were not on time: missing first, then late; by kind, sector and institution."""
    order = {"missing": 0, "late": 1}
    return sorted(
        (e for e in prepare_entries(entries) if e.status in order),
        key=lambda e: (
            order[e.status],
            KIND_ORDER.index(e.kind),
            sector_sort_key(e.sector),
            e.institution_code,
        ),
    )
