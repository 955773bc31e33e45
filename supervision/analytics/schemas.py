"""Marshmallow schemas of analytics results (spec §10.4 JSON shape), shared by the CLI and the API.

Counts are integers; sums, rates, medians, percentiles and percentage changes are exact decimal
strings as in §8 (:func:`reports.numbers.exact_str`), ``null`` when empty.
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from reports.numbers import exact_str


class ExactString(fields.Field):
    """An exact number written as a §8 decimal string (``None`` → ``null``)."""

    def _serialize(self, value, attr, obj, **kwargs):
        return exact_str(value)


class CellSchema(Schema):
    """One cell of a view (§10.4): dimension codes, counts, exact sums and rates, change of
    ``received`` against P−1 (``qoq``) and P−4 (``yoy``)."""

    row = fields.String(allow_none=True)
    col = fields.String(allow_none=True)
    received = fields.Integer()
    closed = fields.Integer()
    on_time = fields.Integer()
    favourable = fields.Integer()
    escalated = fields.Integer()
    amount_sum = ExactString()
    redress_sum = ExactString()
    median_days = ExactString()
    p90_days = ExactString()
    qoq = fields.Integer(allow_none=True)
    qoq_pct = ExactString()
    yoy = fields.Integer(allow_none=True)
    yoy_pct = ExactString()


class CellMeasuresSchema(CellSchema):
    """A cell with every §10.1 measure (the pages' and the API's fuller shape)."""

    share = ExactString()
    per_10k_customers = ExactString()
    on_time_rate = ExactString()
    favourable_rate = ExactString()
    escalation_rate = ExactString()
    extension_rate = ExactString()


class ViewSchema(Schema):
    """``{"period", "rows_dim", "cols_dim", "cells": [...]}`` (§10.4)."""

    period = fields.String()
    rows_dim = fields.String()
    cols_dim = fields.String(allow_none=True)
    cells = fields.List(fields.Nested(CellSchema))


def view_cells(result) -> list[dict]:
    """The non-empty cells of a :class:`supervision.analytics.queries.Result` in display order."""
    cells = []
    for r in result.row_values:
        for c in result.col_values:
            cell = result.cells.get((r, c))
            if cell is None or (not cell["received"] and not cell["closed"]):
                continue
            cells.append({"row": r, "col": c, **cell})
    return cells


def view_json(result) -> dict:
    """The §10.4 object of a view (empty cells omitted)."""
    period = result.periods[0] if len(result.periods) == 1 else f"{result.periods[0]}-{result.periods[-1]}"
    return ViewSchema().dump({"period": period, "rows_dim": result.view.rows, "cols_dim": result.view.cols,
                              "cells": view_cells(result)})


# ------------------------------------------------------------------ the API's arguments and results
def _filter_fields() -> dict:
    from supervision.analytics.dims import ROW_DIMS

    return {f"f_{d}": fields.List(fields.String(validate=validate.Length(max=20)), load_default=list,
                                  metadata={"description": f"only complaint rows whose {d} is one of these codes"})
            for d in ROW_DIMS}


class _ViewArgsBase(Schema):
    """The explorer's URL arguments (validated like the page: an unknown dimension is a 400)."""

    period = fields.String(load_default=None, metadata={"description": "quarter code (default: the latest "
                                                                       "with data in scope)"})
    period_to = fields.String(load_default=None, metadata={"description": "last quarter of a range"})
    rows = fields.String(load_default="business_category", metadata={"description": "§10.1 dimension of the rows"})
    cols = fields.String(load_default=None, metadata={"description": "§10.1 dimension of the columns"})
    sector = fields.String(load_default=None)
    inst = fields.List(fields.String(), load_default=list, metadata={"description": "institution codes (USCC)"})


#: the explorer's arguments with one ``f_<dimension>`` filter per §10.1 complaint dimension
ViewArgsSchema = type("ViewArgsSchema", (_ViewArgsBase,), {**_filter_fields(), "__doc__": _ViewArgsBase.__doc__})


class BenchmarkRowSchema(Schema):
    """A filer's share of one value beside its sector's total and median share (no other institution named)."""

    code = fields.String()
    own = fields.Integer()
    own_share = ExactString()
    sector = fields.Integer()
    sector_share = ExactString()
    median_share = ExactString()


class BenchmarkSchema(Schema):
    """The filer's benchmark: rows, number of institutions of the sector, the sector."""

    rows = fields.List(fields.Nested(BenchmarkRowSchema))
    institutions = fields.Integer()
    sector = fields.String()


