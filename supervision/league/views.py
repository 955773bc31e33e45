"""League pages (spec §8): the period table, the 通报 view, charts, CSV/JSON, snapshot history,
publication, an institution's drill-down and history, and the comparison of two periods.

Thin: parse the request, ask :mod:`supervision.league.queries` (which applies the scope) for the
table, render. Published tables are public to logged-in users; drafts are regulators' only.
"""

from __future__ import annotations

import hashlib
import io
import json

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from reports.league import METRIC_CODES
from reports.workbook import league_json, write_league_csv
from supervision.audit.services import record_now
from supervision.authz import roles_required
from supervision.domain.enums import DATA_ROLES, Role, Sector
from supervision.errors import answer_errors_with
from supervision.extensions import db
from supervision.league import drill as drill_mod
from supervision.league import history as history_mod
from supervision.league import present, queries, services
from supervision.league.changes import summarize
from supervision.league.forms import PublishForm
from supervision.main.helpers import list_sep
from supervision.orgs.models import Institution
from supervision.periods.models import Period
from supervision.rules.catalog import RULESET_VERSION
from supervision.scope import can_see_institution
from supervision.timeutil import utcnow
from supervision.version import platform_version

bp = Blueprint("league", __name__, url_prefix="/league")


def _period(period_id: int) -> Period:
    return db.session.get(Period, period_id) or abort(404)


def _int_arg(name: str) -> int | None:
    raw = request.args.get(name, "")
    return int(raw) if raw.isdigit() else None


def _metric_arg(default: str = "per_10k_customers") -> str:
    metric = request.args.get("metric", default)
    return metric if metric in METRIC_CODES else default


def _sector_arg() -> str | None:
    sector = request.args.get("sector", "").upper()
    return sector if sector in Sector.values() else None


def _source(period: Period) -> queries.Source:
    try:
        return queries.resolve(current_user, period, _int_arg("snapshot"), request.args.get("draft") == "1")
    except queries.LeagueAccess as exc:
        abort(exc.status)


def _own_code() -> str | None:
    return current_user.institution.code if current_user.role == Role.FILER and current_user.institution else None


def _linkable() -> set[str] | None:
    """Codes whose institution page the user may open (None = every code: admins, published data)."""
    if current_user.role == Role.FILER:
        return {_own_code()}
    if queries.is_regulator(current_user):
        return queries.league_codes(current_user)
    return None


def _source_args(source: queries.Source) -> dict:
    if source.parts:  # sectors published apart: the period's published table, no single number
        return {}
    return {"draft": "1"} if source.is_draft else {"snapshot": source.number}


@bp.record_once
def _league_helpers(state) -> None:
    """Jinja globals of the league templates (also visible in imported macro files)."""
    state.app.jinja_env.globals.update(
        metric_label=present.metric_label, metric_unit=present.metric_unit, movement_view=present.movement_view,
        grade_classes=present.GRADE_CLASSES, metric_codes=METRIC_CODES,
        league_status_label=lambda s: str(present.STATUS_LABELS.get(s, s)), summarize_changes=summarize)


@bp.get("/")
@login_required
def index():
    """Periods with their published snapshots (and, for regulators, a link to each draft)."""
    return render_template("league/index.html", periods=queries.periods(), latest=queries.latest_numbers(),
                           regulator=queries.is_regulator(current_user))


@bp.get("/<int:period_id>")
@login_required
def table(period_id: int):
    """The period table: published snapshot (latest or ``?snapshot=N``) or draft (``?draft=1``,
    regulators); filter by sector, search, sort by any metric, pages of 100 rows."""
    period = _period(period_id)
    source = _source(period)
    sector, metric, q = _sector_arg(), _metric_arg(), request.args.get("q", "").strip()[:100] or None
    sort = request.args.get("sort") if request.args.get("sort") in METRIC_CODES else None
    desc = {"asc": False, "desc": True}.get(request.args.get("order", ""))
    page = queries.page_of(source, sector=sector, q=q, sort=sort, descending=desc, page=_int_arg("page") or 1)
    pending, can_publish, publish_sectors = None, False, []
    if source.is_draft:
        changes = source.draft.changes_since_published()
        if changes is not None:
            pending = summarize(queries.visible_changes(source, changes))
        if current_user.role == Role.SUPERVISOR:
            publish_sectors = services.publishable_sectors(current_user, period)
            can_publish = bool(publish_sectors)
    history = history_mod.institution_history(current_user, current_user.institution) \
        if current_user.role == Role.FILER else None
    return render_template("league/table.html", period=period, source=source, page=page, sector=sector,
                           rows=present.table_rows(page.rows, metric),
                           linkable=_linkable(), drillable=current_user.role != Role.ADMIN, history=history,
                           ids=queries.institution_ids([r["institution_code"] for r in page.rows]),
                           own_sector=current_user.institution.sector if _own_code() else None,
                           metric=metric, q=q or "", sort=sort, medians=source.medians(), own=_own_code(),
                           snapshots=queries.snapshots_of(period.id), pending=pending, can_publish=can_publish,
                           publish_sectors=publish_sectors,
                           args=_source_args(source), form=PublishForm(period_code=period.code),
                           regulator=queries.is_regulator(current_user), sectors=Sector.values())


