"""Analytics pages (spec §10): the explorer (rows × columns of any two dimensions, measures, change
against P−1 and P−4, chart, CSV/XLSX of exactly what is shown, drill-down of every number to the
complaint rows behind it). The URL holds the whole view.

Thin: parse the request into a :class:`~supervision.analytics.queries.View`, read it within the
user's scope (:mod:`supervision.scope`), present it. Regulators see their scope; filers see their
own institution beside the sector total and the sector median.
"""

from __future__ import annotations

import csv
import hashlib
import io

import xlsxwriter
from flask import Response, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from reports.workbook.safe import WORKBOOK_OPTIONS, CellWriter, csv_text
from supervision.analytics import present
from supervision.analytics.dims import DIMENSIONS, ROW_DIMS
from supervision.analytics.helpers import bp, default_period, filer_benchmark, view_args, view_from_args
from supervision.analytics.helpers import scope as _scope
from supervision.analytics.queries import ROW_SETS, View, ViewError, cell_rows, read_view
from supervision.audit.services import record_now
from supervision.authz import roles_required
from supervision.domain.code_labels import code_labels
from supervision.domain.codes import CODE_LISTS
from supervision.domain.enums import DATA_ROLES, Role, Sector
from supervision.extensions import db
from supervision.orgs.models import Institution
from supervision.periods.models import Period


def _measure() -> str:
    m = request.args.get("measure", "received")
    return m if m in present.SHOWN_MEASURES else "received"


def _names(codes) -> dict[str, str]:
    codes = [c for c in codes if c]
    if not codes:
        return {}
    return dict(db.session.execute(select(Institution.code, Institution.name).where(Institution.code.in_(codes))).all())


def _institution_choices() -> list[tuple[str, str]]:
    return list(db.session.execute(select(Institution.code, Institution.name).where(_scope())
                                   .order_by(Institution.sector, Institution.name)).all())


def _read(view: View):
    result = read_view(view, _scope())
    names = _names(set(result.row_values) | {c for c in result.col_values if c} | set(view.institutions)) \
        if "institution" in (view.rows, view.cols) or view.institutions else {}
    return result, names


@bp.get("/")
@roles_required(*DATA_ROLES)
def explorer():
    """The explorer: a view of the complaint cube chosen in the form (all of it in the URL)."""
    view = view_from_args(request.args)
    measure = _measure()
    periods = list(db.session.scalars(select(Period.code).order_by(Period.code.desc())))
    ctx = {"view": view, "measure": measure, "periods": periods, "dims": DIMENSIONS, "row_dims": ROW_DIMS,
           "dim_labels": present.DIM_LABELS, "measure_labels": present.MEASURE_LABELS,
           "measures": present.SHOWN_MEASURES, "sectors": Sector.values(),
           "code_lists": {name: code_labels(name) for name in CODE_LISTS},
           "handling_labels": present.HANDLING_LABELS, "institutions": _institution_choices(),
           "is_filer": current_user.role == Role.FILER, "result": None, "error": None}
    if not view.period:
        return render_template("analytics/explorer.html", **ctx)
    try:
        result, names = _read(view)
    except ViewError as exc:
        ctx["error"] = str(exc)
        return render_template("analytics/explorer.html", **ctx), exc.status
    tbl = present.table(result, measure, names)
    args = view_args(view)
    ctx.update(result=result)
    return render_template("analytics/explorer.html", **ctx, table=tbl,
                           chart=present.chart(result, tbl, names), args=args,
                           benchmark=filer_benchmark(view),
                           csv_url=url_for("analytics.download", fmt="csv", measure=measure, **args),
                           xlsx_url=url_for("analytics.download", fmt="xlsx", measure=measure, **args))


def _rows_of(tbl: present.Table):
    """The table as plain rows: header, then label + numbers (exactly what the page shows)."""
    yield tbl.header
    for r in tbl.rows:
        yield [r.label, *[present.shown_number(c.measure, c.value) for c in r.cells]]


