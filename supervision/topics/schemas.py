"""Marshmallow schemas of the topic figures (spec §10.4), shared by the command and the API."""

from __future__ import annotations

from marshmallow import Schema, fields


class TopicInstitutionSchema(Schema):
    """An institution's count of one topic."""

    institution_code = fields.String(required=True)
    count = fields.Integer(required=True)


class TopicLineSchema(Schema):
    """One lexicon topic of a period: count, previous period's count (null without a counting CMP)."""

    code = fields.String(required=True)
    count = fields.Integer(required=True)
    previous = fields.Integer(allow_none=True, required=True)
    institutions = fields.List(fields.Nested(TopicInstitutionSchema), required=True)


class TopicsReportSchema(Schema):
    """``{"period", "topics": [...]}`` of ``supervision topics --format json``."""

    period = fields.String(required=True)
    topics = fields.List(fields.Nested(TopicLineSchema), required=True)
