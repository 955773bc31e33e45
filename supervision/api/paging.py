"""Cursor pagination: keyset on the id, the position carried in an opaque, signed cursor.

A cursor names only a position in one listing (it is signed with the app's secret and the
listing's name); the listing's query is always the user's scoped query, so a cursor cannot reach
rows the user may not see.
"""

from __future__ import annotations

from flask import current_app
from flask_smorest import abort
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import Select

from supervision.extensions import db


def _serializer(listing: str) -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=f"api-cursor:{listing}")


def encode(listing: str, last_id: int) -> str:
    """The cursor that continues ``listing`` after ``last_id``."""
    return _serializer(listing).dumps({"after": int(last_id)})


def decode(listing: str, cursor: str) -> int:
    """The position in a cursor of ``listing`` (400 for a forged or foreign cursor)."""
    try:
        data = _serializer(listing).loads(cursor)
        return int(data["after"])
    except (BadSignature, KeyError, TypeError, ValueError):
        abort(400, code="invalid_cursor", message="The cursor is not valid for this listing.",
              message_zh="游标无效或不属于此列表。")
    raise AssertionError("unreachable")


def keyset_page(query: Select, id_column, listing: str, cursor: str | None, limit: int, *,
                descending: bool = True, scalars: bool = True) -> tuple[list, str | None]:
    """One page of ``query`` ordered by ``id_column`` and the cursor of the next page (None at the end)."""
    if cursor:
        after = decode(listing, cursor)
        query = query.where(id_column < after if descending else id_column > after)
    query = query.order_by(None).order_by(id_column.desc() if descending else id_column.asc()).limit(limit + 1)
    rows = list(db.session.scalars(query) if scalars else db.session.execute(query))
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode(listing, rows[-1].id) if more and rows else None
    return rows, next_cursor
