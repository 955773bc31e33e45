"""Marshmallow schemas of analytics results (spec §10.4 JSON shape), shared by the CLI and the API.

Counts are integers; sums, rates, medians, percentiles and percentage changes are exact decimal
strings as in §8 (:func:`reports.numbers.exact_str`), ``null`` when empty.
"""

from __future__ import annotations

from marshmallow import Schema, fields

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
