"""Quarter series of every §8 league metric, per institution and per sector (issue 14, trends).

Each quarter's figures are the league's own, never recomputed from complaint rows: the latest
published snapshot covering the sector (decision 6) where there is one, else — for regulators
only — the current draft (:func:`supervision.league.services.compute_draft`, computed by the pure
core :mod:`reports.league` from the stored inputs :mod:`supervision.league.inputs`). Filers and
administrators see published quarters only, like the league pages.

An institution's point is its serialized league row (exact ``value`` and ``display`` of each
metric, its status); a sector's point is the §8 sector aggregate, the sector median over the
sector's ranked institutions (display text as published; see docs/decisions.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from reports.league import METRIC_CODES
from supervision.domain.calendar import PeriodCodeError, parse_period
from supervision.domain.enums import Role
from supervision.errors import ServiceError
from supervision.extensions import db
from supervision.league import queries, services
from supervision.league.models import LeagueSnapshotRow
from supervision.orgs.models import Institution
from supervision.periods.models import Period
from supervision.scope import can_see_institution

MAX_QUARTERS = 20


class SeriesError(ServiceError):
    """A series that cannot be read (unknown period, institution or sector outside the reader's scope)."""


@dataclass
class Point:
    """One quarter: ``snapshot`` number (``None`` = draft), the metric → ``{"value", "display"}``
    (``value`` exact for an institution, ``None`` for a sector median, which is published as display
    text), and the institution's league ``status`` (``None`` for a sector)."""

    period: str
    snapshot: int | None
    metrics: dict[str, dict]
    status: str | None = None


@dataclass
class Series:
    """The quarters of one institution (``kind`` ``institution``) or sector (``sector``)."""

    kind: str
    code: str
    name: str
    sector: str
    points: list[Point] = field(default_factory=list)


def window(period: str, quarters: int) -> list[Period]:
    """The stored periods among the ``quarters`` quarters ending with ``period``, oldest first."""
    try:
        last = parse_period(period)
    except PeriodCodeError as exc:
        raise SeriesError("期间代码无效 / invalid period code", 400) from exc
    quarters = max(1, min(quarters, MAX_QUARTERS))
    codes, p = [], last
    for _ in range(quarters):
        codes.append(p.code)
        try:
            p = p.previous()
        except PeriodCodeError:  # before the calendar's first quarter
            break
    found = list(db.session.scalars(select(Period).where(Period.code.in_(codes)).order_by(Period.code)))
    if not any(f.code == last.code for f in found):
        raise SeriesError(f"期间 {last.code} 不存在 / period {last.code} does not exist", 404)
    return found


def _empty_metrics() -> dict[str, dict]:
    return {m: {"value": None, "display": None} for m in METRIC_CODES}


def visible_institution(user, code: str) -> Institution:
    """The institution ``code`` if the reader may see its league rows (a filer: only its own;
    a regulator: within the ``league`` scope), else 404 — indistinguishable from a missing one."""
    inst = db.session.scalar(select(Institution).where(Institution.code == code))
    ok = inst is not None and (
        (user.role == Role.FILER and inst.id == user.institution_id)
        or (queries.is_regulator(user) and can_see_institution(user, inst.id, "league")))
    if not ok:
        raise SeriesError("机构不存在，或您无权查看 / the institution does not exist, or you cannot see it", 404)
    return inst


def visible_sectors(user) -> list[str]:
    """Sectors whose series the reader may see: a filer its own institution's; a regulator those
    with an institution in their ``league`` scope."""
    if user.role == Role.FILER:
        inst = db.session.get(Institution, user.institution_id)
        return [inst.sector] if inst is not None else []
    if not queries.is_regulator(user):
        return []
    from supervision.scope import institution_condition

    return sorted(set(db.session.scalars(select(Institution.sector).where(institution_condition(user, "league")))))


def institution_series(user, inst: Institution, period: str, quarters: int = 8) -> Series:
    """The §8 metrics of ``inst`` per quarter (scope checked by :func:`visible_institution`)."""
    out = Series("institution", inst.code, inst.name, inst.sector)
    for p in window(period, quarters):
        snap = services.published_snapshots(p.id).get(inst.sector)
        if snap is not None:
            row = db.session.scalar(select(LeagueSnapshotRow.data).where(
                LeagueSnapshotRow.snapshot_id == snap.id, LeagueSnapshotRow.institution_code == inst.code))
            number = snap.number
        elif queries.is_regulator(user):
            draft = services.compute_draft(p, cached=True)
            row = next((r for r in draft.table["rows"] if r["institution_code"] == inst.code), None)
            number = None
        else:
            continue
        if row is None:  # not expected in that quarter
            continue
        metrics = {m: {"value": row["metrics"][m]["value"], "display": row["metrics"][m]["display"]}
                   for m in METRIC_CODES}
        out.points.append(Point(p.code, number, metrics, row["status"]))
    return out


def sector_series(user, sector: str, period: str, quarters: int = 8) -> Series:
    """The §8 sector medians of ``sector`` per quarter (only a sector of :func:`visible_sectors`)."""
    if sector not in visible_sectors(user):
        raise SeriesError("行业不存在，或您无权查看 / the sector does not exist, or you cannot see it", 404)
    out = Series("sector", sector, sector, sector)
    for p in window(period, quarters):
        snap = services.published_snapshots(p.id).get(sector)
        if snap is not None:
            medians, number = (snap.medians or {}).get(sector), snap.number
        elif queries.is_regulator(user):
            medians, number = services.compute_draft(p, cached=True).table["medians"].get(sector), None
        else:
            continue
        if medians is None:
            continue
        metrics = _empty_metrics()
        for m in METRIC_CODES:
            metrics[m]["display"] = medians.get(m)
        out.points.append(Point(p.code, number, metrics))
    return out
