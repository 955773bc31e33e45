"""``/api/v1/league``: league tables (§8) — published snapshots for everyone, drafts for
regulators (rows limited to their ``league`` scope), an institution's history; JSON or CSV."""

from __future__ import annotations

import hashlib
import io
import json

from flask import Response
from flask_login import current_user
from flask_smorest import Blueprint, abort
from sqlalchemy import select

from reports.workbook import league_json, write_league_csv
from supervision.audit.services import record_now
from supervision.authz import roles_required
from supervision.domain.enums import DATA_ROLES, Role
from supervision.extensions import db
from supervision.league import history as history_mod
from supervision.league import queries
from supervision.league.schemas import HistorySchema, LeagueArgsSchema, LeagueTableSchema, SnapshotListSchema
from supervision.orgs.models import Institution
from supervision.periods.models import Period
from supervision.rules.catalog import RULESET_VERSION
from supervision.scope import can_see_institution
from supervision.timeutil import utcnow
from supervision.version import platform_version

blp = Blueprint("api_league", __name__, url_prefix="/api/v1/league", description="League tables (§8)")


def _period(code: str) -> Period:
    period = db.session.scalar(select(Period).where(Period.code == code.upper()[:6]))
    if period is None:
        abort(404)
    return period


def _source(period: Period, args) -> queries.Source:
    try:
        return queries.resolve(current_user, period, args["snapshot"], args["draft"])
    except queries.LeagueAccess as exc:
        abort(exc.status)
    raise AssertionError("unreachable")


@blp.get("/<period>")
@blp.arguments(LeagueArgsSchema, location="query")
@blp.response(200, LeagueTableSchema)
@blp.doc(responses={"200": {"content": {"text/csv": {"schema": {"type": "string"}}}}})
def table(args, period: str):
    """The period's table: latest published (default), ``snapshot=N``, or ``draft=true`` (regulators)."""
    source = _source(_period(period), args)
    tbl = source.table(args["sector"])
    meta = {"period": source.period.code, "snapshot": source.number, "generated_at": utcnow(),
            "ruleset_version": source.snapshot.ruleset_version if source.snapshot else RULESET_VERSION,
            "producer": current_user.email, "platform_version": platform_version()}
    if args["format"] == "csv":
        buf = io.BytesIO()
        result = write_league_csv(buf, tbl, meta)
        _audit("csv", source, result.sha256)
        return Response(buf.getvalue(), content_type="text/csv; charset=utf-8", headers={
            "Content-Disposition": f"attachment; filename=league-{source.period.code}-{source.number or 'draft'}.csv"})
    body = json.loads(json.dumps(league_json(tbl, meta), ensure_ascii=False, default=str))
    _audit("json", source, hashlib.sha256(json.dumps(body, sort_keys=True).encode("utf-8")).hexdigest())
    return {"period": source.period.code, "snapshot": source.number, "draft": source.is_draft,
            "rows": body.get("rows", []), "medians": body.get("medians", {}),
            "meta": {k: v for k, v in body.items() if k not in ("rows", "medians")}}


def _audit(kind: str, source: queries.Source, sha256: str | None) -> None:
    record_now("league_export", actor=current_user, object_type="period", object_id=source.period.id,
               detail={"kind": f"api-{kind}", "period": source.period.code, "snapshot": source.number,
                       "sha256": sha256})


@blp.get("/<period>/snapshots")
@blp.response(200, SnapshotListSchema)
def snapshots(period: str):
    """Every published snapshot of the period, newest first."""
    p = _period(period)
    return {"period": p.code, "items": queries.snapshots_of(p.id)}


@blp.get("/institutions/<int:institution_id>/history")
@roles_required(*DATA_ROLES, Role.ADMIN)
@blp.response(200, HistorySchema)
def history(institution_id: int):
    """An institution's rows and sector medians per period (a filer: their own institution only)."""
    inst = db.session.get(Institution, institution_id)
    if inst is None or (current_user.role == Role.FILER and inst.id != current_user.institution_id) \
            or (queries.is_regulator(current_user) and not can_see_institution(current_user, inst.id, "league")):
        abort(404)
    points = history_mod.institution_history(current_user, inst)
    return {"institution": inst.code, "points": [{k: p[k] for k in ("period", "snapshot", "row", "medians")}
                                                 for p in points]}
