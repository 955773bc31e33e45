"""Marshmallow fields shared by the features' schemas."""

from __future__ import annotations

import marshmallow as ma

from supervision.timeutil import as_utc


class UtcDateTime(ma.fields.AwareDateTime):
    """An ISO 8601 time with its UTC offset, also for the naive UTC values SQLite returns."""

    def _serialize(self, value, attr, obj, **kwargs):
        return super()._serialize(as_utc(value) if value is not None else None, attr, obj, **kwargs)