class FullViewSchema(Schema):
    """§10.4 view with every §10.1 measure per cell, row and column totals, the grand total."""

    period = fields.String()
    periods = fields.List(fields.String())
    rows_dim = fields.String()
    cols_dim = fields.String(allow_none=True)
    cells = fields.List(fields.Nested(CellMeasuresSchema))
    row_totals = fields.List(fields.Nested(CellMeasuresSchema))
    col_totals = fields.List(fields.Nested(CellMeasuresSchema))
    total = fields.Nested(CellMeasuresSchema)
    institutions = fields.Integer(metadata={"description": "institutions behind the view"})
    benchmark = fields.Nested(BenchmarkSchema, allow_none=True)


def full_view(result, benchmark=None) -> dict:
    """The API body of a view (:class:`FullViewSchema`)."""
    period = result.periods[0] if len(result.periods) == 1 else f"{result.periods[0]}-{result.periods[-1]}"
    return {"period": period, "periods": result.periods, "rows_dim": result.view.rows, "cols_dim": result.view.cols,
            "cells": [{**c} for c in view_cells(result)],
            "row_totals": [{"row": r, "col": None, **result.row_totals[r]} for r in result.row_values],
            "col_totals": [{"row": None, "col": c, **result.col_totals[c]} for c in result.col_values
                           if c is not None and c in result.col_totals],
            "total": {"row": None, "col": None, **result.total}, "institutions": result.institutions,
            "benchmark": benchmark}


class CellRowsArgsSchema(ViewArgsSchema):
    """The view, the cell (``row``/``col`` values; absent = the whole row, column or view), the row
    set, and the cursor page."""

    row = fields.String(load_default=None, metadata={"description": "row value of the cell"})
    col = fields.String(load_default=None, metadata={"description": "column value of the cell"})
    set = fields.String(load_default="received", metadata={"description": "row set: received, closed, on_time, "
                                                                         "favourable, escalated, extended"})
    cursor = fields.String(load_default=None, validate=validate.Length(max=500))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class ComplaintRowSchema(Schema):
    """One complaint row behind a number (as stored: the summary is masked at ingest)."""

    id = fields.Integer()
    institution_code = fields.Function(lambda r: r.institution.code if r.institution else None)
    version_id = fields.Integer()
    row_no = fields.Integer()
    complaint_id = fields.String()
    received_date = fields.Date()
    carried_over = fields.Boolean()
    source = fields.String()
    channel = fields.String()
    business_category = fields.String()
    cause = fields.String()
    complaint_type = fields.String(allow_none=True)
    province = fields.String(allow_none=True)
    customer_group = fields.String(allow_none=True)
    amount = ExactString()
    status = fields.String()
    closed_date = fields.Date(allow_none=True)
    days_to_close = fields.Integer(allow_none=True)
    extension = fields.String(allow_none=True)
    on_time = fields.Boolean(allow_none=True)
    outcome = fields.String(allow_none=True)
    redress = ExactString()
    escalated = fields.Boolean(allow_none=True)
    summary = fields.String(allow_none=True)


class CellRowsSchema(Schema):
    """A page of the rows behind one cell: ``items``, ``next_cursor``, ``total``."""

    items = fields.List(fields.Nested(ComplaintRowSchema), required=True)
    next_cursor = fields.String(allow_none=True, required=True)
    total = fields.Integer()


class PeriodArgsSchema(Schema):
    """A period (default: the latest with data in scope) and an optional sector."""

    period = fields.String(load_default=None)
    sector = fields.String(load_default=None)


class TrendArgsSchema(PeriodArgsSchema):
    """Quarter series of the cube's measures: ``quarters`` up to ``period``, by ``rows``."""

    quarters = fields.Integer(load_default=8, validate=validate.Range(min=1, max=20))
    rows = fields.String(load_default=None, metadata={"description": "the series' dimension (default: sector, "
                                                                     "or business_category within a sector)"})
    inst = fields.List(fields.String(), load_default=list)


class GrowthSchema(Schema):
    """One fastest-growing entry (§10.1)."""

    code = fields.String()
    received = fields.Integer()
    previous = fields.Integer()
    qoq = fields.Integer()
    qoq_pct = ExactString()


class GrowthListsSchema(Schema):
    """Fastest-growing lists per dimension with the minimum counts applied."""

    period = fields.String()
    sector = fields.String(allow_none=True)
    min_now = fields.Integer()
    min_before = fields.Integer()
    lists = fields.Dict(keys=fields.String(), values=fields.List(fields.Nested(GrowthSchema)))


class SpeedArgsSchema(PeriodArgsSchema):
    """Handling speed by institution or sector."""

    by = fields.String(load_default="institution", validate=validate.OneOf(("institution", "sector")))


class SpeedRowSchema(Schema):
    """Handling speed of one institution or sector (``code`` null: the total)."""

    code = fields.String(allow_none=True)
    closed = fields.Integer()
    buckets = fields.Dict(keys=fields.String(), values=fields.Integer())
    on_time_rate = ExactString()
    extension_rate = ExactString()
    median_days = ExactString()
    p90_days = ExactString()


