"""Marshmallow schemas of archived exports (API bodies)."""

from __future__ import annotations

import marshmallow as ma

from supervision.domain.enums import ExportKind
from supervision.fields import UtcDateTime

#: the kinds generated on request, as on the exports page (the 通报 notice has its own page, /notice)
GENERATED_HERE = (ExportKind.SUMMARY.value, ExportKind.FEEDBACK.value, ExportKind.CSV.value, ExportKind.JSON.value)


class ExportSchema(ma.Schema):
    """An archived export file: kind, period, scope, SHA-256, producer."""

    id = ma.fields.Integer(required=True)
    kind = ma.fields.String(required=True)
    period = ma.fields.Function(lambda e: e.period.code, required=True)
    snapshot = ma.fields.Integer(attribute="snapshot_number", allow_none=True)
    scope = ma.fields.String(attribute="scope_label", required=True)
    filename = ma.fields.String(required=True)
    sha256 = ma.fields.String(required=True)
    size = ma.fields.Integer(required=True)
    producer = ma.fields.String(required=True)
    created_at = UtcDateTime(required=True)


class ExportArgsSchema(ma.Schema):
    """Filters of the export list: period and kind."""

    period = ma.fields.String(load_default=None, validate=ma.validate.Length(max=6))
    kind = ma.fields.String(load_default=None, validate=ma.validate.OneOf(ExportKind.values()))


class ExportRequestSchema(ma.Schema):
    """Generate an export now: the period, the kind, and (feedback for a regulator) the institution's USCC."""

    period = ma.fields.String(required=True, validate=ma.validate.Length(min=6, max=6))
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(GENERATED_HERE))
    institution = ma.fields.String(load_default=None, validate=ma.validate.Length(max=18))
