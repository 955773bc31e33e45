"""Validated, typed views of the plain-dict inputs of the export writers.

The writers take JSON-compatible dicts (see ``reports/workbook/__init__.py``) so that they depend on no
other module; this module checks them once and turns every figure into the exact number it displays
(:func:`reports.workbook.safe.display_number`), so the workbook, the feedback sheet, the CSV and the
JSON are built from the same numbers.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from reports.workbook.labels import (
    GRADES,
    LEAGUE_STATUS_LABELS,
    LEAGUE_STATUS_ORDER,
    LEVEL_ORDER,
    METRICS,
    SCORE_PLACES,
    SECTOR_NAMES,
    SHARE_PLACES,
    sector_sort_key,
)
from reports.workbook.safe import display_number, parse_decimal, strict_int

try:
    from zoneinfo import ZoneInfo

    SHANGHAI: Any = ZoneInfo("Asia/Shanghai")
except Exception:  # pragma: no cover - no tz database: China has had no DST since 1991
    SHANGHAI = timezone(timedelta(hours=8), "Asia/Shanghai")


@dataclass(frozen=True)
class MetricCell:
    """One metric of one institution: exact value, display number and its two ranks."""

    exact: Decimal | None
    shown: Decimal | None
    rank_sector: int | None
    rank_all: int | None


@dataclass(frozen=True)
class LeagueRow:
    """One institution of the league table, validated."""

    institution_code: str
    name: str
    sector: str
    status: str
    reason: str | None
    composite: Decimal | None
    grade: str | None
    rank_composite: int | None
    movement: int | None
    notice_rank: int | None
    share: Decimal | None
    metrics: Mapping[str, MetricCell]

    @property
    def status_label(self) -> str:
        """Chinese label of the league status (已排名 / 未排名 / 未报送)."""
        return LEAGUE_STATUS_LABELS[self.status]


@dataclass(frozen=True)
class League:
    """A validated league table: rows in export order and sector medians as display numbers."""

    period: str | None
    snapshot: int | None
    rows: tuple[LeagueRow, ...]
    medians: Mapping[str, Mapping[str, Decimal | None]]

    @property
    def sectors(self) -> tuple[str, ...]:
        """Sectors that have at least one row, in spec order."""
        return tuple(sorted({r.sector for r in self.rows}, key=sector_sort_key))


@dataclass(frozen=True)
class Meta:
    """Who produced an export, when, and from which period, snapshot and rule set."""

    period: str
    snapshot: int | None
    ruleset_version: str
    generated_at: datetime
    producer: str
    platform_version: str = ""

    @property
    def generated_local(self) -> str:
        """``generated_at`` in Asia/Shanghai as ``YYYY-MM-DD HH:MM:SS``."""
        return self.generated_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")

    @property
    def snapshot_label(self) -> str:
        """``第N版`` for a published snapshot, ``草稿（未发布）`` for a draft."""
        return "草稿（未发布）" if self.snapshot is None else f"第{self.snapshot}版"


@dataclass(frozen=True)
class Finding:
    """One supervisory finding, validated."""

    id: int | str
    rule: str
    level: str
    status: str
    institution_code: str
    name: str
    period: str
    message: str
    #: remediation due date (ISO text) and whether it has passed unremedied (marked by the daily job)
    remediation_due: str | None = None
    overdue: bool = False


@dataclass(frozen=True)
class ExportResult:
    """What the caller records for an export (spec §9): producer, time, snapshot, size and SHA-256.

    ``sha256`` and ``size`` are ``None`` when the target was a file object that cannot be read back.
    """

    kind: str
    period: str
    snapshot: int | None
    producer: str
    generated_at: str
    sha256: str | None
    size: int | None


def _text(row: Mapping[str, Any], key: str, where: str, *, required: bool = True) -> str | None:
    value = row.get(key)
    if value is None:
        if required:
            raise ValueError(f"{where}: {key} is required")
        return None
    if not isinstance(value, str):
        raise TypeError(f"{where}: {key} must be text, got {type(value).__name__}")
    return value


def _metric(row: Mapping[str, Any], code: str, places: int, where: str) -> MetricCell:
    raw = row.get(code) or {}
    if not isinstance(raw, Mapping):
        raise TypeError(f"{where}: metrics.{code} must be an object")
    field = f"{where} metrics.{code}"
    exact = parse_decimal(raw.get("value"), field)
    return MetricCell(
        exact=exact,
        shown=display_number(exact, raw.get("display"), places, field),
        rank_sector=strict_int(raw.get("rank_sector"), field),
        rank_all=strict_int(raw.get("rank_all"), field),
    )


def prepare_row(raw: Mapping[str, Any]) -> LeagueRow:
    """Validate one league row and compute its display numbers."""
    code = _text(raw, "institution_code", "league row")
    where = f"league row {code}"
    status = _text(raw, "status", where)
    if status not in LEAGUE_STATUS_LABELS:
        raise ValueError(f"{where}: unknown status {status!r}")
    sector = _text(raw, "sector", where)
    if sector not in SECTOR_NAMES:
        raise ValueError(f"{where}: unknown sector {sector!r}")
    grade = _text(raw, "grade", where, required=False)
    if grade is not None and grade not in GRADES:
        raise ValueError(f"{where}: unknown grade {grade!r}")
    metrics = raw.get("metrics") or {}
    if not isinstance(metrics, Mapping):
        raise TypeError(f"{where}: metrics must be an object")
    return LeagueRow(
        institution_code=code,
        name=_text(raw, "name", where),
        sector=sector,
        status=status,
        reason=_text(raw, "reason", where, required=False),
        composite=display_number(None, raw.get("composite"), SCORE_PLACES, f"{where} composite"),
        grade=grade,
        rank_composite=strict_int(raw.get("rank_composite"), f"{where} rank_composite"),
        movement=strict_int(raw.get("movement"), f"{where} movement"),
        notice_rank=strict_int(raw.get("notice_rank"), f"{where} notice_rank"),
        share=display_number(None, raw.get("share"), SHARE_PLACES, f"{where} share"),
        metrics={m.code: _metric(metrics, m.code, m.places, where) for m in METRICS},
    )


def league_sort_key(row: LeagueRow) -> tuple[Any, ...]:
    """Export order: sector, then ranked / not ranked / not filed, then sector composite rank, code."""
    rank = row.rank_composite
    return (
        sector_sort_key(row.sector),
        LEAGUE_STATUS_ORDER.index(row.status),
        rank is None,
        rank or 0,
        row.institution_code,
    )


def prepare_league(league: Mapping[str, Any]) -> League:
    """Validate a league dict (``period``, ``snapshot``, ``rows``, ``medians``) into a :class:`League`."""
    rows = tuple(sorted((prepare_row(r) for r in league.get("rows") or ()), key=league_sort_key))
    codes = [r.institution_code for r in rows]
    if len(set(codes)) != len(codes):
        raise ValueError("league: an institution appears twice")
    medians: dict[str, dict[str, Decimal | None]] = {}
    for sector, by_metric in (league.get("medians") or {}).items():
        medians[sector] = {
            m.code: display_number(None, (by_metric or {}).get(m.code), m.median_places, f"median {sector}.{m.code}")
            for m in METRICS
        }
    return League(
        period=league.get("period"),
        snapshot=strict_int(league.get("snapshot"), "league snapshot"),
        rows=rows,
        medians=medians,
    )


def _aware(value: Any) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if not isinstance(value, datetime):
        raise TypeError(f"generated_at must be a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("generated_at must be timezone-aware")
    return value


def prepare_meta(meta: Mapping[str, Any], league: League | None = None) -> Meta:
    """Validate export metadata; when ``league`` is given, its period and snapshot must agree."""
    result = Meta(
        period=_text(meta, "period", "meta"),
        snapshot=strict_int(meta.get("snapshot"), "meta snapshot"),
        ruleset_version=str(meta.get("ruleset_version") or ""),
        generated_at=_aware(meta.get("generated_at")),
        producer=_text(meta, "producer", "meta"),
        platform_version=str(meta.get("platform_version") or ""),
    )
    if league is not None:
        if league.period is not None and league.period != result.period:
            raise ValueError(f"meta period {result.period!r} differs from the league's {league.period!r}")
        if league.snapshot != result.snapshot:
            raise ValueError(f"meta snapshot {result.snapshot!r} differs from the league's {league.snapshot!r}")
    return result


def local_time_text(value: Any) -> str | None:
    """An aware datetime or ISO text as Asia/Shanghai ``YYYY-MM-DD HH:MM:SS``; other text unchanged."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return value.strftime("%Y-%m-%d %H:%M:%S")
        return value.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")
    return str(value)


