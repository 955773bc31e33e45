"""The trends page's §8 section (issue 14): every league metric per quarter of one institution (with
its sector's median) or of one sector — an ECharts line chart of the chosen metric, an accessible,
sortable table of every metric, and CSV/XLSX of exactly that table.

Thin: a refused series (:class:`~supervision.analytics.league_series.SeriesError`) is answered by
the application's error handler; the series come from :mod:`supervision.analytics.league_series`
(the league's own figures, scoped to the reader); this module only picks the subject and lays out
the table.
"""

from __future__ import annotations

import hashlib

from flask import Response, abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from reports.league import METRIC_CODES
from supervision.analytics import league_series as LS
from supervision.analytics.helpers import bp, default_period
from supervision.analytics.tabular import as_number, csv_body, xlsx_body
from supervision.audit.services import record_now
from supervision.authz import roles_required
from supervision.domain.enums import DATA_ROLES, Role
from supervision.extensions import db
from supervision.league.present import STATUS_LABELS, metric_label, metric_unit
from supervision.orgs.models import Institution
from supervision.periods.models import Period
from supervision.scope import institution_condition


def _metrics(sector: str) -> list[str]:
    from reports.league.definitions import METRICS_BY_CODE

    return [m for m in METRIC_CODES if METRICS_BY_CODE[m].applies_to(sector)]


def _subject(args):
    """(series, sector medians or None) the arguments name, within the reader's scope (404 outside)."""
    period = args.get("period") or default_period()
    quarters = args.get("quarters", "8")
    quarters = int(quarters) if quarters.isdigit() and len(quarters) < 3 else 8
    code = args.get("institution") or None
    sector = (args.get("sector") or "").upper() or None
    if current_user.role == Role.FILER and not code:
        code = db.session.get(Institution, current_user.institution_id).code
    if code is None and sector is None:
        sectors = LS.visible_sectors(current_user)
        sector = sectors[0] if sectors else None
    if not period or (code is None and sector is None):
        return None, None
    if code is not None:
        inst = LS.visible_institution(current_user, code)
        return (LS.institution_series(current_user, inst, period, quarters),
                LS.sector_series(current_user, inst.sector, period, quarters))
    return LS.sector_series(current_user, sector, period, quarters), None


def shown_table(series, medians) -> tuple[list[str], list[str], list[list]]:
    """(metric codes, header, rows) of the table: per quarter the subject's row, then its sector
    median's; cells are display texts (``None`` empty) after quarter, series, source, status."""
    metrics = _metrics(series.sector)
    header = [_("Quarter"), _("Series"), _("Figures from"), _("League status"),
              *[f"{metric_label(m)}{' (%)' if metric_unit(m) else ''}" for m in metrics]]
    by_period = {p.period: p for p in (medians.points if medians else [])}
    median_label = _("Sector median")
    rows = []
    for p in series.points:
        label = series.name if series.kind == "institution" else median_label
        for point, name in ((p, label), (by_period.get(p.period), median_label if medians else None)):
            if point is None or name is None:
                continue
            source = _("Snapshot %(n)s", n=point.snapshot) if point.snapshot else _("Draft")
            status = str(STATUS_LABELS.get(point.status, "")) if point.status else ""
            rows.append([p.period, name, source, status, *[point.metrics[m]["display"] for m in metrics]])
    return metrics, header, rows


def _chart(series, medians, metric: str) -> dict:
    """Lines of one metric over the quarters (subject, and its sector median when given)."""
    periods = [p.period for p in series.points]
    first = [as_float(p.metrics[metric]["display"]) for p in series.points]
    lines, names = [first], [series.name if series.kind == "institution" else _("Sector median")]
    if medians is not None:
        by_period = {p.period: p for p in medians.points}
        lines.append([as_float(by_period[q].metrics[metric]["display"]) if q in by_period else None for q in periods])
        names.append(_("Sector median"))
    return {"type": "lines", "periods": periods, "series": names, "lines": lines, "label": metric_label(metric)}


def as_float(text: str | None) -> float | None:
    """A display text as a chart value (charts only; tables and downloads keep the exact text)."""
    return None if text is None else float(text)


def _institutions() -> list[tuple[str, str]]:
    if current_user.role == Role.FILER:
        inst = db.session.get(Institution, current_user.institution_id)
        return [(inst.code, inst.name)]
    return list(db.session.execute(select(Institution.code, Institution.name)
                                   .where(institution_condition(current_user, "league"))
                                   .order_by(Institution.sector, Institution.name)).all())


@bp.get("/trends/league")
@roles_required(*DATA_ROLES)
def league_series():
    """§8 metrics per quarter of an institution or a sector: chart of one metric, table of all."""
    metric = request.args.get("metric", "per_10k_customers")
    metric = metric if metric in METRIC_CODES else "per_10k_customers"
    ctx = {"periods": list(db.session.scalars(select(Period.code).order_by(Period.code.desc()))),
           "institutions": _institutions(), "sectors": LS.visible_sectors(current_user), "metric": metric,
           "metric_codes": METRIC_CODES, "metric_label": metric_label, "is_filer": current_user.role == Role.FILER,
           "series": None, "error": None, "args": request.args}
    series, medians = _subject(request.args)  # a SeriesError is the error page (404 outside the scope)
    if series is None:
        return render_template("analytics/league_series.html", **ctx)
    metrics, header, rows = shown_table(series, medians)
    args = {k: v for k, v in request.args.items() if k in ("period", "quarters", "institution", "sector")}
    return render_template("analytics/league_series.html", **{
        **ctx, "series": series, "header": header, "rows": rows, "metrics": metrics,
        "chart": _chart(series, medians, metric if metric in metrics else metrics[0]),
        "csv_url": url_for("analytics.league_series_download", fmt="csv", **args),
        "xlsx_url": url_for("analytics.league_series_download", fmt="xlsx", **args)})


@bp.get("/trends/league.csv", defaults={"fmt": "csv"})
@bp.get("/trends/league.xlsx", defaults={"fmt": "xlsx"})
@roles_required(*DATA_ROLES)
def league_series_download(fmt: str):
    """The shown table of §8 metrics per quarter as CSV (UTF-8 with BOM) or XLSX (formula-safe)."""
    series, medians = _subject(request.args)
    if series is None:
        abort(404)
    header, rows = shown_table(series, medians)[1:]
    if fmt == "csv":
        body, mimetype = csv_body([header, *rows]), "text/csv; charset=utf-8"
    else:
        body = xlsx_body([header, *[[*r[:4], *[as_number(v) for v in r[4:]]] for r in rows]],
                         _("League metrics over quarters"), text_columns=4)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    record_now("analytics_download", actor=current_user, object_type="league_series", object_id=series.code,
               detail={"format": fmt, "kind": series.kind, "args": dict(request.args),
                       "sha256": hashlib.sha256(body).hexdigest()})
    name = f"league-series-{series.code}.{fmt}"
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f"attachment; filename={name}"})
