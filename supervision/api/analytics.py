"""``/api/v1/analytics``: supervisory analytics (spec §10, issue 14) with the pages' schemas
(:mod:`supervision.analytics.schemas`) and scope — the explorer view (§10.4 JSON with every §10.1
measure), the complaint rows behind one cell (cursor pages), quarter trends of the cube's measures
and of the §8 league metrics, fastest-growing lists, handling speed and the disclosure registry.

Regulators read within their agency scope; a filer reads its own institution only (plus the sector
total and median share where the explorer page shows them). A view the page would refuse is a 400
(404 for an unknown period) in the API's error shape, with the page's bilingual message.
"""

from __future__ import annotations

from flask import request
from flask_login import current_user
from flask_smorest import Blueprint
from werkzeug.datastructures import MultiDict

from supervision.analytics import schemas as S
from supervision.analytics import trends as T
from supervision.analytics.helpers import default_period, filer_benchmark, view_from_args
from supervision.analytics.helpers import scope as _scope
from supervision.analytics.league_series import (
    institution_series,
    sector_series,
    visible_institution,
)
from supervision.analytics.queries import ROW_SETS, cell_condition, read_view
from supervision.api.paging import keyset_page
from supervision.authz import roles_required
from supervision.domain.enums import DATA_ROLES, Role, Sector
from supervision.errors import ServiceError
from supervision.filings.content_models import ComplaintRow

blp = Blueprint("api_analytics", __name__, url_prefix="/api/v1/analytics",
                description="Supervisory analytics (§10): explorer views, drill-down, trends, handling speed, "
                            "disclosure registry")


def _view():
    """The view of the query string, read exactly as the explorer page reads its URL."""
    return view_from_args(MultiDict(request.args))


def _period(args) -> str:
    """The period argument (default: the latest with data in scope), refused when not ``YYYYQn``."""
    from supervision.domain.calendar import PeriodCodeError, parse_period

    period = args.get("period") or default_period()
    if not period:
        raise ServiceError("尚无期间 / there is no period yet", 404)
    try:
        return parse_period(period).code
    except PeriodCodeError as exc:
        raise ServiceError("期间代码无效 / invalid period code", 400) from exc


def _sector(args) -> str | None:
    """The sector argument (a filer: always its own institution's sector, as on the pages)."""
    if current_user.role == Role.FILER:
        return None
    sector = (args.get("sector") or "").upper() or None
    if sector is not None and sector not in Sector.values():
        raise ServiceError(f"未知行业 {sector} / unknown sector {sector}", 400)
    return sector


@blp.get("/view")
@roles_required(*DATA_ROLES)
@blp.arguments(S.ViewArgsSchema, location="query")
@blp.response(200, S.FullViewSchema)
def view(args):
    """An explorer view: rows × columns of any two §10.1 dimensions over a period or a range, with
    filters, every measure, totals and (one period) change against P−1 and P−4."""
    v = _view()
    result = read_view(v, _scope())
    return S.full_view(result, filer_benchmark(v))


@blp.get("/view/rows")
@roles_required(*DATA_ROLES)
@blp.arguments(S.CellRowsArgsSchema, location="query")
@blp.response(200, S.CellRowsSchema)
def cell_rows(args):
    """The complaint rows behind one number of a view (``row``/``col`` values, ``set``), by id."""
    from sqlalchemy import func, select

    from supervision.extensions import db

    if args["set"] not in ROW_SETS:
        raise ServiceError("未知行集 / unknown row set", 400)
    where = cell_condition(_view(), _scope(), row=args["row"], col=args["col"], row_set=args["set"])
    items, nxt = keyset_page(select(ComplaintRow).where(where), ComplaintRow.id, "analytics-rows", args["cursor"],
                             args["limit"], descending=False)
    total = db.session.scalar(select(func.count()).select_from(ComplaintRow).where(where)) or 0
    return {"items": items, "next_cursor": nxt, "total": total}


@blp.get("/trends")
@roles_required(*DATA_ROLES)
@blp.arguments(S.TrendArgsSchema, location="query")
@blp.response(200, S.FullViewSchema)
def trends(args):
    """``received`` and every measure per quarter over ``quarters`` quarters up to ``period``."""
    sector = _sector(args)
    rows = args["rows"] or ("business_category" if current_user.role == Role.FILER or sector else "sector")
    result = T.trend(_period(args), args["quarters"], rows, sector, _scope(), args["inst"])
    return S.full_view(result)


@blp.get("/growth")
@roles_required(*DATA_ROLES)
@blp.arguments(S.PeriodArgsSchema, location="query")
@blp.response(200, S.GrowthListsSchema)
def growth(args):
    """Fastest-growing institutions, categories, causes and provinces (§10.1 minimum counts)."""
    from supervision.parameters.services import growth_minimums

    period, sector = _period(args), _sector(args)
    min_now, min_before = growth_minimums()
    lists = T.growth_lists(period, sector, _scope(), min_now=min_now, min_before=min_before)
    return {"period": period, "sector": sector, "min_now": min_now, "min_before": min_before, "lists": lists}


@blp.get("/speed")
@roles_required(*DATA_ROLES)
@blp.arguments(S.SpeedArgsSchema, location="query")
@blp.response(200, S.SpeedSchema)
def speed(args):
    """Handling speed: closed rows per days-to-close bucket, on-time and extension rates, median and
    90th percentile, per institution or sector, the total last (``code`` null)."""
    period, sector = _period(args), _sector(args)
    return {"period": period, "by": args["by"], "sector": sector,
            "rows": T.handling_speed(period, args["by"], sector, _scope())}


@blp.get("/disclosures")
@roles_required(*DATA_ROLES)
@blp.arguments(S.DisclosureArgsSchema, location="query")
@blp.response(200, S.RegistrySchema)
def disclosures(args):
    """The disclosure registry of a period: products and APR ranges against the cap, auto-deduction
    products, complaint channels, partners with every institution they serve, activity figures."""
    from sqlalchemy import select

    from supervision.analytics.disclosures import registry
    from supervision.extensions import db
    from supervision.periods.models import Period
    from supervision.scope import finding_condition

    code = _period(args)
    period = db.session.scalar(select(Period).where(Period.code == code.upper()))
    if period is None:
        raise ServiceError(f"期间 {code} 不存在 / period {code} does not exist", 404)
    reg = registry(period.id, _scope(), finding_condition(current_user), sector=_sector(args),
                   institution=args["institution"])
    return S.registry_json(period.code, reg)


@blp.get("/league-series")
@roles_required(*DATA_ROLES)
@blp.arguments(S.SeriesArgsSchema, location="query")
@blp.response(200, S.SeriesSchema)
def league_series(args):
    """Every §8 metric per quarter of one institution (with its sector's medians) or of one sector
    (its medians): published snapshots, and for regulators the draft of unpublished quarters."""
    period = _period(args)
    if args["institution"]:
        inst = visible_institution(current_user, args["institution"])
        series = institution_series(current_user, inst, period, args["quarters"])
        medians = sector_series(current_user, inst.sector, period, args["quarters"])
        return {**series.__dict__, "sector_medians": medians.points}
    sector = (args["sector"] or "").upper()
    if not sector:
        if current_user.role != Role.FILER:
            raise ServiceError("请指定机构或行业 / name an institution or a sector", 400)
        from supervision.extensions import db
        from supervision.orgs.models import Institution

        sector = db.session.get(Institution, current_user.institution_id).sector
    return {**sector_series(current_user, sector, period, args["quarters"]).__dict__, "sector_medians": None}
