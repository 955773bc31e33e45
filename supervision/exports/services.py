"""Building exports (spec §9) from the league table, the reporting figures and the findings, and
storing every file in the archive with its SHA-256, producer, snapshot and time.

* The league table is the period's latest *published* snapshot when there is one (public, every
  row), else the draft computed now (rows limited to the scope's ``league`` institutions); the
  workbook's 说明 sheet says which (``meta.snapshot``).
* A scope is an agency's view (:class:`AgencyView`, the same rules as its users through
  :mod:`supervision.scope`) or ``None`` for every institution (jobs and the console).
* The pure writers of :mod:`reports.workbook` write the file; it is then moved to
  ``EXPORT_FOLDER/ab/<sha256>.<ext>`` and recorded with the institutions whose data it holds.

Services flush; the job, command or request commits.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import insert, select

from reports.workbook import write_feedback, write_league_csv, write_league_json, write_summary
from supervision.audit.services import record
from supervision.domain.calendar import TZ
from supervision.domain.enums import REGULATOR_ROLES, FindingStatus, Role
from supervision.errors import ServiceError
from supervision.exports.models import Export, ExportInstitution
from supervision.extensions import db
from supervision.filings import reporting
from supervision.findings.models import Finding
from supervision.league import services as league
from supervision.league.models import LeagueSnapshot
from supervision.orgs.models import Agency, Institution
from supervision.periods.models import Period
from supervision.rules.catalog import RULESET_VERSION
from supervision.scope import institution_condition
from supervision.timeutil import as_utc, utcnow
from supervision.version import platform_version

ALL_LABEL = "ALL"


class ExportError(ServiceError):
    """A refused export (bilingual message, HTTP status)."""


@dataclass(frozen=True)
class AgencyView:
    """What an agency's regulator users see, as a user-like object for :mod:`supervision.scope`."""

    agency_id: int
    role: str = Role.ANALYST
    is_authenticated: bool = True
    is_active: bool = True
    id: None = None
    institution_id: None = None


@dataclass
class LeagueSource:
    """The table an export uses: the serialized table, its snapshot (None = draft) and code → id."""

    table: dict
    snapshot: object | None
    ids: dict[str, int]


def view_of(user) -> AgencyView | None:
    """The scope an export made by ``user`` is built for (None for the console: everything)."""
    if user is None:
        return None
    if user.role not in REGULATOR_ROLES or not user.agency_id:
        raise ExportError("只有监管人员可以生成该导出 / only regulator staff make this export", 403)
    return AgencyView(user.agency_id)


def scope_ids(view: AgencyView | None, kind: str) -> set[int]:
    """Ids of the institutions ``view`` sees for ``kind`` (every institution when None)."""
    q = select(Institution.id)
    if view is not None:
        q = q.where(institution_condition(view, kind))
    return set(db.session.scalars(q))


def league_source(period: Period, draft: league.Draft | None = None) -> LeagueSource:
    """The period's published table (per sector, the latest snapshot covering it; ``snapshot`` is
    the newest of them), else its draft (computed now unless given)."""
    published = league.published_table(period.id)
    if published is not None:
        snap = db.session.scalar(select(LeagueSnapshot).where(LeagueSnapshot.period_id == period.id,
                                                              LeagueSnapshot.number == published["snapshot"]))
        table = {k: published[k] for k in ("period", "snapshot", "rows", "medians")}
        codes = [r["institution_code"] for r in table["rows"]]
        ids = dict(db.session.execute(select(Institution.code, Institution.id)
                                      .where(Institution.code.in_(codes))).all()) if codes else {}
        return LeagueSource(table, snap, ids)
    draft = draft or league.compute_draft(period)
    return LeagueSource(draft.table, None, dict(draft.inputs.institution_ids))


def scoped_table(source: LeagueSource, league_ids: set[int] | None) -> dict:
    """A draft limited to the institutions in ``league_ids`` (medians of the sectors shown); a
    published table is public and returned whole."""
    if source.snapshot is not None or league_ids is None:
        return source.table
    rows = [r for r in source.table["rows"] if source.ids.get(r["institution_code"]) in league_ids]
    sectors = {r["sector"] for r in rows}
    return {**source.table, "rows": rows,
            "medians": {s: m for s, m in source.table["medians"].items() if s in sectors}}