@bp.get("/<int:period_id>/notice")
@login_required
def notice(period_id: int):
    """The 通报 view: per sector, filers by notice rank, share, 亿元业务投诉量 and its rank, medians."""
    period = _period(period_id)
    source = _source(period)
    return render_template("league/notice.html", period=period, source=source, own=_own_code(),
                           sections=present.notice_sections(source.table(_sector_arg())), args=_source_args(source))


@bp.get("/<int:period_id>/charts")
@login_required
def charts(period_id: int):
    """Ranked bar chart of a metric, its distribution in a sector with the median, and sector
    medians over the published periods (data passed in data- attributes; CSP allows no inline JS)."""
    period = _period(period_id)
    source = _source(period)
    metric, sector = _metric_arg(), _sector_arg()
    tbl = source.table()
    sectors = present.sectors_of(tbl)
    dist_sector = sector or (sectors[0] if sectors else None)
    return render_template(
        "league/charts.html", period=period, source=source, metric=metric, sector=sector, sectors=sectors,
        args=_source_args(source), bar=present.ranked_bar(tbl, metric, sector),
        dist=present.distribution(tbl, metric, dist_sector) if dist_sector else None,
        medians=present.median_trend(history_mod.published_medians(), metric))


def _export_meta(source: queries.Source) -> dict:
    return {"period": source.period.code, "snapshot": source.number, "generated_at": utcnow(),
            "ruleset_version": source.snapshot.ruleset_version if source.snapshot else RULESET_VERSION,
            "producer": current_user.email, "platform_version": platform_version()}


def _audit_export(kind: str, source: queries.Source, sha256: str | None) -> None:
    record_now("league_export", actor=current_user, object_type="period", object_id=source.period.id,
               detail={"kind": kind, "period": source.period.code, "snapshot": source.number, "sha256": sha256})


@bp.get("/<int:period_id>/table.csv")
@login_required
def table_csv(period_id: int):
    """The table as CSV (the export writer's columns and numbers; UTF-8 with BOM)."""
    source = _source(_period(period_id))
    buf = io.BytesIO()
    result = write_league_csv(buf, source.table(_sector_arg()), _export_meta(source))
    _audit_export("csv", source, result.sha256)
    name = f"league-{source.period.code}-{source.number or 'draft'}.csv"
    return Response(buf.getvalue(), content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f"attachment; filename={name}"})


@bp.get("/<int:period_id>/table.json")
@login_required
def table_json(period_id: int):
    """The table as JSON (exact and display values, export metadata)."""
    source = _source(_period(period_id))
    text = json.dumps(league_json(source.table(_sector_arg()), _export_meta(source)), ensure_ascii=False, indent=1)
    _audit_export("json", source, hashlib.sha256(text.encode("utf-8")).hexdigest())
    name = f"league-{source.period.code}-{source.number or 'draft'}.json"
    return Response(text, mimetype="application/json",
                    headers={"Content-Disposition": f"attachment; filename={name}"})


@bp.get("/<int:period_id>/snapshots")
@login_required
def snapshots(period_id: int):
    """Every published snapshot of the period with what changed in each."""
    period = _period(period_id)
    return render_template("league/snapshots.html", period=period, snapshots=queries.snapshots_of(period.id),
                           regulator=queries.is_regulator(current_user))


def _publish_page(period: Period, form: PublishForm, status: int = 200):
    """The confirmation step: what publishing now would put on record, as people read it —
    institutions whose rank, grade or status changes against the published table of the same
    sectors (or, for a first publication, the table by status and grade) — and the button that
    publishes exactly that table (its SHA-256 goes back with the form)."""
    from supervision.league import changes as change_mod

    if not services.can_publish(current_user, period):
        abort(403)
    preview = services.publication_preview(current_user, period)
    form.period_code.data = period.code
    form.table_sha256.data = preview.sha256
    summary = change_mod.summarize(preview.changes) if preview.changes is not None else None
    return render_template("league/publish.html", period=period, preview=preview, summary=summary,
                           first=change_mod.first_publication(preview.table) if summary is None else None,
                           form=form, number=preview.number), status


