"""Read-side queries of the register, always through :mod:`supervision.scope`.

Entries are listed for the institutions in the user's ``filings`` scope. An upload's report (its
file, outcome and issues) belongs to the agency whose supervisor uploaded it: supervisors of that
agency and of the agencies above it may open it; an upload made from the console (no agency) is
the platform's and open to every supervisor (docs/decisions.md).
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import or_, select

from supervision.domain.enums import Role
from supervision.extensions import db
from supervision.orgs.models import Agency, Institution
from supervision.register.models import RegisterEntry, RegisterUpload
from supervision.scope import visible_institution_ids

#: filters of the entry list (``?period=2024Q1&institution=<USCC or name>&hotline=12378&category=B03&q=ref``)
FILTERS = ("period", "institution", "hotline", "category", "q")
#: sortable columns of the entry list
SORTS = {"transferred": RegisterEntry.transferred_date, "ref": RegisterEntry.transfer_ref,
         "institution": Institution.name, "period": RegisterEntry.period_code}


def entries_query(user, args: Mapping[str, str | None]):
    """Entries of the institutions the user sees (``filings`` scope), filtered by period, institution
    (USCC, name or short name), hotline, business category and transfer reference (part of it)."""
    q = select(RegisterEntry).join(Institution, Institution.id == RegisterEntry.institution_id) \
        .where(RegisterEntry.institution_id.in_(visible_institution_ids(user, "filings")))
    if args.get("period"):
        q = q.where(RegisterEntry.period_code == args["period"])
    if args.get("institution"):
        text = args["institution"]
        q = q.where(or_(Institution.code == text, Institution.name.contains(text, autoescape=True),
                        Institution.short_name.contains(text, autoescape=True)))
    if args.get("hotline"):
        q = q.where(RegisterEntry.hotline == args["hotline"])
    if args.get("category"):
        q = q.where(RegisterEntry.business_category == args["category"])
    if args.get("q"):
        q = q.where(RegisterEntry.transfer_ref.contains(args["q"], autoescape=True))
    return q


def periods_with_entries(user) -> list[str]:
    """Period codes that have entries in the user's scope, newest first (the period filter)."""
    return list(db.session.scalars(
        select(RegisterEntry.period_code).where(RegisterEntry.institution_id.in_(visible_institution_ids(user)))
        .distinct().order_by(RegisterEntry.period_code.desc())))


def _upload_condition(user):
    """Uploads whose report ``user`` may open: a supervisor's agency subtree, and console uploads."""
    from supervision.scope import agency_subtree_ids

    if user is None or user.role != Role.SUPERVISOR or not user.agency_id:
        return None
    return or_(RegisterUpload.agency_id.is_(None), RegisterUpload.agency_id.in_(agency_subtree_ids(user.agency_id)))


def uploads(user, limit: int = 20) -> list[RegisterUpload]:
    """The latest uploads the user may open (supervisors of the uploading agency or above it)."""
    cond = _upload_condition(user)
    if cond is None:
        return []
    return list(db.session.scalars(select(RegisterUpload).where(cond).order_by(RegisterUpload.id.desc())
                                   .limit(limit)))


def upload(user, upload_id: int) -> RegisterUpload | None:
    """One upload's report, when the user may open it (else None: the page answers 404)."""
    cond = _upload_condition(user)
    if cond is None:
        return None
    return db.session.scalar(select(RegisterUpload).where(RegisterUpload.id == upload_id, cond))


def agency_names() -> dict[int, str]:
    """Agency id → name (for the uploads list)."""
    return dict(db.session.execute(select(Agency.id, Agency.name)).all())