def prepare_findings(findings: Iterable[Mapping[str, Any]]) -> list[Finding]:
    """Validate findings and order them by rule, level (high first), status, institution and id."""
    result = []
    for raw in findings:
        fid = raw.get("id")
        if isinstance(fid, bool) or not isinstance(fid, int | str):
            raise TypeError(f"finding id must be an integer or text, got {fid!r}")
        where = f"finding {fid}"
        result.append(
            Finding(
                id=fid,
                rule=_text(raw, "rule", where),
                level=_text(raw, "level", where),
                status=_text(raw, "status", where),
                institution_code=_text(raw, "institution_code", where),
                name=_text(raw, "name", where, required=False) or "",
                period=_text(raw, "period", where, required=False) or "",
                message=_text(raw, "message", where, required=False) or "",
                remediation_due=_text(raw, "remediation_due", where, required=False),
                overdue=bool(raw.get("overdue")),
            )
        )

    def key(f: Finding) -> tuple[Any, ...]:
        """Sort key: rule, level (high first), status, institution, id."""
        level = LEVEL_ORDER.index(f.level) if f.level in LEVEL_ORDER else len(LEVEL_ORDER)
        return (f.rule, level, f.level, f.status, f.institution_code, str(f.id))

    return sorted(result, key=key)


def _digest(target: Any, start: int | None) -> tuple[str | None, int | None]:
    sha = hashlib.sha256()
    if isinstance(target, str | os.PathLike):
        size = 0
        with open(target, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                sha.update(chunk)
                size += len(chunk)
        return sha.hexdigest(), size
    if hasattr(target, "getbuffer"):
        view = target.getbuffer()[start or 0 :]
        try:
            sha.update(view)
            return sha.hexdigest(), view.nbytes
        finally:
            view.release()
    seekable = getattr(target, "seekable", lambda: False)()
    if start is not None and seekable and getattr(target, "readable", lambda: False)():
        end = target.tell()
        target.seek(start)
        data = target.read(end - start)
        target.seek(end)
        sha.update(data)
        return sha.hexdigest(), len(data)
    return None, None


def start_position(target: Any) -> int | None:
    """Where a file object's export begins (``None`` for paths and unseekable streams)."""
    if isinstance(target, str | os.PathLike):
        return None
    try:
        return target.tell()
    except (AttributeError, OSError, ValueError):
        return None


def export_result(kind: str, meta: Meta, target: Any, start: int | None) -> ExportResult:
    """Describe a finished export written to ``target`` (hashing what was written from ``start``)."""
    sha, size = _digest(target, start)
    return ExportResult(
        kind=kind,
        period=meta.period,
        snapshot=meta.snapshot,
        producer=meta.producer,
        generated_at=meta.generated_at.astimezone(UTC).isoformat(),
        sha256=sha,
        size=size,
    )