def reporting_entries(period: Period, institution_ids: set[int] | None) -> list[dict]:
    """One entry per institution expected in the period (in ``institution_ids`` when given) and kind,
    with its status — ``on_time``, ``late`` or ``missing`` — by the one definition of
    :mod:`supervision.filings.reporting` (decision 4; the dashboard and ``T01`` use it too)."""
    entries = reporting.reporting_entries(period, institution_ids, order=(Institution.sector, Institution.code))
    return [{"institution_code": e.institution.code, "name": e.institution.name, "sector": e.institution.sector,
             "kind": e.kind, "status": e.status.value, "received_at": e.first_at} for e in entries]


def finding_dicts(findings) -> list[dict]:
    """Findings as the writers' plain dicts (Chinese message)."""
    return [{"id": f.id, "rule": f.rule, "level": f.level, "status": f.status, "institution_code": f.institution.code,
             "name": f.institution.name, "period": f.period.code, "message": f.message_zh,
             "remediation_due": f.remediation_due.isoformat() if f.remediation_due else None,
             "overdue": f.status == FindingStatus.REMEDIATION and f.remediation_overdue_at is not None}
            for f in findings]


def period_findings(period: Period, institution_ids: set[int] | None) -> list[Finding]:
    """Every finding of the period (any status) of the given institutions (all when None)."""
    q = select(Finding).where(Finding.period_id == period.id).order_by(Finding.rule, Finding.id)
    if institution_ids is not None:
        q = q.where(Finding.institution_id.in_(sorted(institution_ids)))
    return list(db.session.scalars(q))


def _meta(period: Period, source: LeagueSource, producer: str, now: datetime | None) -> dict:
    return {"period": period.code, "snapshot": source.snapshot.number if source.snapshot else None,
            "ruleset_version": source.snapshot.ruleset_version if source.snapshot else RULESET_VERSION,
            "generated_at": as_utc(now) if now else utcnow(), "producer": producer,
            "platform_version": platform_version()}


def _write_and_store(ext: str, write) -> tuple[str, str, int]:
    """Run ``write(path)`` on a private scratch file, then store it as ``ab/<sha256>.<ext>`` in the
    exports store (verified after the write); returns (key, sha256, size)."""
    from supervision.storage.service import scratch_dir, store_file

    tmp = scratch_dir() / f".export-{uuid.uuid4().hex}.{ext}"
    try:
        result = write(str(tmp))
        stored = store_file("exports", tmp, suffix=f".{ext}")
        if stored.sha256 != result.sha256 or stored.size != result.size:
            raise RuntimeError(f"export changed while stored: {result.sha256} → {stored.sha256}")
    finally:
        tmp.unlink(missing_ok=True)
    return stored.relative, stored.sha256, stored.size


def _stamp(now: datetime | None) -> str:
    return (as_utc(now) if now else utcnow()).astimezone(TZ).strftime("%Y%m%d-%H%M%S")


def _record(kind: str, period: Period, source: LeagueSource, *, filename: str, stored: tuple[str, str, int],
            producer: str, actor, job_run_id: int | None, scope_label: str, scope_agency_id: int | None,
            institution_id: int | None, holds: dict[str, set[int]], now: datetime | None) -> Export:
    relative, sha, size = stored
    exp = Export(kind=kind, period_id=period.id, snapshot_id=source.snapshot.id if source.snapshot else None,
                 snapshot_number=source.snapshot.number if source.snapshot else None, institution_id=institution_id,
                 scope_agency_id=scope_agency_id, scope_label=scope_label[:200], filename=filename[:200],
                 storage_path=relative, sha256=sha, size=size,
                 ruleset_version=source.snapshot.ruleset_version if source.snapshot else RULESET_VERSION,
                 producer=producer[:254], producer_user_id=getattr(actor, "id", None), job_run_id=job_run_id,
                 created_at=as_utc(now) if now else utcnow())
    db.session.add(exp)
    db.session.flush()
    rows = [{"export_id": exp.id, "institution_id": iid, "data_kind": dk}
            for dk, ids in holds.items() for iid in sorted(ids)]
    if rows:
        db.session.execute(insert(ExportInstitution.__table__), rows)
    record("export_created", actor=actor, actor_label=None if actor is not None else producer,
           object_type="export", object_id=exp.id,
           detail={"kind": kind, "period": period.code, "snapshot": exp.snapshot_number, "sha256": sha,
                   "size": size, "scope": exp.scope_label, "institution_id": institution_id})
    return exp


