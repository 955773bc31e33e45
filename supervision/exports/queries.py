"""Who may list and download which export, built only from :mod:`supervision.scope`.

* Regulators (``analyst``, ``supervisor``): an export whose every recorded institution is in their
  scope for that data kind (filings, findings, league) — summaries built for their agency or for
  a wider scope that their agency covers, and feedback sheets of institutions in their scope.
* Filers: the feedback sheets of their own institution built from a *published* league table
  (drafts are regulators' only, spec §8).
* Admins and everyone else: none (platform administration is not supervision).
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, false, or_, select

from supervision.domain.enums import REGULATOR_ROLES, Role
from supervision.exports.models import Export, ExportInstitution
from supervision.extensions import db
from supervision.periods.models import Period
from supervision.scope import visible_institution_ids


def export_condition(user) -> ColumnElement[bool]:
    """SQL condition on :class:`Export` true for the exports ``user`` may list and download."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return false()
    if user.role == Role.FILER:
        return and_(Export.kind == "feedback", Export.institution_id == user.institution_id,
                    Export.snapshot_id.is_not(None))
    if user.role in REGULATOR_ROLES:
        outside = select(ExportInstitution.export_id).where(
            ExportInstitution.export_id == Export.id,
            or_(*[and_(ExportInstitution.data_kind == kind,
                       ExportInstitution.institution_id.not_in(visible_institution_ids(user, kind)))
                  for kind in ("filings", "findings", "league")]))
        return ~outside.exists()
    return false()


def visible_export(user, export_id: int) -> Export | None:
    """The export if ``user`` may download it (views answer 404 otherwise)."""
    return db.session.scalar(select(Export).where(Export.id == export_id, export_condition(user)))


def listing(user, period_code: str | None = None, kind: str | None = None, limit: int = 500) -> list[Export]:
    """Exports visible to ``user``, newest first, optionally of one period and kind."""
    q = select(Export).join(Period, Period.id == Export.period_id).where(export_condition(user))
    if period_code:
        q = q.where(Period.code == period_code)
    if kind:
        q = q.where(Export.kind == kind)
    return list(db.session.scalars(q.order_by(Export.created_at.desc(), Export.id.desc()).limit(limit)))
