"""Marshmallow schemas of filings, versions and validation issues (API bodies).

The issue fields are those of the CLI's JSON report and the version page's ``issues.json``
(:func:`supervision.filings.queries.issue_dict`).
"""

from __future__ import annotations

import marshmallow as ma
from flask import url_for

from supervision.domain.enums import FilingKind, VersionStatus
from supervision.fields import UtcDateTime


class VersionLinksSchema(ma.Schema):
    """Where to follow a version: status, issues and the two downloads."""

    self = ma.fields.String(required=True)
    issues = ma.fields.String(required=True)
    annotated = ma.fields.String(required=True)
    original = ma.fields.String(required=True)


def version_links(v) -> dict:
    """The API URLs of a version."""
    return {"self": url_for("api_filings.version", version_id=v.id),
            "issues": url_for("api_filings.issues", version_id=v.id),
            "annotated": url_for("api_filings.annotated", version_id=v.id),
            "original": url_for("api_filings.original", version_id=v.id)}


class VersionSchema(ma.Schema):
    """A filing version: §7a status, live progress, counts, and its links."""

    id = ma.fields.Integer(required=True)
    filing_id = ma.fields.Integer(required=True)
    number = ma.fields.Integer(required=True)
    institution = ma.fields.Function(lambda v: v.filing.institution.code, required=True)
    period = ma.fields.Function(lambda v: v.filing.period.code, required=True)
    kind = ma.fields.String(required=True, attribute="filing.kind", validate=ma.validate.OneOf(FilingKind.values()))
    status = ma.fields.String(required=True, validate=ma.validate.OneOf(VersionStatus.values()))
    sha256 = ma.fields.String(required=True)
    size = ma.fields.Integer(required=True)
    original_filename = ma.fields.String(required=True)
    uploaded_at = UtcDateTime(required=True)
    status_changed_at = UtcDateTime(allow_none=True)
    on_time = ma.fields.Boolean(allow_none=True)
    progress = ma.fields.Dict(required=True)
    row_counts = ma.fields.Dict(required=True)
    blocking = ma.fields.Integer(attribute="blocking_count", required=True)
    warnings = ma.fields.Integer(attribute="warning_count", required=True)
    failure = ma.fields.String(allow_none=True)
    note = ma.fields.String(allow_none=True)
    links = ma.fields.Function(version_links, required=True)


class FilingSchema(ma.Schema):
    """A filing (institution × period × kind) with its versions, newest last."""

    id = ma.fields.Integer(required=True)
    institution = ma.fields.Function(lambda f: f.institution.code, required=True)
    period = ma.fields.Function(lambda f: f.period.code, required=True)
    kind = ma.fields.String(required=True)
    versions = ma.fields.List(ma.fields.Nested(VersionSchema), required=True)


class FilingArgsSchema(ma.Schema):
    """Filters of the filing list, as on the filings page."""

    period = ma.fields.String(load_default=None, validate=ma.validate.Length(max=6))
    kind = ma.fields.String(load_default=None, validate=ma.validate.OneOf(FilingKind.values()))
    q = ma.fields.String(load_default=None, validate=ma.validate.Length(max=100),
                         metadata={"description": "institution name, short name or exact USCC"})


class SubmitArgsSchema(ma.Schema):
    """Query parameters of an upload (both multipart and raw-body uploads)."""

    period = ma.fields.String(required=True, validate=ma.validate.Length(min=6, max=6),
                              metadata={"example": "2024Q1"})
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(FilingKind.values()))
    filename = ma.fields.String(load_default=None, validate=ma.validate.Length(max=255),
                                metadata={"description": "file name of a raw-body upload"})
    institution = ma.fields.String(load_default=None, validate=ma.validate.Length(max=18),
                                   metadata={"description": "USCC; only for supervisors filing for an institution"})


class SubmissionSchema(ma.Schema):
    """The answer to an upload: the version, whether it is new, where to poll."""

    created = ma.fields.Boolean(required=True, metadata={"description": "false: the identical file (or the same "
                                                                       "Idempotency-Key) was received before"})
    version = ma.fields.Nested(VersionSchema, required=True)
    status_url = ma.fields.String(required=True)


class IssueSchema(ma.Schema):
    """One validation issue, as in the CLI's JSON report (rule ID, sheet, row, column, value, messages)."""

    rule = ma.fields.String(required=True)
    severity = ma.fields.String(required=True)
    sheet = ma.fields.String(allow_none=True)
    row = ma.fields.Integer(allow_none=True)
    column = ma.fields.String(allow_none=True)
    field = ma.fields.String(allow_none=True)
    value = ma.fields.String(allow_none=True)
    message = ma.fields.String(required=True)
    message_zh = ma.fields.String(required=True)
    message_en = ma.fields.String(required=True)


class IssueArgsSchema(ma.Schema):
    """Filters of the issue list: rule ID and severity."""

    rule = ma.fields.String(load_default=None, validate=ma.validate.Length(max=8))
    severity = ma.fields.String(load_default=None, validate=ma.validate.Length(max=16))


class IssuePageSchema(ma.Schema):
    """A page of a version's issues with the exact totals per rule."""

    version_id = ma.fields.Integer(required=True)
    status = ma.fields.String(required=True)
    totals = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer(), required=True)
    items = ma.fields.List(ma.fields.Nested(IssueSchema), required=True)
    next_cursor = ma.fields.String(allow_none=True, required=True)


class NoteSchema(ma.Schema):
    """The note a withdrawal or return carries (§7a, shown to the institution)."""

    note = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=2000))


class TemplateArgsSchema(ma.Schema):
    """A template download: the period to prefill (optional)."""

    period = ma.fields.String(load_default=None, validate=ma.validate.Length(max=6))
