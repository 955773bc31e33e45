"""Marshmallow schemas of scheduled job runs (API bodies)."""

from __future__ import annotations

import marshmallow as ma

from supervision.fields import UtcDateTime


class JobRunSchema(ma.Schema):
    """One run of a scheduled job: when, how triggered, its outcome and output."""

    id = ma.fields.Integer(required=True)
    job_id = ma.fields.String(required=True)
    scheduled_for = UtcDateTime(required=True)
    trigger = ma.fields.String(required=True)
    period_code = ma.fields.String(allow_none=True)
    status = ma.fields.String(required=True)
    attempts = ma.fields.Integer(required=True)
    started_at = UtcDateTime(required=True)
    finished_at = UtcDateTime(allow_none=True)
    duration_ms = ma.fields.Integer(allow_none=True)
    output = ma.fields.Dict(required=True)
    error = ma.fields.String(allow_none=True)


class JobRunArgsSchema(ma.Schema):
    """Filters of the run list: the job's stable ID and the status."""

    job = ma.fields.String(load_default=None, validate=ma.validate.Length(max=64))
    status = ma.fields.String(load_default=None, validate=ma.validate.Length(max=10))