@bp.get("/<int:period_id>/publish")
@roles_required(Role.SUPERVISOR)
def publish_confirm(period_id: int):
    """Review before publishing (a snapshot cannot be undone)."""
    return _publish_page(_period(period_id), PublishForm(formdata=None))


@bp.post("/<int:period_id>/publish")
@roles_required(Role.SUPERVISOR)
def publish(period_id: int):
    """A supervisor publishes the period's current table as the next numbered snapshot — the draft
    they reviewed on the confirmation step; if it changed meanwhile, the step is shown again."""
    period = _period(period_id)
    form = PublishForm()
    if not form.validate_on_submit() or form.period_code.data != period.code:
        abort(400)
    answer_errors_with(render=lambda: _publish_page(period, PublishForm(formdata=None))[0])
    snap = services.publish(current_user, period, expect_sha256=form.table_sha256.data)
    db.session.commit()
    flash(_("Published snapshot %(n)s of %(period)s (%(sectors)s).", n=snap.number, period=period.code,
            sectors=list_sep().join(str(Sector(s).label) for s in snap.sectors)),
          "success")
    return redirect(url_for("league.table", period_id=period.id, snapshot=snap.number))


def _institution_or_404(institution_id: int) -> Institution:
    inst = db.session.get(Institution, institution_id) or abort(404)
    if current_user.role == Role.FILER and inst.id != current_user.institution_id:
        abort(404)
    if queries.is_regulator(current_user) and not can_see_institution(current_user, inst.id, "league"):
        abort(404)
    return inst


@bp.get("/<int:period_id>/institutions/<int:institution_id>")
@roles_required(*DATA_ROLES)
def drill(period_id: int, institution_id: int):
    """Drill-down: each metric → its formula and counts → counts per business category → the
    complaint rows behind each count (the scoped rows page of the version the table used)."""
    period = _period(period_id)
    inst = _institution_or_404(institution_id)
    source = _source(period)
    row = source.row(inst.code) or abort(404)
    data = drill_mod.drill(current_user, period.id, inst.id, source.version_ids(inst.code))
    return render_template("league/drill.html", period=period, inst=inst, source=source, row=row, d=data,
                           medians=source.medians().get(inst.sector, {}), metric=_metric_arg(""),
                           args=_source_args(source), figures=drill_mod.COUNTS, dm=drill_mod)


@bp.get("/institutions/<int:institution_id>")
@login_required
def institution(institution_id: int):
    """An institution's metrics over time against its sector median, grade history and trend chart."""
    inst = _institution_or_404(institution_id)
    metric = _metric_arg()
    points = history_mod.institution_history(current_user, inst)
    return render_template("league/institution.html", inst=inst, points=points, metric=metric,
                           chart=present.trend(points, metric), drillable=current_user.role != Role.ADMIN)


def default_pair(periods: list, published: set[int], a: int | None, b: int | None) -> tuple[int | None, int | None]:
    """The periods the compare form preselects: the requested ones; else the later is the newest published
    period and the earlier the published period before the later one (never the same period twice)."""
    ordered = [p for p in periods if p.id in published] or list(periods)  # newest first
    if b is None and ordered:
        b = next((p.id for p in ordered if a is None or p.id != a), ordered[0].id)
    if a is None and b is not None:
        later = next((p for p in periods if p.id == b), None)
        a = next((p.id for p in ordered if later is not None and p.code < later.code), None)
    return a, b


@bp.get("/compare")
@login_required
def compare():
    """Two periods side by side (published tables; regulators may compare drafts with ``draft=1``)."""
    all_periods = queries.periods()
    a, b = _int_arg("a"), _int_arg("b")
    metric, sector = _metric_arg(), _sector_arg()
    shown_a, shown_b = default_pair(all_periods, set(queries.latest_numbers()), a, b)
    ctx = {"periods": all_periods, "a": shown_a, "b": shown_b, "metric": metric, "sector": sector, "rows": None,
           "regulator": queries.is_regulator(current_user), "draft": request.args.get("draft") == "1"}
    if a and b:
        sources = []
        for pid in (a, b):
            period = _period(pid)
            try:
                sources.append(queries.resolve(current_user, period, None, ctx["draft"]))
            except queries.LeagueAccess as exc:
                abort(exc.status)
        ta, tb = (s.table(sector) for s in sources)
        ctx.update(sa=sources[0], sb=sources[1], rows=present.compare_rows(ta, tb, metric),
                   ma=ta["medians"], mb=tb["medians"], own=_own_code())
    return render_template("league/compare.html", **ctx)