@bp.get("/view.csv", defaults={"fmt": "csv"})
@bp.get("/view.xlsx", defaults={"fmt": "xlsx"})
@roles_required(*DATA_ROLES)
def download(fmt: str):
    """The shown table as CSV (UTF-8 with BOM) or XLSX, through the formula-safe writers."""
    view = view_from_args(request.args)
    try:
        result, names = _read(view)
    except ViewError as exc:
        return Response(str(exc), status=exc.status, mimetype="text/plain; charset=utf-8")
    tbl = present.table(result, _measure(), names)
    rows = list(_rows_of(tbl))
    name = f"analytics-{'-'.join(result.periods[:1] + result.periods[1:][-1:])}-{view.rows}" \
           f"{'-' + view.cols if view.cols else ''}.{fmt}"
    if fmt == "csv":
        out = io.StringIO()
        out.write("\ufeff")
        w = csv.writer(out)
        for row in rows:
            w.writerow([csv_text(v) if isinstance(v, str) else ("" if v is None else str(v)) for v in row])
        body = out.getvalue().encode("utf-8")
        mimetype = "text/csv; charset=utf-8"
    else:
        buf = io.BytesIO()
        book = xlsxwriter.Workbook(buf, {**WORKBOOK_OPTIONS, "constant_memory": False})
        sheet = book.add_worksheet(_("Complaint analysis")[:31])
        bold = book.add_format({"bold": True})
        writer = CellWriter(sheet, book.add_format())
        formats = {0: book.add_format({"num_format": "0"}), 2: book.add_format({"num_format": "0.00"})}
        for i, row in enumerate(rows):
            for j, v in enumerate(row):
                if i == 0 or j == 0:
                    writer.text(i, j, v, bold if i == 0 else None)
                else:
                    writer.number(i, j, v, formats[present.places(tbl.rows[i - 1].cells[j - 1].measure)])
        sheet.freeze_panes(1, 1)
        sheet.set_column(0, 0, 28)
        book.close()
        body = buf.getvalue()
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    record_now("analytics_download", actor=current_user, object_type="period", object_id=view.period,
               detail={"format": fmt, "view": view_args(view), "sha256": hashlib.sha256(body).hexdigest()})
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f"attachment; filename={name}"})


@bp.get("/rows")
@roles_required(*DATA_ROLES)
def rows():
    """The complaint rows behind one number of a view (``row``/``col`` values, row set), paginated."""
    view = view_from_args(request.args)
    row = request.args.get("row")
    col = request.args.get("col")
    row_set = request.args.get("set", "received")
    page = request.args.get("page", "1")
    try:
        found = cell_rows(view, _scope(), row=row, col=col, row_set=row_set if row_set in ROW_SETS else "received",
                          page=int(page) if page.isdigit() and len(page) < 7 else 1)
    except ViewError as exc:
        return render_template("analytics/rows.html", error=str(exc), view=view, found=None), exc.status
    names = _names([v for d, v in ((view.rows, row), (view.cols, col)) if d == "institution"])
    inst_names = dict(db.session.execute(select(Institution.id, Institution.name).where(
        Institution.id.in_({r.institution_id for r in found.rows}))).all()) if found.rows else {}
    crumbs = [(present.DIM_LABELS[d], present.value_label(d, v, names))
              for d, v in ((view.rows, row), (view.cols, col)) if d and v is not None]
    crumbs += [(present.DIM_LABELS[d], "、".join(present.value_label(d, v) for v in vals))
               for d, vals in view.filters.items()]
    return render_template("analytics/rows.html", view=view, found=found, crumbs=crumbs, row_set=row_set,
                           inst_names=inst_names, back=url_for("analytics.explorer", **view_args(view)), error=None)


ROW_SET_LABELS = {
    "received": present.lazy_pgettext("analytics row set", "Received in the period"),
    "closed": present.lazy_pgettext("analytics row set", "Closed in the period"),
    "on_time": present.lazy_pgettext("analytics row set", "Closed on time"),
    "favourable": present.lazy_pgettext("analytics row set", "Closed favourably"),
    "escalated": present.lazy_pgettext("analytics row set", "Escalated"),
    "extended": present.lazy_pgettext("analytics row set", "Closed after an extension"),
}


@bp.context_processor
def _helpers():
    from reports.numbers import display

    return {"fmt2": lambda v: "—" if v is None else display(v, 2),
            "row_set_label": lambda s: ROW_SET_LABELS.get(s, ROW_SET_LABELS["received"])}


