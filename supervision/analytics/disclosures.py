"""The disclosure registry (issue 14): the ``DSC`` content of the versions that count, per
institution and across the reader's scope — products with APR ranges against the cap,
auto-deduction products and their notice, complaint channels with accessibility flags, cooperating
partners grouped across institutions with their open ``D04`` findings, and the 消保工作 figures.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select

from supervision.checks.rules_base import key
from supervision.domain.enums import FilingKind, FindingStatus
from supervision.extensions import db
from supervision.filings.content_models import ActivityRow, ChannelRow, PartnerRow, ProductRow
from supervision.filings.counting import counting_versions
from supervision.findings.models import Finding
from supervision.orgs.models import Institution


@dataclass
class Partner:
    """One cooperating partner, listed once across institutions (matched by its code, else its name)."""

    name: str
    code: str | None
    partner_type: str
    institutions: list[tuple[str, str]] = field(default_factory=list)  # (code, name)
    findings: list[Finding] = field(default_factory=list)
    #: every name the partner is filed under (D04 findings name the partner as filed)
    names: set[str] = field(default_factory=set)


@dataclass
class Registry:
    """What the registry page shows."""

    versions: dict[int, Institution]
    products: list
    channels: list
    partners: list[Partner]
    activities: dict[str, dict[str, Decimal | None]]
    activity_items: list[str]
    cap: Decimal


def registry(period_id: int, scope, finding_scope, *, sector: str | None = None,
             institution: str | None = None) -> Registry:
    """The registry of a period within ``scope`` (a condition on Institution); ``finding_scope`` is
    the condition on Finding of the reader (open ``D04`` findings shown are only those they may see)."""
    from supervision.parameters.services import apr_cap

    cv = counting_versions(period_id=period_id, kind=FilingKind.DSC).subquery()
    q = (select(cv.c.version_id, Institution).join(Institution, Institution.id == cv.c.institution_id)
         .where(scope))
    if sector:
        q = q.where(Institution.sector == sector)
    if institution:
        q = q.where(Institution.code == institution)
    versions = {vid: inst for vid, inst in db.session.execute(q).all()}
    ids = list(versions)
    products = [(versions[p.version_id], p) for p in db.session.scalars(
        select(ProductRow).where(ProductRow.version_id.in_(ids)))]
    products.sort(key=lambda ip: (ip[1].apr_max is None, -(ip[1].apr_max or 0), ip[0].code, ip[1].row_no))
    channels = [(versions[c.version_id], c) for c in db.session.scalars(
        select(ChannelRow).where(ChannelRow.version_id.in_(ids)).order_by(ChannelRow.version_id, ChannelRow.row_no))]
    groups: dict[str, Partner] = {}
    for p in db.session.scalars(select(PartnerRow).where(PartnerRow.version_id.in_(ids))
                                .order_by(PartnerRow.partner_name)):
        coded = p.partner_code and p.partner_code.strip()
        k = f"code:{key(p.partner_code)}" if coded else f"name:{key(p.partner_name)}"
        g = groups.setdefault(k, Partner(p.partner_name, p.partner_code, p.partner_type))
        g.names.add(key(p.partner_name))
        inst = versions[p.version_id]
        if (inst.code, inst.name) not in g.institutions:
            g.institutions.append((inst.code, inst.name))
    d04 = db.session.scalars(select(Finding).where(
        Finding.rule == "D04", Finding.period_id == period_id, Finding.holds.is_(True),
        Finding.status != FindingStatus.CLOSED, Finding.institution_id.in_([i.id for i in versions.values()]),
        finding_scope)).all()
    by_name: dict[str, list[Finding]] = {}
    for f in d04:
        by_name.setdefault(key(f.subject), []).append(f)
    for g in groups.values():
        g.findings = [f for n in sorted(g.names) for f in by_name.get(n, [])]
    partners = sorted(groups.values(), key=lambda g: (-len(g.institutions), g.partner_type, g.name))
    activities: dict[str, dict[str, Decimal | None]] = {}
    items: list[str] = []
    for a in db.session.scalars(select(ActivityRow).where(ActivityRow.version_id.in_(ids))
                                .order_by(ActivityRow.version_id, ActivityRow.row_no)):
        activities.setdefault(versions[a.version_id].code, {})[a.item] = a.value
        if a.item not in items:
            items.append(a.item)
    return Registry(versions, products, channels, partners, activities, items, apr_cap())
