"""Marshmallow schemas of institutions (API bodies)."""

from __future__ import annotations

import marshmallow as ma


class InstitutionSchema(ma.Schema):
    """An institution's master data (name, USCC, sector, lead agency, expected quarters)."""

    id = ma.fields.Integer(required=True)
    code = ma.fields.String(required=True, metadata={"description": "统一社会信用代码 (USCC)"})
    name = ma.fields.String(required=True)
    short_name = ma.fields.String(allow_none=True)
    sector = ma.fields.String(required=True)
    lead_agency = ma.fields.Function(lambda i: i.lead_agency.code, required=True)
    active = ma.fields.Boolean(required=True)
    active_from = ma.fields.String(required=True)
    active_until = ma.fields.String(allow_none=True)


class InstitutionArgsSchema(ma.Schema):
    """Filters of the institution list: sector and a text (name, short name or exact code)."""

    sector = ma.fields.String(load_default=None, validate=ma.validate.Length(max=8))
    q = ma.fields.String(load_default=None, validate=ma.validate.Length(max=100))