def _period_arg() -> str | None:
    code = request.args.get("period") or default_period()
    return code


@bp.get("/trends")
@roles_required(*DATA_ROLES)
def trends():
    """Fastest growing institutions, categories, causes and provinces (§10.1) and quarter trends."""
    from supervision.analytics import trends as T
    from supervision.parameters.services import growth_minimums

    period = _period_arg()
    sector = (request.args.get("sector") or "").upper() or None
    sector = sector if sector in Sector.values() else None
    ctx = {"period": period, "sector": sector, "sectors": Sector.values(), "lists": None, "error": None,
           "periods": list(db.session.scalars(select(Period.code).order_by(Period.code.desc()))),
           "dim_labels": present.DIM_LABELS, "is_filer": current_user.role == Role.FILER}
    if not period:
        return render_template("analytics/trends.html", **ctx)
    min_now, min_before = growth_minimums()
    try:
        lists = T.growth_lists(period, sector, _scope(), min_now=min_now, min_before=min_before)
        by_sector = T.trend(period, 8, "business_category" if current_user.role == Role.FILER or sector else "sector",
                            sector, _scope())
    except ViewError as exc:
        ctx["error"] = str(exc)
        return render_template("analytics/trends.html", **ctx), exc.status
    names = _names([g.code for g in lists["institution"]])
    tbl = present.table(by_sector, "received", names)
    return render_template("analytics/trends.html", **{**ctx, "lists": lists, "names": names,
                                                       "min_now": min_now, "min_before": min_before,
                                                       "chart": present.chart(by_sector, tbl, names),
                                                       "trend_dim": by_sector.view.cols,
                                                       "value_label": present.value_label})


@bp.get("/speed")
@roles_required(*DATA_ROLES)
def speed():
    """Handling speed (§10.1): closed rows per days-to-close bucket, on-time and extension rates,
    median and 90th percentile, per institution or sector."""
    from supervision.analytics import trends as T
    from supervision.analytics.dims import HANDLING_BUCKETS

    period = _period_arg()
    sector = (request.args.get("sector") or "").upper() or None
    sector = sector if sector in Sector.values() else None
    by = request.args.get("by", "institution")
    by = by if by in ("institution", "sector") else "institution"
    ctx = {"period": period, "sector": sector, "by": by, "sectors": Sector.values(), "rows": None, "error": None,
           "periods": list(db.session.scalars(select(Period.code).order_by(Period.code.desc()))),
           "buckets": [b[0] for b in HANDLING_BUCKETS], "handling_labels": present.HANDLING_LABELS,
           "is_filer": current_user.role == Role.FILER}
    if not period:
        return render_template("analytics/speed.html", **ctx)
    try:
        rows = T.handling_speed(period, by, sector, _scope())
    except ViewError as exc:
        ctx["error"] = str(exc)
        return render_template("analytics/speed.html", **ctx), exc.status
    names = _names([r.code for r in rows]) if by == "institution" else {}
    return render_template("analytics/speed.html", **{**ctx, "rows": rows, "names": names,
                                                      "value_label": present.value_label})


@bp.get("/disclosures")
@roles_required(*DATA_ROLES)
def disclosures():
    """The disclosure registry of a period (DSC content of the versions that count, in scope)."""
    from supervision.analytics.disclosures import registry
    from supervision.scope import finding_condition

    code = request.args.get("period") or default_period()
    period = db.session.scalar(select(Period).where(Period.code == code)) if code else None
    sector = (request.args.get("sector") or "").upper() or None
    sector = sector if sector in Sector.values() else None
    inst = request.args.get("institution") or None
    ctx = {"period": code, "sector": sector, "institution": inst, "sectors": Sector.values(), "reg": None,
           "periods": list(db.session.scalars(select(Period.code).order_by(Period.code.desc()))),
           "institutions": _institution_choices(), "is_filer": current_user.role == Role.FILER}
    if period is None:
        return render_template("analytics/disclosures.html", **ctx), (404 if code else 200)
    reg = registry(period.id, _scope(), finding_condition(current_user), sector=sector, institution=inst)
    return render_template("analytics/disclosures.html", **{**ctx, "reg": reg})
from supervision.analytics import series_views as _series_views  # noqa: E402,F401  (routes on bp)