def _row_ids(source: LeagueSource, table: dict) -> set[int]:
    return {source.ids[r["institution_code"]] for r in table["rows"] if r["institution_code"] in source.ids}


def _snap_tag(source: LeagueSource) -> str:
    return f"s{source.snapshot.number}" if source.snapshot else "draft"


def build_summary(period: Period, *, producer: str, view: AgencyView | None = None, actor=None,
                  scope_label: str | None = None, job_run_id: int | None = None, source: LeagueSource | None = None,
                  now: datetime | None = None) -> Export:
    """The §9 summary workbook of ``period`` for a scope (``view`` None: every institution)."""
    source = source or league_source(period)
    filings_ids = None if view is None else scope_ids(view, "filings")
    findings_ids = None if view is None else scope_ids(view, "findings")
    league_ids = None if view is None else scope_ids(view, "league")
    table = scoped_table(source, league_ids)
    entries = reporting_entries(period, filings_ids)
    found = period_findings(period, findings_ids)
    label = scope_label or (ALL_LABEL if view is None else db.session.get(Agency, view.agency_id).code)
    meta = _meta(period, source, f"{producer} · 范围 {label}", now)
    stored = _write_and_store("xlsx", lambda p: write_summary(p, table, meta, entries, finding_dicts(found)))
    codes = {e["institution_code"] for e in entries}
    holds = {"filings": set(_code_ids(codes).values()),
             "findings": findings_ids if findings_ids is not None else scope_ids(None, "findings")}
    if source.snapshot is None:
        holds["league"] = _row_ids(source, table)
    name = f"summary-{period.code}-{_snap_tag(source)}-{label}-{_stamp(now)}.xlsx"
    return _record("summary", period, source, filename=name, stored=stored, producer=producer, actor=actor,
                   job_run_id=job_run_id, scope_label=label, scope_agency_id=getattr(view, "agency_id", None),
                   institution_id=None, holds=holds, now=now)


def _code_ids(codes: set[str]) -> dict[str, int]:
    if not codes:
        return {}
    return dict(db.session.execute(select(Institution.code, Institution.id).where(Institution.code.in_(codes))).all())


def institution_open_findings(institution: Institution) -> list[Finding]:
    """The institution's findings a regulator opened to it and that are not closed (every period)."""
    return list(db.session.scalars(select(Finding).where(
        Finding.institution_id == institution.id, Finding.visible_to_institution.is_(True),
        Finding.status != FindingStatus.CLOSED).order_by(Finding.period_id, Finding.rule, Finding.id)))


def build_feedback(period: Period, institution: Institution, *, producer: str, actor=None,
                   job_run_id: int | None = None, require_published: bool = False,
                   source: LeagueSource | None = None, now: datetime | None = None) -> Export:
    """The 机构反馈 sheet of one institution: its row, ranks, sector medians and the open findings
    opened to it. ``require_published`` (filers): only from a published snapshot."""
    source = source or league_source(period)
    if source.snapshot is None and require_published:
        raise ExportError(f"{period.code} 的排行榜尚未发布，暂不能生成机构反馈表 / the {period.code} league table is "
                          f"not published yet, so no feedback sheet can be made", 409)
    if not any(r["institution_code"] == institution.code for r in source.table["rows"]):
        raise ExportError(f"{institution.code} 不在 {period.code} 的排行榜中 / {institution.code} is not in the "
                          f"{period.code} league table", 404)
    meta = _meta(period, source, producer, now)
    found = finding_dicts(institution_open_findings(institution))
    stored = _write_and_store("xlsx", lambda p: write_feedback(p, source.table, meta, institution.code, found))
    holds = {"findings": {institution.id}}
    if source.snapshot is None:
        holds["league"] = {institution.id}
    name = f"feedback-{period.code}-{institution.code}-{_snap_tag(source)}-{_stamp(now)}.xlsx"
    return _record("feedback", period, source, filename=name, stored=stored, producer=producer, actor=actor,
                   job_run_id=job_run_id, scope_label=institution.code, scope_agency_id=None,
                   institution_id=institution.id, holds=holds, now=now)


