"""Marshmallow schemas of the vulnerable-consumer lens (for the API): one group line of an institution."""

from __future__ import annotations

from marshmallow import Schema, fields

from reports.numbers import exact_str


class _Exact(fields.Field):
    """An exact number (``Fraction``) as a decimal string; None stays null."""

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else exact_str(value)


class GroupLineSchema(Schema):
    """A customer group at an institution: counts, shares, rates and gaps (points) against NONE."""

    group = fields.String(required=True)
    received = fields.Integer()
    closed = fields.Integer()
    on_time = fields.Integer()
    favourable = fields.Integer()
    escalated = fields.Integer()
    share = _Exact(allow_none=True)
    sector_share = _Exact(allow_none=True)
    on_time_rate = _Exact(allow_none=True)
    favourable_rate = _Exact(allow_none=True)
    escalation_rate = _Exact(allow_none=True)
    on_time_gap = _Exact(allow_none=True)
    favourable_gap = _Exact(allow_none=True)
    escalation_gap = _Exact(allow_none=True)
    causes = fields.List(fields.Tuple((fields.String(), fields.Integer())))
