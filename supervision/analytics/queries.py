"""Read the complaint cube (spec §10.1) for a view: period(s), scope, sector, institutions, filters
on complaint dimensions, rows × columns of any two dimensions.

Only the versions that count (:func:`supervision.filings.counting.counting_versions`) of the
institutions the reader may see (:mod:`supervision.scope`) are read; no query here groups complaint
rows — the cube already holds every grain of at most two complaint dimensions. The drill-down
(:func:`cell_rows`) lists the complaint rows behind one number, paginated.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import ColumnElement, and_, func, select, text, true

from supervision.analytics import measures as M
from supervision.analytics.dims import DIMENSIONS, ROW_DIMS, canonical
from supervision.analytics.models import CubeCell, CubeDays
from supervision.domain.calendar import PeriodCodeError, parse_period
from supervision.domain.enums import FilingKind
from supervision.errors import ServiceError
from supervision.extensions import db
from supervision.filings.content_models import ComplaintRow, CoverFigures
from supervision.filings.counting import counting_versions
from supervision.orgs.models import Institution
from supervision.periods.models import Period


class ViewError(ServiceError):
    """A view that cannot be read (unknown period or dimension, too many complaint dimensions)."""


@dataclass
class View:
    """What a reader asked for; the URL of the explorer holds exactly these fields."""

    period: str
    rows: str = "business_category"
    cols: str | None = None
    period_to: str | None = None
    sector: str | None = None
    institutions: list[str] = field(default_factory=list)
    filters: dict[str, list[str]] = field(default_factory=dict)

    def row_dims(self) -> list[str]:
        """The complaint dimensions the view uses (rows, columns, filters)."""
        used = [d for d in (self.rows, self.cols) if d in ROW_DIMS]
        used += [d for d, vals in self.filters.items() if vals and d in ROW_DIMS]
        return list(dict.fromkeys(used))


@dataclass
class Result:
    """A view read from the cube: cells by (row, col) with their measures and changes, row and
    column totals and the grand total (col ``None`` without columns)."""

    view: View
    periods: list[str]
    row_values: list[str]
    col_values: list[str | None]
    cells: dict[tuple[str, str | None], dict]
    row_totals: dict[str, dict]
    col_totals: dict[str | None, dict]
    total: dict
    institutions: int
    compare: bool


def _period_codes(view: View) -> list[str]:
    try:
        first = parse_period(view.period)
        last = parse_period(view.period_to) if view.period_to else first
    except PeriodCodeError as exc:
        raise ViewError("期间代码无效 / invalid period code", 400) from exc
    if last.code < first.code:
        first, last = last, first
    codes, p = [], first
    while p.code <= last.code and len(codes) < 40:
        codes.append(p.code)
        p = p.next()
    return codes


def check_view(view: View) -> None:
    """Refuse an unknown dimension or more than two complaint dimensions (the cube's grains)."""
    for d in (view.rows, view.cols):
        if d is not None and d not in DIMENSIONS:
            raise ViewError(f"未知维度 {d} / unknown dimension {d}", 400)
    if view.cols == view.rows:
        raise ViewError("行与列须为不同维度 / rows and columns must be different dimensions", 400)
    unknown = [d for d in view.filters if d not in ROW_DIMS]
    if unknown:
        raise ViewError(f"未知筛选维度 {unknown[0]} / unknown filter dimension {unknown[0]}", 400)
    if len(view.row_dims()) > 2:
        raise ViewError("一个视图最多使用两个投诉维度（行、列与筛选合计） / a view uses at most two complaint "
                        "dimensions (rows, columns and filters together)", 400)


def _versions(view: View, period_ids: list[int], scope: ColumnElement[bool] | None):
    """Subquery ``(version_id, institution_id, code, sector, period_code)`` of the versions that count."""
    one = period_ids[0] if len(period_ids) == 1 else None  # a single period narrows the subquery itself
    cv = counting_versions(kind=FilingKind.CMP, period_id=one).subquery()
    q = (select(cv.c.version_id, Institution.id.label("institution_id"), Institution.code.label("code"),
                Institution.sector.label("sector"), Period.code.label("period_code"))
         .join(Institution, Institution.id == cv.c.institution_id).join(Period, Period.id == cv.c.period_id)
         .where(cv.c.period_id.in_(period_ids), scope if scope is not None else true()))
    if view.sector:
        q = q.where(Institution.sector == view.sector)
    if view.institutions:
        q = q.where(Institution.code.in_(view.institutions))
    return q.subquery()


def _key(dim: str | None, table, versions, grain: tuple[str, str]):
    if dim is None:
        return None
    if dim == "institution":
        return versions.c.code
    if dim == "sector":
        return versions.c.sector
    if dim == "period":
        return versions.c.period_code
    return table.val_a if grain[0] == dim else table.val_b


def _filtered(q, table, view: View, grain: tuple[str, str]):
    a, b = grain
    q = q.where(table.dim_a == a, table.dim_b == b)
    for d, vals in view.filters.items():
        if vals:
            q = q.where((table.val_a if a == d else table.val_b).in_(vals))
    return q


def _read(view: View, period_ids: list[int], scope, *, light: bool = False):
    """(row, col) → :class:`measures.Cell` for some periods, the institutions of the view and its
    :func:`customer_counter`; ``light``: only ``received`` (an earlier period for the changes)."""
    versions = _versions(view, period_ids, scope)
    grain = canonical(view.row_dims())
    rk = _key(view.rows, CubeCell, versions, grain)
    ck = _key(view.cols, CubeCell, versions, grain)
    keys = [k for k in (rk, ck) if k is not None]
    if light:
        q = (select(*keys, func.sum(CubeCell.received)).join(versions, versions.c.version_id == CubeCell.version_id)
             .group_by(*keys))
        return {(row[0], row[1] if ck is not None else None): M.Cell(received=int(row[-1] or 0))
                for row in db.session.execute(_filtered(q, CubeCell, view, grain))}, set(), None
    sums = [func.sum(getattr(CubeCell, n)) for n in M.COUNTS + M.SUMS]
    q = select(*keys, *sums).join(versions, versions.c.version_id == CubeCell.version_id).group_by(*keys)
    cells: dict[tuple, M.Cell] = {}
    for row in db.session.execute(_filtered(q, CubeCell, view, grain)):
        key = (row[0], row[1] if ck is not None else None)
        vals = row[len(keys):]
        cell = M.Cell(**{n: int(v or 0) for n, v in zip(M.COUNTS, vals[:len(M.COUNTS)], strict=True)})
        cell.amount_sum, cell.redress_sum = (Decimal(v or 0) for v in vals[len(M.COUNTS):])
        cells[key] = cell
    rk = _key(view.rows, CubeDays, versions, grain)
    ck = _key(view.cols, CubeDays, versions, grain)
    keys = [k for k in (rk, ck) if k is not None]
    q = (select(*keys, CubeDays.days, func.sum(CubeDays.closed_rows))
         .join(versions, versions.c.version_id == CubeDays.version_id).group_by(*keys, CubeDays.days))
    for row in db.session.execute(_filtered(q, CubeDays, view, grain)):
        key = (row[0], row[1] if ck is not None else None)
        cell = cells.setdefault(key, M.Cell())
        cell.days[int(row[-2])] = cell.days.get(int(row[-2]), 0) + int(row[-1])
    counter, inst_codes = customer_counter(view, versions)
    return cells, inst_codes, counter


def customer_counter(view: View, versions):
    """(A function (row value, col value) → active customers of the institutions behind it, the
    institution codes of the view). §10.1 per_10k_customers: a group of institutions sums both; a
    key-dimension value (institution, sector, period) narrows them, complaint dimensions do not;
    ``None`` for either side means all. Sums are indexed once, so a call is a look-up."""
    rows = db.session.execute(
        select(versions.c.code, versions.c.sector, versions.c.period_code, CoverFigures.active_customers)
        .outerjoin(CoverFigures, CoverFigures.version_id == versions.c.version_id)).all()
    index = {"institution": 0, "sector": 1, "period": 2}
    ri, ci = index.get(view.rows or ""), index.get(view.cols or "")
    sums: dict[tuple[str, str], int] = {}
    for r in rows:
        if r[3] is None:
            continue
        rv = r[ri] if ri is not None else "*"
        cv = r[ci] if ci is not None else "*"
        for key in {(rv, cv), (rv, "*"), ("*", cv), ("*", "*")}:
            sums[key] = sums.get(key, 0) + r[3]

    def count(rval, cval) -> int | None:
        return sums.get((rval if ri is not None and rval is not None else "*",
                         cval if ci is not None and cval is not None else "*"))

    return count, {r[0] for r in rows}


def _period_ids(codes: Iterable[str]) -> dict[str, int]:
    return dict(db.session.execute(select(Period.code, Period.id).where(Period.code.in_(list(codes)))).all())


def read_view(view: View, scope: ColumnElement[bool] | None) -> Result:
    """The view's cells with every measure, totals, and (single period) ``qoq``/``yoy`` of ``received``
    against P−1 and P−4. ``scope``: a condition on :class:`Institution` (``None``: every institution,
    for operators)."""
    check_view(view)
    codes = _period_codes(view)
    ids = _period_ids(codes)
    if not ids:
        raise ViewError(f"期间 {view.period} 不存在 / period {view.period} does not exist", 404)
    cells, inst_ids, customers = _read(view, list(ids.values()), scope)
    compare = len(codes) == 1 and view.rows != "period" and view.cols != "period"
    before: dict[str, dict] = {}
    if compare:
        p = parse_period(codes[0])
        for label, earlier in (("qoq", p.previous), ("yoy", lambda: parse_period(f"{p.year - 1}Q{p.quarter}"))):
            try:
                code = earlier().code
            except PeriodCodeError:  # before the calendar's first quarter: no data
                before[label] = {}
                continue
            pid = _period_ids([code])
            before[label] = _read(view, list(pid.values()), scope, light=True)[0] if pid else {}
    merged_rows = M.merge((r, cell) for (r, _c), cell in cells.items())
    merged_cols = M.merge((c, cell) for (_r, c), cell in cells.items())
    grand = M.merge(("all", cell) for cell in cells.values()).get("all", M.Cell())
    for (r, c), cell in cells.items():
        cell.customers = customers(r, c)
    for r, cell in merged_rows.items():
        cell.customers = customers(r, None)
    for c, cell in merged_cols.items():
        cell.customers = customers(None, c)
    grand.customers = customers(None, None)
    view_total = grand.received

    def out(cell: M.Cell, key=None, axis=None) -> dict:
        d = M.measures(cell, view_total)
        for label in ("qoq", "yoy"):
            d[label] = d[f"{label}_pct"] = None
            if compare:
                d[label], d[f"{label}_pct"] = M.change(cell.received, _earlier(before[label], key, axis))
        return d

    row_values = sorted(merged_rows, key=_order(view.rows))
    col_values = sorted(merged_cols, key=_order(view.cols)) if view.cols else [None]
    return Result(view, codes, row_values, col_values,
                  {k: out(c, k, "cell") for k, c in cells.items()},
                  {r: out(c, r, "row") for r, c in merged_rows.items()},
                  {c: out(cell, c, "col") for c, cell in merged_cols.items()},
                  out(grand, None, "total"), len(inst_ids), compare)


def _earlier(cells: dict, key, axis: str) -> int | None:
    """``received`` of the same cell, row, column or total in an earlier period (None: no data)."""
    if not cells:
        return None
    if axis == "cell":
        cell = cells.get(key)
        return cell.received if cell else 0
    pick = {"row": lambda k: k[0] == key, "col": lambda k: k[1] == key, "total": lambda k: True}[axis]
    return sum(c.received for k, c in cells.items() if pick(k))


def _order(dim: str | None):
    from supervision.domain.codes import CODE_LISTS

    order = list(CODE_LISTS.get(dim or "", {}))
    if dim == "handling":
        from supervision.analytics.dims import HANDLING_BUCKETS

        order = [b[0] for b in HANDLING_BUCKETS]
    return lambda v: (order.index(v) if v in order else len(order), v or "")


# ------------------------------------------------------------------------------------- drill-down
#: the complaint rows behind each measure (§10.1 row sets)
ROW_SETS = {"received": "NOT carried_over", "closed": "status = 'CLOSED'",
            "on_time": "status = 'CLOSED' AND on_time",
            "favourable": "status = 'CLOSED' AND outcome IN ('UPHELD','PARTIAL','SETTLED')",
            "escalated": "status = 'CLOSED' AND escalated",
            "extended": "status = 'CLOSED' AND COALESCE(extension, 'NONE') <> 'NONE'"}
#: measure → the row set its number counts
MEASURE_ROWS = {"received": "received", "share": "received", "per_10k_customers": "received",
                "amount_sum": "received", "closed": "closed", "on_time": "on_time", "favourable": "favourable",
                "escalated": "escalated", "on_time_rate": "closed", "favourable_rate": "closed",
                "escalation_rate": "closed", "extension_rate": "closed", "median_days": "closed",
                "p90_days": "closed", "redress_sum": "closed"}


@dataclass
class RowsPage:
    """One page of the complaint rows behind a number."""

    rows: list
    total: int
    page: int
    pages: int
    per_page: int


def cell_rows(view: View, scope, *, row: str | None, col: str | None, row_set: str = "received",
              page: int = 1, per_page: int = 50) -> RowsPage:
    """The complaint rows counted by one cell (``row``/``col`` values; ``None`` = the whole
    row/column/view) of the view, from the versions that count in scope, paginated."""
    where = cell_condition(view, scope, row=row, col=col, row_set=row_set)
    total = db.session.scalar(select(func.count()).select_from(ComplaintRow).where(where)) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    rows = db.session.scalars(select(ComplaintRow).where(where)
                              .order_by(ComplaintRow.institution_id, ComplaintRow.version_id, ComplaintRow.row_no)
                              .offset((page - 1) * per_page).limit(per_page)).all()
    return RowsPage(list(rows), total, page, pages, per_page)


def cell_condition(view: View, scope, *, row: str | None, col: str | None, row_set: str = "received"):
    """The condition on :class:`ComplaintRow` selecting the rows one cell of the view counts
    (versions that count, in ``scope``); :func:`cell_rows` pages it by position, the API by id."""
    from supervision.analytics.services import dimension_sql

    check_view(view)
    if row_set not in ROW_SETS:
        raise ViewError("未知行集 / unknown row set", 400)
    ids = _period_ids(_period_codes(view))
    versions = _versions(view, list(ids.values()), scope)
    dims = dimension_sql()
    conds = [text(ROW_SETS[row_set])]
    wanted: dict[str, list[str]] = {d: list(v) for d, v in view.filters.items() if v}
    key_filter = []
    for dim, val in ((view.rows, row), (view.cols, col)):
        if dim is None or val is None:
            continue
        if dim in ROW_DIMS:
            wanted.setdefault(dim, [val])
            wanted[dim] = [v for v in wanted[dim] if v == val]
        else:
            key_filter.append((dim, val))
    for i, (dim, vals) in enumerate(sorted(wanted.items())):
        names = [f"d{i}_{j}" for j in range(len(vals))]
        conds.append(text(f"({dims[dim]}) IN ({', '.join(':' + n for n in names)})")
                     .bindparams(**dict(zip(names, vals, strict=True))) if names else text("1 = 0"))
    vq = select(versions.c.version_id)
    for dim, val in key_filter:
        vq = vq.where({"institution": versions.c.code, "sector": versions.c.sector,
                       "period": versions.c.period_code}[dim] == val)
    return and_(ComplaintRow.version_id.in_(vq), *conds)
