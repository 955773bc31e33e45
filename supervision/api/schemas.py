"""Schemas shared by every API module: the error body and cursor pages."""

from __future__ import annotations

import marshmallow as ma


class ErrorItemSchema(ma.Schema):
    """One detail of an error: a validation issue (rule, sheet, row, column, …) or a bad field."""

    rule = ma.fields.String(metadata={"description": "rule ID of the filing spec (F05, C01, …)"})
    location = ma.fields.String(metadata={"description": "where the bad input is: query, json, form, files, body"})
    field = ma.fields.String(allow_none=True)
    message = ma.fields.String()
    message_zh = ma.fields.String()
    message_en = ma.fields.String()


class ErrorSchema(ma.Schema):
    """Every API error: ``{"code", "message", "message_zh", "errors": [...]}``."""

    code = ma.fields.String(required=True, metadata={"description": "stable machine code (not_found, …)"})
    message = ma.fields.String(required=True, metadata={"description": "English message"})
    message_zh = ma.fields.String(required=True, metadata={"description": "Chinese message"})
    errors = ma.fields.List(ma.fields.Dict(), required=True)


class CursorArgsSchema(ma.Schema):
    """``cursor`` (opaque, from ``next_cursor``) and ``limit`` (1–200, default 50)."""

    cursor = ma.fields.String(load_default=None, validate=ma.validate.Length(max=500))
    limit = ma.fields.Integer(load_default=50, validate=ma.validate.Range(min=1, max=200))


def page_schema(item: type[ma.Schema], name: str) -> type[ma.Schema]:
    """A page of ``item``: ``{"items": [...], "next_cursor": str | null}``."""
    return ma.Schema.from_dict({"items": ma.fields.List(ma.fields.Nested(item), required=True),
                                "next_cursor": ma.fields.String(allow_none=True, required=True)},
                               name=name)
