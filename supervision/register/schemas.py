"""Marshmallow schemas of the regulator transfer register imports (API bodies)."""

from __future__ import annotations

import marshmallow as ma

from supervision.fields import UtcDateTime


class RegisterUploadSchema(ma.Schema):
    """An import of the transfer register (REG-1): status, rows, counts and its validation issues."""

    id = ma.fields.Integer(required=True)
    status = ma.fields.String(required=True)
    original_filename = ma.fields.String(required=True)
    sha256 = ma.fields.String(required=True)
    size = ma.fields.Integer(required=True)
    uploaded_at = UtcDateTime(required=True)
    rows = ma.fields.Integer(required=True)
    counts = ma.fields.Dict(required=True)
    issues = ma.fields.List(ma.fields.Dict(), required=True)


class RegisterImportArgsSchema(ma.Schema):
    """The file name of a raw-body import (its extension tells CSV from a workbook)."""

    filename = ma.fields.String(load_default=None, validate=ma.validate.Length(max=255))