class SpeedSchema(Schema):
    """§10.1 handling-speed table."""

    period = fields.String()
    by = fields.String()
    sector = fields.String(allow_none=True)
    rows = fields.List(fields.Nested(SpeedRowSchema))


class DisclosureArgsSchema(PeriodArgsSchema):
    """The registry of a period, optionally one institution."""

    institution = fields.String(load_default=None)



class ProductSchema(Schema):
    """A disclosed product with its APR range (``above_cap``: its maximum APR exceeds the cap)."""

    institution_code = fields.String()
    institution_name = fields.String()
    product_code = fields.String()
    product_name = fields.String(allow_none=True)
    product_type = fields.String()
    apr_min = ExactString()
    apr_max = ExactString()
    above_cap = fields.Boolean()
    auto_deduction = fields.Boolean(allow_none=True)
    deduction_notice = fields.Boolean(allow_none=True)


class ChannelSchema(Schema):
    """A complaint channel with its accessibility flags."""

    institution_code = fields.String()
    channel_type = fields.String()
    contact = fields.String(allow_none=True)
    service_hours = fields.String(allow_none=True)
    accessible = fields.Boolean(allow_none=True)
    elderly_friendly = fields.Boolean(allow_none=True)


class PartnerSchema(Schema):
    """A cooperating partner listed once with every institution it works for and its open D04 findings."""

    name = fields.String()
    code = fields.String(allow_none=True)
    partner_type = fields.String()
    institutions = fields.List(fields.Dict())
    findings = fields.List(fields.Integer(), metadata={"description": "ids of open D04 findings the reader may see"})


class RegistrySchema(Schema):
    """The disclosure registry of a period in the reader's scope."""

    period = fields.String()
    apr_cap = ExactString()
    products = fields.List(fields.Nested(ProductSchema))
    auto_deduction = fields.List(fields.Nested(ProductSchema))
    channels = fields.List(fields.Nested(ChannelSchema))
    partners = fields.List(fields.Nested(PartnerSchema))
    activities = fields.Dict(keys=fields.String(), values=fields.Dict(keys=fields.String(), values=ExactString()))


def registry_json(code: str, reg) -> dict:
    """The API body of a :class:`supervision.analytics.disclosures.Registry`."""
    def product(inst, p) -> dict:
        return {"institution_code": inst.code, "institution_name": inst.name, "product_code": p.product_code,
                "product_name": p.product_name, "product_type": p.product_type, "apr_min": p.apr_min,
                "apr_max": p.apr_max, "above_cap": p.apr_max is not None and p.apr_max > reg.cap,
                "auto_deduction": p.auto_deduction, "deduction_notice": p.deduction_notice}

    return {"period": code, "apr_cap": reg.cap, "products": [product(i, p) for i, p in reg.products],
            "auto_deduction": [product(i, p) for i, p in reg.products if p.auto_deduction],
            "channels": [{"institution_code": i.code, "channel_type": c.channel_type, "contact": c.contact,
                          "service_hours": c.service_hours, "accessible": c.accessible,
                          "elderly_friendly": c.elderly_friendly} for i, c in reg.channels],
            "partners": [{"name": g.name, "code": g.code, "partner_type": g.partner_type,
                          "institutions": [{"code": c, "name": n} for c, n in g.institutions],
                          "findings": [f.id for f in g.findings]} for g in reg.partners],
            "activities": reg.activities}


class SeriesArgsSchema(Schema):
    """§8 metric series: one institution (``institution``) or one sector (``sector``) over ``quarters``."""

    period = fields.String(load_default=None)
    quarters = fields.Integer(load_default=8, validate=validate.Range(min=1, max=20))
    institution = fields.String(load_default=None, metadata={"description": "institution code (USCC)"})
    sector = fields.String(load_default=None, metadata={"description": "sector code (its §8 sector medians)"})


class MetricPointSchema(Schema):
    """One metric of one quarter: exact ``value`` (null for sector medians) and ``display`` text."""

    value = fields.String(allow_none=True)
    display = fields.String(allow_none=True)


class SeriesPointSchema(Schema):
    """One quarter: the snapshot read (null = the regulators' draft), league status, every §8 metric."""

    period = fields.String()
    snapshot = fields.Integer(allow_none=True)
    status = fields.String(allow_none=True)
    metrics = fields.Dict(keys=fields.String(), values=fields.Nested(MetricPointSchema))


class SeriesSchema(Schema):
    """§8 metrics per quarter of an institution, and its sector's medians (or of a sector alone)."""

    kind = fields.String()
    code = fields.String()
    name = fields.String()
    sector = fields.String()
    points = fields.List(fields.Nested(SeriesPointSchema))
    sector_medians = fields.List(fields.Nested(SeriesPointSchema), allow_none=True)
