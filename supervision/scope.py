"""The one place that decides what an acting user may see (spec §1.3, §1.4).

* Institution users (``filer``) see their own institution only.
* Regulator users (``analyst``, ``supervisor``) see institutions led by their agency or any agency
  below it, plus institutions that another agency shares with *their* agency through an active
  sharing agreement, for the agreed sectors and data kinds. An agreement names the receiving
  agency itself; it does not extend to the receiver's local offices (see docs/decisions.md).
  Referrals (§1.4) add single findings; the findings feature extends this module.
* ``admin`` manages master data (all institutions, agencies, users) but has no data scope over
  filings, findings or rows: platform administration is not supervision.

Views and services never filter by hand: they ask this module for a condition or a query.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, false, or_, select, true

from supervision.domain.enums import REGULATOR_ROLES, Role
from supervision.extensions import db
from supervision.orgs.models import Agency, Institution, SharingAgreement

DATA_KINDS = ("filings", "findings", "league")


def agency_subtree_ids(agency_id: int) -> set[int]:
    """The agency and every agency below it (the tree is small: loaded in one query)."""
    rows = db.session.execute(select(Agency.id, Agency.parent_id)).all()
    children: dict[int | None, list[int]] = {}
    for aid, parent in rows:
        children.setdefault(parent, []).append(aid)
    out, stack = set(), [agency_id]
    while stack:
        a = stack.pop()
        if a in out:
            continue
        out.add(a)
        stack.extend(children.get(a, []))
    return out


def institution_condition(user, kind: str = "filings") -> ColumnElement[bool]:
    """SQL condition on :class:`Institution` true for the institutions ``user`` may see for ``kind``."""
    if kind not in DATA_KINDS:
        raise ValueError(f"unknown data kind {kind!r}")
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return false()
    if user.role == Role.FILER:
        return Institution.id == user.institution_id
    if user.role in REGULATOR_ROLES and user.agency_id:
        own = agency_subtree_ids(user.agency_id)
        clauses = [Institution.lead_agency_id.in_(own)]
        agreements = db.session.scalars(
            select(SharingAgreement).where(
                SharingAgreement.to_agency_id == user.agency_id, SharingAgreement.active.is_(True)
            )
        ).all()
        for ag in agreements:
            if kind in (ag.kinds or []) and ag.sectors:
                clauses.append(and_(Institution.lead_agency_id.in_(agency_subtree_ids(ag.from_agency_id)),
                                    Institution.sector.in_(list(ag.sectors))))
        return or_(*clauses)
    return false()


def master_data_condition(user) -> ColumnElement[bool]:
    """Which institutions' master data (name, code, sector) a user may list: admins see all."""
    if user is not None and getattr(user, "is_authenticated", False) and user.role == Role.ADMIN:
        return true()
    return institution_condition(user, "filings")


def visible_institutions(user, kind: str = "filings"):
    """``select(Institution)`` restricted to what ``user`` may see for ``kind``."""
    return select(Institution).where(institution_condition(user, kind))


def visible_institution_ids(user, kind: str = "filings"):
    """Subquery of institution ids visible to ``user`` for ``kind``."""
    return select(Institution.id).where(institution_condition(user, kind))


def can_see_institution(user, institution_id: int, kind: str = "filings") -> bool:
    """True when ``user`` may see data of ``kind`` for the institution."""
    q = select(Institution.id).where(Institution.id == institution_id, institution_condition(user, kind))
    return db.session.execute(q).first() is not None


def referred_finding_ids(user):
    """Subquery of findings referred (转办) to the user's agency: visible even without sharing (§1.4)."""
    from supervision.findings.models import Referral

    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active \
            or user.role not in REGULATOR_ROLES or not user.agency_id:
        return select(Referral.finding_id).where(false())
    return select(Referral.finding_id).where(Referral.to_agency_id == user.agency_id)


def finding_condition(user) -> ColumnElement[bool]:
    """SQL condition on :class:`Finding`: regulators see findings of institutions in their
    ``findings`` scope plus findings referred to their agency; filers see their institution's
    findings once a regulator opened them to the institution; admins see none."""
    from supervision.findings.models import Finding

    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return false()
    if user.role == Role.FILER:
        return and_(Finding.institution_id == user.institution_id, Finding.visible_to_institution.is_(True))
    if user.role in REGULATOR_ROLES:
        return or_(Finding.institution_id.in_(visible_institution_ids(user, "findings")),
                   Finding.id.in_(referred_finding_ids(user)))
    return false()


def visible_findings(user):
    """``select(Finding)`` restricted to what ``user`` may see."""
    from supervision.findings.models import Finding

    return select(Finding).where(finding_condition(user))


def visible_filings(user):
    """``select(Filing)`` of the filings ``user`` may see: their scope, plus (regulators) the filings
    cited by findings referred to their agency (§1.4)."""
    from supervision.filings.models import Filing, FilingVersion
    from supervision.findings.models import FindingCitation

    cited = (select(FilingVersion.filing_id).join(FindingCitation, FindingCitation.version_id == FilingVersion.id)
             .where(FindingCitation.finding_id.in_(referred_finding_ids(user))))
    return select(Filing).where(or_(Filing.institution_id.in_(visible_institution_ids(user, "filings")),
                                    Filing.id.in_(cited)))
