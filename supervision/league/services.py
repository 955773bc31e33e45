"""League-table actions (spec §8): compute a period's draft, publish it as an immutable numbered
snapshot, and list what changed between two tables.

The draft is computed by the pure core (:func:`reports.league.compute_league`) from the figures
stored at ingest (:mod:`supervision.league.inputs`), with movement against the previous period's
*published* table. Services flush and never commit; the request or the CLI commits.

**Sector-scoped publication** (lead's decision 6, docs/decisions.md): a supervisor publishes the
sectors whose every expected institution is in its ``league`` scope (PBOC publishes ``PAY``); one
whose scope covers every sector — and the console operator — publishes all sectors. A snapshot
records its ``sectors``; numbering per period stays one sequence. The *published table* of a
period is, per sector, the rows and medians of the latest snapshot covering that sector
(:func:`published_snapshots`, :func:`published_table`); a republication's change list compares with
that table for the same sectors, and movement uses the previous period's published table.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, insert, select

from reports.league import LeagueConfig, compute_league, serialize_league
from supervision.audit.services import record
from supervision.domain.calendar import PeriodCodeError, parse_period
from supervision.domain.enums import Role, Sector
from supervision.errors import ServiceError
from supervision.extensions import db
from supervision.filings.models import Filing, FilingVersion
from supervision.filings.reporting import expected_condition
from supervision.findings.models import Finding
from supervision.league.inputs import LeagueInputs, config_json, gather_inputs, league_config, league_inputs
from supervision.league.models import LeagueSnapshot, LeagueSnapshotRow, LeagueSnapshotVersion
from supervision.orgs.models import Institution
from supervision.periods.models import Period
from supervision.rules.catalog import RULESET_VERSION
from supervision.scope import institution_condition
from supervision.timeutil import utcnow

__all__ = ["Draft", "LeagueError", "compute_draft", "diff_tables", "latest_snapshot", "league_config",
           "league_inputs", "previous_published", "publish", "publishable_sectors", "published_snapshots",
           "published_table", "snapshot_table", "table_sha256"]

ROW_FIELDS = ("name", "sector", "status", "reason", "composite", "grade", "rank_composite", "movement",
              "notice_rank", "share")
METRIC_FIELDS = ("value", "rank_sector", "rank_all")


class LeagueError(ServiceError):
    """A refused league action, e.g. publishing (bilingual message, HTTP status)."""


@dataclass
class Draft:
    """A period's table computed now: the serialized table (``snapshot`` None), the inputs it used
    and the movement basis (previous period's snapshot, or None)."""

    period: Period
    table: dict
    inputs: LeagueInputs
    basis: dict | None
    config: LeagueConfig
    computed_at: datetime = field(default_factory=utcnow)

    _changes: dict = field(default_factory=dict, repr=False)

    def changes_since(self, snapshot: LeagueSnapshot) -> list[dict]:
        """:func:`diff_tables` from a published snapshot to this draft (memoised per snapshot)."""
        if snapshot.id not in self._changes:
            self._changes[snapshot.id] = diff_tables(snapshot_table(snapshot), self.table)
        return self._changes[snapshot.id]

    def changes_since_published(self) -> list[dict] | None:
        """:func:`diff_tables` from the period's published table (per sector, the latest snapshot
        covering it) to this draft, for the published sectors; None when nothing is published."""
        key = "published"
        if key not in self._changes:
            # a cached draft outlives the session that loaded ``period``: look it up by code
            period_id = db.session.scalar(select(Period.id).where(Period.code == self.table["period"]))
            published = published_table(period_id)
            if published is None:
                self._changes[key] = None
            else:
                sectors = set(published["sectors"])
                self._changes[key] = diff_tables(published, restrict(self.table, sectors))
        return self._changes[key]

    @property
    def versions(self) -> dict[str, dict[str, int]]:
        """institution code → ``{"CMP": version id, "DSC": version id}`` used."""
        return self.inputs.versions


def latest_snapshot(period_id: int) -> LeagueSnapshot | None:
    """The period's latest published snapshot (highest number, whatever its sectors), or None."""
    return db.session.scalar(select(LeagueSnapshot).where(LeagueSnapshot.period_id == period_id)
                             .order_by(LeagueSnapshot.number.desc()).limit(1))


def snapshot_sectors(snapshot: LeagueSnapshot) -> list[str]:
    """The sectors a snapshot publishes (every sector for a whole-table publication)."""
    return list(snapshot.sectors or Sector.values())


def published_snapshots(period_id: int) -> dict[str, LeagueSnapshot]:
    """Sector → the latest snapshot of the period covering it (sectors never published are absent)."""
    out: dict[str, LeagueSnapshot] = {}
    for snap in db.session.scalars(select(LeagueSnapshot).where(LeagueSnapshot.period_id == period_id)
                                   .order_by(LeagueSnapshot.number.desc())):
        for sector in snapshot_sectors(snap):
            out.setdefault(sector, snap)
    return out


def restrict(table: dict, sectors) -> dict:
    """A serialized table limited to some sectors (rows and medians)."""
    sectors = set(sectors)
    return {**table, "rows": [r for r in table["rows"] if r["sector"] in sectors],
            "medians": {s: m for s, m in table["medians"].items() if s in sectors}}


def published_table(period_id: int, sectors=None, sector: str | None = None) -> dict | None:
    """The period's published table: per sector (among ``sectors``, or one ``sector``) the rows
    and medians of the latest snapshot covering it, in sector order; ``snapshot`` is the highest
    number used, ``sectors`` the sectors shown, ``snapshots`` sector → number. None when none of
    the sectors was ever published."""
    covering = published_snapshots(period_id)
    wanted = [s for s in Sector.values() if s in covering and (sectors is None or s in set(sectors))
              and (sector is None or s == sector)]
    if not wanted:
        return None
    rows, medians = [], {}
    for sec in wanted:
        snap = covering[sec]
        rows += db.session.scalars(select(LeagueSnapshotRow.data).where(
            LeagueSnapshotRow.snapshot_id == snap.id, LeagueSnapshotRow.sector == sec)
            .order_by(LeagueSnapshotRow.position)).all()
        if sec in (snap.medians or {}):
            medians[sec] = snap.medians[sec]
    period = db.session.get(Period, period_id)
    return {"period": period.code, "snapshot": max(covering[s].number for s in wanted), "rows": rows,
            "medians": medians, "sectors": wanted, "snapshots": {s: covering[s].number for s in wanted}}


def previous_published(period: Period) -> tuple[dict[str, int], dict | None]:
    """Composite ranks (code → ``rank_composite``) of the previous period's published table (per
    sector, its latest snapshot covering the sector), and that basis (``{"period", "snapshot"}``,
    plus ``"snapshots"`` sector → number when sectors were published apart); empty and None when
    nothing of the previous period is published."""
    try:
        previous_code = parse_period(period.code).previous().code
    except PeriodCodeError:
        return {}, None
    previous = db.session.scalar(select(Period).where(Period.code == previous_code))
    covering = published_snapshots(previous.id) if previous is not None else {}
    if not covering:
        return {}, None
    ranks: dict[str, int] = {}
    for sector, snap in covering.items():
        ranks.update(db.session.execute(
            select(LeagueSnapshotRow.institution_code, LeagueSnapshotRow.rank_composite)
            .where(LeagueSnapshotRow.snapshot_id == snap.id, LeagueSnapshotRow.sector == sector,
                   LeagueSnapshotRow.rank_composite.is_not(None))).all())
    numbers = {sector: snap.number for sector, snap in covering.items()}
    basis = {"period": previous_code, "snapshot": max(numbers.values())}
    if len(set(numbers.values())) > 1:
        basis["snapshots"] = dict(sorted(numbers.items()))
    return ranks, basis


def compute_draft(period: Period, config: LeagueConfig | None = None, *, cached: bool = False) -> Draft:
    """The period's table as it stands now (all active institutions; scoping is the reader's job).

    ``cached=True`` (pages) reuses a draft computed earlier in this process while the data it
    depends on is unchanged (:func:`draft_fingerprint`); publication and the CLI always compute.
    """
    config = config or league_config()
    key = None
    if cached:
        key = (str(db.engine.url), period.id, json.dumps(config_json(config)), draft_fingerprint(period))
        with _CACHE_LOCK:
            hit = _DRAFTS.get(key)
            if hit is not None:
                _DRAFTS.move_to_end(key)
                return hit
    inputs = gather_inputs(period)
    ranks, basis = previous_published(period)
    result = compute_league(inputs.figures, config, ranks)
    draft = Draft(period, serialize_league(result, period=period.code, snapshot=None), inputs, basis, config)
    if key is not None:
        with _CACHE_LOCK:
            _DRAFTS[key] = draft
            while len(_DRAFTS) > _CACHE_SIZE:
                _DRAFTS.popitem(last=False)
    return draft


_DRAFTS: OrderedDict = OrderedDict()
_CACHE_LOCK = threading.Lock()
_CACHE_SIZE = 8


def draft_fingerprint(period: Period) -> tuple:
    """Cheap summary of everything a draft depends on: the period's versions (count, newest id, last
    state change), its findings (count, newest id, last update and check), the active institutions'
    identity and the previous period's latest snapshot. Covers and derived figures never change
    once a version is stored."""
    versions = db.session.execute(
        select(func.count(FilingVersion.id), func.max(FilingVersion.id), func.max(FilingVersion.status_changed_at))
        .join(Filing, Filing.id == FilingVersion.filing_id).where(Filing.period_id == period.id)).one()
    findings = db.session.execute(
        select(func.count(Finding.id), func.max(Finding.id), func.max(Finding.updated_at),
               func.max(Finding.last_checked_at)).where(Finding.period_id == period.id)).one()
    institutions = hashlib.sha256(repr(db.session.execute(
        select(Institution.id, Institution.code, Institution.name, Institution.sector, Institution.active_from,
               Institution.active_until).order_by(Institution.id)).all()).encode()).hexdigest()
    _, basis = previous_published(period)
    return (tuple(map(str, versions)), tuple(map(str, findings)), institutions, json.dumps(basis))


def snapshot_table(snapshot: LeagueSnapshot, sector: str | None = None) -> dict:
    """The serialized table ``{period, snapshot, rows, medians}`` of a snapshot, exactly as published
    (optionally one sector's rows and medians)."""
    q = select(LeagueSnapshotRow.data).where(LeagueSnapshotRow.snapshot_id == snapshot.id)
    if sector:
        q = q.where(LeagueSnapshotRow.sector == sector)
    rows = list(db.session.scalars(q.order_by(LeagueSnapshotRow.position)))
    medians = snapshot.medians or {}
    if sector:
        medians = {s: m for s, m in medians.items() if s == sector}
    return {"period": snapshot.period.code, "snapshot": snapshot.number, "rows": rows, "medians": medians}


def table_sha256(table: dict) -> str:
    """SHA-256 of a table's canonical JSON (sorted keys, no spaces, UTF-8)."""
    text = json.dumps(table, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _change(code: str | None, name: str | None, field_: str, before, after) -> dict:
    return {"institution_code": code, "name": name, "field": field_, "before": before, "after": after}


def diff_tables(before: dict, after: dict) -> list[dict]:
    """What changed from table ``before`` to ``after``: one entry per changed row field, metric value
    or rank (``metrics.<code>.value`` / ``.rank_sector`` / ``.rank_all``), added or removed
    institution (field ``row``) and sector median (``medians.<sector>.<code>``), in table order."""
    old = {r["institution_code"]: r for r in before.get("rows", [])}
    new = {r["institution_code"]: r for r in after.get("rows", [])}
    changes: list[dict] = []
    for code, row in new.items():
        prev = old.get(code)
        if prev is None:
            changes.append(_change(code, row["name"], "row", None, row["status"]))
            continue
        for key in ROW_FIELDS:
            if prev.get(key) != row.get(key):
                changes.append(_change(code, row["name"], key, prev.get(key), row.get(key)))
        for metric, cell in row["metrics"].items():
            was = prev["metrics"].get(metric, {})
            for key in METRIC_FIELDS:
                if was.get(key) != cell.get(key):
                    changes.append(_change(code, row["name"], f"metrics.{metric}.{key}", was.get(key), cell.get(key)))
    for code, row in old.items():
        if code not in new:
            changes.append(_change(code, row["name"], "row", row["status"], None))
    sectors = list(dict.fromkeys([*after.get("medians", {}), *before.get("medians", {})]))
    for sector in sectors:
        was, now = before.get("medians", {}).get(sector, {}), after.get("medians", {}).get(sector, {})
        for metric in dict.fromkeys([*now, *was]):
            if was.get(metric) != now.get(metric):
                changes.append(_change(None, None, f"medians.{sector}.{metric}", was.get(metric), now.get(metric)))
    return changes


def publishable_sectors(actor, period: Period) -> list[str]:
    """The sectors ``actor`` may publish for ``period`` (decision 6): every sector for the console
    operator (None) and for a supervisor whose ``league`` scope covers every institution expected
    in the period; otherwise the sectors with at least one expected institution, all of them in
    the supervisor's scope (PBOC: ``PAY``). Nothing for other roles."""
    if actor is None:
        return list(Sector.values())
    if actor.role != Role.SUPERVISOR:
        return []
    rows = db.session.execute(
        select(Institution.sector, institution_condition(actor, "league"))
        .where(expected_condition(period.code))).all()
    sectors: dict[str, bool] = {}
    for sector, seen in rows:
        sectors[sector] = sectors.get(sector, True) and bool(seen)
    if all(sectors.values()):
        return list(Sector.values())
    return [s for s in Sector.values() if sectors.get(s)]


def check_can_publish(actor, period: Period, sectors=None) -> list[str]:
    """The sectors to publish (all ``actor`` may publish, or the given subset of them); refuses
    (403) a user who may publish none, or a sector outside what they may publish."""
    if actor is not None and actor.role != Role.SUPERVISOR:
        raise LeagueError("只有审核员可以发布排行榜 / only supervisors publish league tables", 403)
    allowed = publishable_sectors(actor, period)
    if not allowed:
        raise LeagueError("您的排行榜数据范围未完整覆盖任何行业，不能发布 / your league scope covers no sector "
                          "completely, so you cannot publish", 403)
    if sectors is None:
        return allowed
    chosen = [s for s in Sector.values() if s in set(sectors)]
    outside = [s for s in chosen if s not in allowed]
    if outside or not chosen:
        raise LeagueError(f"您不能发布这些行业的排行榜 / you may not publish the sectors {', '.join(outside) or '—'}"
                          f" (yours: {', '.join(allowed)})", 403)
    return chosen


def can_publish(actor, period: Period | None = None) -> bool:
    """Whether ``actor`` may publish some sector of ``period``."""
    if period is None:
        return actor is None or actor.role == Role.SUPERVISOR
    return bool(publishable_sectors(actor, period)) and (actor is None or actor.role == Role.SUPERVISOR)


def _lock_period(period: Period) -> None:
    """Serialise publishers of one period (row lock on PostgreSQL; SQLite serialises writers)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(select(Period.id).where(Period.id == period.id).with_for_update())


@dataclass
class Preview:
    """What publishing now would put on record (the confirmation step, issue 10 item 9)."""

    sectors: list[str]
    table: dict
    sha256: str
    number: int
    previous: dict | None
    changes: list[dict] | None


def publication_preview(actor, period: Period, sectors=None) -> Preview:
    """The table ``publish(actor, period, sectors)`` would publish now (from the page's cached
    draft), its SHA-256 (which the confirmation carries back), the next number, and the changes
    against the published table of the same sectors (None when they were never published)."""
    chosen = check_can_publish(actor, period, sectors)
    draft = compute_draft(period, cached=True)
    full = set(chosen) == set(Sector.values())
    table = draft.table if full else restrict(draft.table, chosen)
    number = (db.session.scalar(select(func.max(LeagueSnapshot.number))
                                .where(LeagueSnapshot.period_id == period.id)) or 0) + 1
    previous = published_table(period.id, chosen)
    changes = None
    if previous is not None:
        changes = diff_tables({k: previous[k] for k in ("period", "snapshot", "rows", "medians")},
                              {**table, "snapshot": number})
    return Preview(chosen, table, table_sha256(table), number, previous, changes)


def publish(actor, period: Period, sectors=None, *, expect_sha256: str | None = None) -> LeagueSnapshot:
    """Publish ``period``'s current table — the sectors ``actor`` may publish (decision 6), or the
    given subset — as the next numbered, immutable snapshot.

    Records who and when, its sectors, the filing versions used, the rule-set version, the
    configuration (§6/§8 parameters in effect, decision 7), the movement basis and the list of
    changes against the published table of the same sectors; refuses (409) to republish a table
    identical to it, and — when ``expect_sha256`` is given (the table the supervisor reviewed on the
    confirmation step, :func:`publication_preview`) — a table that changed since. Audited
    (``league_publish``).
    """
    chosen = check_can_publish(actor, period, sectors)
    _lock_period(period)
    draft = compute_draft(period)
    number = (db.session.scalar(select(func.max(LeagueSnapshot.number))
                                .where(LeagueSnapshot.period_id == period.id)) or 0) + 1
    full = set(chosen) == set(Sector.values())
    candidate = draft.table if full else restrict(draft.table, chosen)
    if expect_sha256 is not None and table_sha256(candidate) != expect_sha256:
        raise LeagueError("排行榜草稿在您确认后已发生变化，请重新查看变化后再发布 / the draft changed after you "
                          "reviewed it: review the changes again before publishing", 409)
    table = {**candidate, "snapshot": number}
    changes: list[dict] = []
    previous = published_table(period.id, chosen)
    if previous is not None:
        before = {k: previous[k] for k in ("period", "snapshot", "rows", "medians")}
        changes = diff_tables(before, table)
        if not changes:
            shown = ", ".join(str(n) for n in sorted(set(previous["snapshots"].values())))
            raise LeagueError(f"排行榜与已发布的第{shown}版相同，无需重新发布 / the table is identical to the "
                              f"published snapshot {shown}; nothing to republish", 409)
    from supervision.parameters.services import recorded_values

    snap = LeagueSnapshot(period_id=period.id, number=number, published_at=utcnow(),
                          published_by_id=getattr(actor, "id", None),
                          published_by_label=getattr(actor, "email", None) or "console",
                          ruleset_version=RULESET_VERSION, sectors=list(chosen),
                          config={**config_json(draft.config), **recorded_values()},
                          medians=table["medians"], movement_basis=draft.basis, changes=changes,
                          row_count=len(table["rows"]), sha256=table_sha256(table))
    db.session.add(snap)
    db.session.flush()
    ids = draft.inputs.institution_ids
    if table["rows"]:
        db.session.execute(insert(LeagueSnapshotRow.__table__), [
            {"snapshot_id": snap.id, "position": pos, "institution_id": ids.get(row["institution_code"]),
             "institution_code": row["institution_code"], "name": row["name"], "sector": row["sector"],
             "status": row["status"], "rank_composite": row["rank_composite"], "grade": row["grade"], "data": row}
            for pos, row in enumerate(table["rows"], start=1)])
    codes = {row["institution_code"] for row in table["rows"]}
    used = [{"snapshot_id": snap.id, "version_id": vid, "institution_id": ids[code], "kind": kind}
            for code, kinds in draft.versions.items() if code in codes for kind, vid in kinds.items()]
    if used:
        db.session.execute(insert(LeagueSnapshotVersion.__table__), used)
    record("league_publish", actor=actor, object_type="league_snapshot", object_id=snap.id,
           actor_label=None if actor is not None else "console",
           detail={"period": period.code, "number": number, "sectors": list(chosen), "rows": snap.row_count,
                   "changes": len(changes), "sha256": snap.sha256, "ruleset_version": RULESET_VERSION,
                   "movement_basis": draft.basis, "versions": len(used), "config": snap.config})
    return snap