def build_league_file(period: Period, fmt: str, *, producer: str, view: AgencyView | None = None, actor=None,
                      scope_label: str | None = None, job_run_id: int | None = None,
                      source: LeagueSource | None = None, now: datetime | None = None) -> Export:
    """The league table of ``period`` as ``csv`` or ``json`` (the writers' columns and numbers)."""
    if fmt not in ("csv", "json"):
        raise ExportError(f"未知格式 / unknown format {fmt!r}")
    source = source or league_source(period)
    league_ids = None if view is None else scope_ids(view, "league")
    table = scoped_table(source, league_ids)
    label = scope_label or (ALL_LABEL if view is None else db.session.get(Agency, view.agency_id).code)
    meta = _meta(period, source, f"{producer} · 范围 {label}", now)
    writer = write_league_csv if fmt == "csv" else write_league_json
    stored = _write_and_store(fmt, lambda p: writer(p, table, meta))
    holds = {}
    if source.snapshot is None:
        holds["league"] = _row_ids(source, table)
    name = f"league-{period.code}-{_snap_tag(source)}-{label}-{_stamp(now)}.{fmt}"
    return _record(fmt, period, source, filename=name, stored=stored, producer=producer, actor=actor,
                   job_run_id=job_run_id, scope_label=label, scope_agency_id=getattr(view, "agency_id", None),
                   institution_id=None, holds=holds, now=now)


def agency_scopes() -> list[tuple[str, AgencyView | None]]:
    """The distinct scopes of the agencies that have active regulator users, for scheduled
    summaries: ``("ALL", None)`` first, then one ``(agency codes, view)`` per other distinct scope."""
    from supervision.accounts.models import User

    agencies = db.session.execute(
        select(Agency.id, Agency.code).join(User, User.agency_id == Agency.id)
        .where(User.active.is_(True), User.role.in_(REGULATOR_ROLES)).distinct().order_by(Agency.code)).all()
    every = tuple(frozenset(scope_ids(None, k)) for k in ("filings", "findings", "league"))
    groups: dict[tuple, list[tuple[int, str]]] = {}
    for agency_id, code in agencies:
        view = AgencyView(agency_id)
        key = tuple(frozenset(scope_ids(view, k)) for k in ("filings", "findings", "league"))
        if key != every:
            groups.setdefault(key, []).append((agency_id, code))
    out: list[tuple[str, AgencyView | None]] = [(ALL_LABEL, None)]
    for members in groups.values():
        out.append(("+".join(code for _id, code in members), AgencyView(members[0][0])))
    return out


def file_path(export: Export) -> Path:
    """Where an export's file is stored in the local store."""
    return Path(current_app.config["EXPORT_FOLDER"]) / export.storage_path


def verify(export: Export) -> bool:
    """Whether the stored object still has its recorded SHA-256."""
    from supervision.storage.base import StorageError
    from supervision.storage.service import materialise

    try:
        with materialise("exports", export.storage_path, export.sha256, verify=True):
            return True
    except StorageError:
        return False


def copy_to(export: Export, target: str | os.PathLike) -> None:
    """Copy an archived file to ``target`` (atomically replaced)."""
    import shutil

    from supervision.storage.service import materialise

    target = Path(target)
    fd, tmp = tempfile.mkstemp(prefix=".export-", dir=target.parent if str(target.parent) else ".")
    os.close(fd)
    with materialise("exports", export.storage_path, export.sha256, verify=True) as source:
        shutil.copyfile(source, tmp)
    os.replace(tmp, target)
