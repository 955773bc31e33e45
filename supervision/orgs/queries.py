"""An institution on one page for regulators (issue 10): its filings and versions, its findings,
its league history and the content of its disclosure filing — each part only when the user's scope
covers that kind of data (``filings``, ``findings``, ``league``; :mod:`supervision.scope`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import case, func, select
from sqlalchemy.orm import selectinload

from supervision.domain.enums import FilingKind, FindingStatus
from supervision.extensions import db
from supervision.filings.content_models import ActivityRow, ChannelRow, PartnerRow, ProductRow
from supervision.filings.counting import counts_condition
from supervision.filings.models import Filing, FilingVersion
from supervision.findings.models import Finding
from supervision.periods.models import Period
from supervision.scope import can_see_institution, visible_filings, visible_findings

#: most filings and findings the page lists (the lists behind the links have them all)
FILINGS_SHOWN = 24
FINDINGS_SHOWN = 20


@dataclass
class Disclosure:
    """The content of the institution's disclosure filing that counts, for the latest period with one."""

    version: FilingVersion | None = None
    products: list = field(default_factory=list)
    channels: list = field(default_factory=list)
    partners: list = field(default_factory=list)
    activities: list = field(default_factory=list)


@dataclass
class Overview:
    """What the institution page shows (None: outside the user's scope for that kind of data)."""

    filings: list | None
    filings_total: int
    findings: list | None
    findings_total: int
    open_findings: int
    league: list | None
    disclosure: Disclosure | None


def _disclosure(user, institution_id: int) -> Disclosure:
    version = db.session.scalar(
        select(FilingVersion).join(Filing, Filing.id == FilingVersion.filing_id)
        .join(Period, Period.id == Filing.period_id)
        .where(Filing.institution_id == institution_id, Filing.kind == FilingKind.DSC, counts_condition(),
               Filing.id.in_(visible_filings(user).with_only_columns(Filing.id)))
        .order_by(Period.code.desc()).limit(1))
    if version is None:
        return Disclosure()

    def rows(model):
        return list(db.session.scalars(select(model).where(model.version_id == version.id)
                                       .order_by(model.row_no).limit(100)))

    return Disclosure(version, rows(ProductRow), rows(ChannelRow), rows(PartnerRow), rows(ActivityRow))


def overview(user, institution) -> Overview:
    """The parts of the institution page ``user`` may see."""
    from supervision.league.history import institution_history

    filings = findings = league = disclosure = None
    filings_total = findings_total = open_findings = 0
    if can_see_institution(user, institution.id, "filings"):
        q = visible_filings(user).where(Filing.institution_id == institution.id)
        filings_total = db.session.scalar(select(func.count()).select_from(q.subquery())) or 0
        filings = list(db.session.scalars(
            q.join(Period, Period.id == Filing.period_id).options(selectinload(Filing.versions))
            .order_by(Period.code.desc(), Filing.kind).limit(FILINGS_SHOWN)))
        disclosure = _disclosure(user, institution.id)
    fq = visible_findings(user).where(Finding.institution_id == institution.id)
    findings_total = db.session.scalar(select(func.count()).select_from(fq.subquery())) or 0
    if findings_total or can_see_institution(user, institution.id, "findings"):
        open_findings = db.session.scalar(select(func.count()).select_from(
            fq.where(Finding.status != FindingStatus.CLOSED).subquery())) or 0
        findings = list(db.session.scalars(
            fq.join(Period, Period.id == Finding.period_id)
            .order_by(case((Finding.status == FindingStatus.CLOSED, 1), else_=0), Period.code.desc(),
                      Finding.rule, Finding.id).limit(FINDINGS_SHOWN)))
    if can_see_institution(user, institution.id, "league"):
        league = institution_history(user, institution)
    return Overview(filings, filings_total, findings, findings_total, open_findings, league, disclosure)
