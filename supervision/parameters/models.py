"""Stored values of the administrator-configurable parameters (spec §6/§8 *(config)*).

A row exists only for a parameter an administrator has set; without one the environment
variable (``SUPERVISION_<KEY>``, or the built-in default) applies. Values are stored in their
canonical text form (``A:80,B:60,C:40``), exactly as the configuration writes them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from supervision.extensions import db
from supervision.timeutil import utcnow


class Parameter(db.Model):
    """One parameter set by an administrator (``key`` = the configuration key, e.g. ``APR_CAP``)."""

    __tablename__ = "parameter"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
