"""Request helpers shared by the analytics pages and the API (issue 14): the reader's scope, the
default period, the view a query string describes (and back), and a filer's sector benchmark.
Both the pages (:mod:`supervision.analytics.views`) and ``/api/v1/analytics`` read requests with
these, so they accept and refuse exactly the same views."""

from __future__ import annotations

from flask import Blueprint
from flask_login import current_user
from sqlalchemy import select

from supervision.analytics import present
from supervision.analytics.dims import ROW_DIMS
from supervision.analytics.queries import View, read_view
from supervision.domain.enums import FilingKind, Role, Sector
from supervision.extensions import db
from supervision.filings.counting import counting_versions
from supervision.orgs.models import Institution
from supervision.periods.models import Period
from supervision.scope import institution_condition

#: the analytics pages' blueprint (routes in ``views`` and ``series_views``)
bp = Blueprint("analytics", __name__, url_prefix="/analytics")


def scope():
    """The reader's condition on Institution (the ``filings`` data kind)."""
    return institution_condition(current_user, "filings")


def default_period() -> str | None:
    """The latest period with a counting CMP version in the user's scope (else the latest period)."""
    cv = counting_versions(kind=FilingKind.CMP).subquery()
    code = db.session.scalar(select(Period.code).join(cv, cv.c.period_id == Period.id)
                             .join(Institution, Institution.id == cv.c.institution_id).where(scope())
                             .order_by(Period.code.desc()).limit(1))
    return code or db.session.scalar(select(Period.code).order_by(Period.code.desc()).limit(1))


def view_from_args(args) -> View:
    """The view the URL describes (unknown values are refused by :func:`queries.check_view`)."""
    period = args.get("period") or default_period() or ""
    rows = args.get("rows") or "business_category"
    cols = args.get("cols") or None
    sector = (args.get("sector") or "").upper() or None
    if sector is not None and sector not in Sector.values():
        sector = None
    filters = {d: [v for v in args.getlist(f"f_{d}") if v] for d in ROW_DIMS if args.getlist(f"f_{d}")}
    return View(period=period, period_to=args.get("period_to") or None, rows=rows, cols=cols, sector=sector,
                institutions=[c for c in args.getlist("inst") if c], filters={d: v for d, v in filters.items() if v})


def view_args(view: View) -> dict:
    """The URL arguments of a view (the inverse of :func:`view_from_args`)."""
    out: dict = {"period": view.period, "rows": view.rows}
    for key, val in (("period_to", view.period_to), ("cols", view.cols), ("sector", view.sector)):
        if val:
            out[key] = val
    if view.institutions:
        out["inst"] = view.institutions
    for d, vals in view.filters.items():
        out[f"f_{d}"] = vals
    return out


def filer_benchmark(view: View):
    """For a filer: the own institution's share of each row value beside the sector's total and the
    median of the sector's institutions' shares (aggregates only: no other institution is named)."""
    from reports.league.medians import median as exact_median
    from supervision.analytics.measures import ratio

    if current_user.role != Role.FILER or view.rows not in ROW_DIMS or view.cols:
        return None
    inst = db.session.get(Institution, current_user.institution_id)
    sector_view = View(period=view.period, period_to=view.period_to, rows="institution", cols=view.rows,
                       sector=inst.sector, filters=dict(view.filters))
    res = read_view(sector_view, None)

    out = []
    codes = sorted({c for _r, c in res.cells}, key=lambda v: res.col_values.index(v) if v in res.col_values else 0)
    for code in codes:
        shares = []
        for r in res.row_values:
            cell = res.cells.get((r, code))
            shares.append(ratio(cell["received"] if cell else 0, res.row_totals[r]["received"]))
        own = res.cells.get((inst.code, code))
        own_total = res.row_totals.get(inst.code)
        out.append({"code": code, "label": present.value_label(view.rows, code),
                    "own": own["received"] if own else 0,
                    "own_share": ratio(own["received"] if own else 0, own_total["received"] if own_total else 0),
                    "sector": res.col_totals[code]["received"], "sector_share": res.col_totals[code]["share"],
                    "median_share": exact_median(shares)})
    return {"rows": out, "institutions": len(res.row_values), "sector": inst.sector}
