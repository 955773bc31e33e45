"""Read-side queries of the register, always through :mod:`supervision.scope`."""

from __future__ import annotations

from sqlalchemy import select

from supervision.domain.enums import Role
from supervision.extensions import db
from supervision.register.models import RegisterEntry, RegisterUpload
from supervision.scope import visible_institution_ids

LIMIT = 1000


def entries(user, period: str | None = None) -> list[RegisterEntry]:
    """Entries of the institutions the user sees (``filings`` scope), newest first, optionally of one period."""
    q = select(RegisterEntry).where(RegisterEntry.institution_id.in_(visible_institution_ids(user, "filings")))
    if period:
        q = q.where(RegisterEntry.period_code == period)
    return list(db.session.scalars(q.order_by(RegisterEntry.transferred_date.desc()).limit(LIMIT)))


def uploads(user, limit: int = 20) -> list[RegisterUpload]:
    """The latest uploads (supervisors manage the register; others see none)."""
    if user.role != Role.SUPERVISOR:
        return []
    return list(db.session.scalars(select(RegisterUpload).order_by(RegisterUpload.id.desc()).limit(limit)))


def upload(user, upload_id: int) -> RegisterUpload | None:
    """One upload's report, for supervisors."""
    if user.role != Role.SUPERVISOR:
        return None
    return db.session.get(RegisterUpload, upload_id)
