"""Marshmallow schemas of league tables (API bodies): published snapshots, drafts, history."""

from __future__ import annotations

import marshmallow as ma

from supervision.domain.enums import Sector
from supervision.fields import UtcDateTime


class LeagueArgsSchema(ma.Schema):
    """Which table: the latest published (default), snapshot ``N``, or the draft (regulators);
    a sector; JSON (default) or CSV."""

    snapshot = ma.fields.Integer(load_default=None, validate=ma.validate.Range(min=1, max=100000))
    draft = ma.fields.Boolean(load_default=False)
    sector = ma.fields.String(load_default=None, validate=ma.validate.OneOf(Sector.values()))
    format = ma.fields.String(load_default="json", validate=ma.validate.OneOf(("json", "csv")))


class LeagueTableSchema(ma.Schema):
    """A league table as the JSON export writes it: metadata, rows (exact and display values), medians."""

    period = ma.fields.String(required=True)
    snapshot = ma.fields.Integer(allow_none=True, required=True, metadata={"description": "null for a draft"})
    draft = ma.fields.Boolean(required=True)
    rows = ma.fields.List(ma.fields.Dict(), required=True)
    medians = ma.fields.Dict(required=True)
    meta = ma.fields.Dict(required=True)


class SnapshotSchema(ma.Schema):
    """A published snapshot of a period (§8): number, when, by whom, sectors, rows."""

    number = ma.fields.Integer(required=True)
    published_at = UtcDateTime(required=True)
    published_by = ma.fields.String(attribute="published_by_label", required=True)
    ruleset_version = ma.fields.String(required=True)
    sectors = ma.fields.List(ma.fields.String(), required=True)
    row_count = ma.fields.Integer(required=True)

    def get_attribute(self, obj, attr, default):
        """``published_by``: the publisher's address for regulator staff; for anyone else the
        publishing agency's name, never a staff e-mail address (item 22)."""
        if attr == "published_by_label":
            return publisher_shown(obj)
        return super().get_attribute(obj, attr, default)


def publisher_shown(snapshot) -> str:
    """Who published a snapshot, as the current user may see it: regulators see the publisher's
    address, institutions the publishing agency (or "regulator" / the platform for the console)."""
    from flask_login import current_user

    from supervision.extensions import db

    label = snapshot.published_by_label
    if getattr(current_user, "is_regulator", False) or label == "console":
        return label
    from supervision.accounts.models import User
    from supervision.main.helpers import agency_name

    user = db.session.get(User, snapshot.published_by_id) if snapshot.published_by_id else None
    return agency_name(user.agency) if user is not None and user.agency is not None else "regulator"


class SnapshotListSchema(ma.Schema):
    """Every published snapshot of a period, newest first."""

    period = ma.fields.String(required=True)
    items = ma.fields.List(ma.fields.Nested(SnapshotSchema), required=True)


class HistoryPointSchema(ma.Schema):
    """One period of an institution's history: its row and its sector's medians."""

    period = ma.fields.String(required=True)
    snapshot = ma.fields.Integer(allow_none=True, required=True)
    row = ma.fields.Dict(allow_none=True, required=True)
    medians = ma.fields.Dict(required=True)


class HistorySchema(ma.Schema):
    """An institution's metrics over the periods (published; drafts too for regulators)."""

    institution = ma.fields.String(required=True)
    points = ma.fields.List(ma.fields.Nested(HistoryPointSchema), required=True)
