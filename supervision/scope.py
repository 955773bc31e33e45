"""The one place that decides what an acting user may see (spec §1.3, §1.4).

* Institution users (``filer``) see their own institution only.
* Regulator users (``analyst``, ``supervisor``) see institutions led by their agency or any agency
  below it, plus institutions that another agency shares with *their* agency through an active
  sharing agreement, for the agreed sectors and data kinds. An agreement names the receiving
  agency itself; it does not extend to the receiver's local offices (see docs/decisions.md).
  Referrals (§1.4) add single findings and the versions they cite, while the referral is
  SENT, ACCEPTED or ANSWERED (not once DECLINED).
* Seeing is not acting: write actions on an institution's filings and findings (accept, return,
  close, open to the institution, refer) belong to the agency leading it and the agencies above
  it (:func:`check_can_act`); a sharing agreement grants reading only, and a referral lets the
  receiving agency accept, answer or decline the referral, nothing more (issue 11, defect 4).
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
    """Subquery of findings referred (转办) to the user's agency by a referral that is SENT, ACCEPTED
    or ANSWERED: visible even without sharing (§1.4); a DECLINED referral grants nothing."""
    from supervision.domain.enums import ReferralStatus
    from supervision.findings.models import Referral

    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active \
            or user.role not in REGULATOR_ROLES or not user.agency_id:
        return select(Referral.finding_id).where(false())
    live = (ReferralStatus.SENT, ReferralStatus.ACCEPTED, ReferralStatus.ANSWERED)
    return select(Referral.finding_id).where(Referral.to_agency_id == user.agency_id, Referral.status.in_(live))


def can_act_on_institution(user, institution_id: int) -> bool:
    """Whether ``user`` may take write actions on the institution's filings and findings: regulators
    of the leading agency or an agency above it; ``None`` (an operator at the console) may."""
    if user is None:
        return True
    if not getattr(user, "is_authenticated", False) or not user.is_active or user.role not in REGULATOR_ROLES \
            or not user.agency_id:
        return False
    lead = db.session.scalar(select(Institution.lead_agency_id).where(Institution.id == institution_id))
    return lead is not None and lead in agency_subtree_ids(user.agency_id)


def check_can_act(user, institution_id: int) -> None:
    """Raise a 403 :class:`~supervision.errors.ServiceError` unless :func:`can_act_on_institution`."""
    from supervision.errors import ServiceError

    if not can_act_on_institution(user, institution_id):
        raise ServiceError("只有主监管机构（及其上级）可以执行此操作；共享或转办只授予查看权限 / only the lead agency "
                           "(or an agency above it) may do this; sharing and referrals grant reading only", 403)


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
    """``select(Filing)`` of the filings ``user`` may see: their scope. A referral shows only the
    versions its finding cites (:func:`version_condition`), not the filing with all its versions."""
    from supervision.filings.models import Filing

    return select(Filing).where(Filing.institution_id.in_(visible_institution_ids(user, "filings")))


def version_condition(user) -> ColumnElement[bool]:
    """SQL condition on :class:`FilingVersion`: versions of visible filings, plus (regulators) the
    versions cited by findings referred to their agency while the referral is live (§1.4)."""
    from supervision.filings.models import Filing, FilingVersion
    from supervision.findings.models import FindingCitation

    cited = select(FindingCitation.version_id).where(FindingCitation.finding_id.in_(referred_finding_ids(user)))
    return or_(FilingVersion.filing_id.in_(visible_filings(user).with_only_columns(Filing.id)),
               FilingVersion.id.in_(cited))
