"""Marshmallow schemas of periods (API bodies)."""

from __future__ import annotations

import marshmallow as ma


class PeriodSchema(ma.Schema):
    """A reporting period (§2): its dates and whether it is locked today."""

    id = ma.fields.Integer(required=True)
    code = ma.fields.String(required=True, metadata={"example": "2024Q1"})
    start_date = ma.fields.Date(required=True)
    end_date = ma.fields.Date(required=True)
    due_date = ma.fields.Date(required=True)
    lock_date = ma.fields.Date(required=True)
    locked = ma.fields.Boolean(required=True)
