"""Read-side queries of findings and the regulator dashboard, always through :mod:`supervision.scope`."""

from __future__ import annotations

from fractions import Fraction

from sqlalchemy import func, select

from reports.numbers import display
from supervision.domain.enums import FilingKind, FindingLevel, FindingStatus
from supervision.extensions import db
from supervision.filings.counting import counting_version_ids, first_without_blocking_times
from supervision.findings.models import Finding, Referral
from supervision.orgs.models import Institution
from supervision.periods.models import Period
from supervision.scope import finding_condition, institution_condition, visible_findings

FILTERS = ("period", "rule", "level", "status", "sector", "institution", "agency")


def filtered(user, args) -> select:
    """Findings visible to ``user`` filtered by period, rule, level, status, sector, institution, agency."""
    q = visible_findings(user).join(Institution, Institution.id == Finding.institution_id) \
        .join(Period, Period.id == Finding.period_id)
    if args.get("period"):
        q = q.where(Period.code == args["period"])
    if args.get("rule"):
        q = q.where(Finding.rule == args["rule"])
    if args.get("level"):
        q = q.where(Finding.level == args["level"])
    if args.get("status"):
        q = q.where(Finding.status == args["status"])
    if args.get("sector"):
        q = q.where(Institution.sector == args["sector"])
    if args.get("institution"):
        q = q.where(Institution.code == args["institution"])
    if args.get("agency"):
        from supervision.orgs.models import Agency

        q = q.join(Agency, Agency.id == Institution.lead_agency_id).where(Agency.code == args["agency"])
    return q.order_by(Period.code.desc(), Finding.level, Finding.rule, Institution.code)


def visible_finding(user, finding_id: int) -> Finding | None:
    """The finding if the user may see it (views answer 404 otherwise)."""
    return db.session.scalar(select(Finding).where(Finding.id == finding_id, finding_condition(user)))


def visible_referral(user, referral_id: int) -> Referral | None:
    """A referral whose finding the user may see."""
    ref = db.session.get(Referral, referral_id)
    if ref is None or visible_finding(user, ref.finding_id) is None:
        return None
    return ref


def open_counts_by_rule(user, period: Period | None = None) -> dict[str, int]:
    """Number of open (not CLOSED) findings per rule in the user's scope."""
    q = select(Finding.rule, func.count()).where(finding_condition(user), Finding.status != FindingStatus.CLOSED)
    if period is not None:
        q = q.where(Finding.period_id == period.id)
    return dict(db.session.execute(q.group_by(Finding.rule)).all())


def dashboard(user, period: Period) -> dict:
    """DHIS2-style reporting figures and findings overview for one period, within the user's scope."""
    insts = db.session.scalars(select(Institution).where(institution_condition(user, "filings"),
                                                         Institution.active.is_(True))
                               .order_by(Institution.sector, Institution.name)).all()
    ids = [i.id for i in insts]
    first_ok = first_without_blocking_times(period.id, ids)
    accepted = set(counting_version_ids(period.id))
    due = period.due_at
    per_kind = {}
    late, missing = [], []
    for kind in FilingKind:
        expected = len(insts)
        on_time = sum(1 for i in insts if (i.id, kind) in first_ok and first_ok[(i.id, kind)] < due)
        rep = sum(1 for i in insts if (i.id, kind) in accepted)
        per_kind[kind] = {"expected": expected, "accepted": rep, "on_time": on_time,
                          "reporting_rate": display(Fraction(rep * 100, expected), 2) if expected else None,
                          "on_time_rate": display(Fraction(on_time * 100, expected), 2) if expected else None}
        for i in insts:
            t = first_ok.get((i.id, kind))
            if t is None:
                missing.append((i, kind))
            elif t >= due:
                late.append((i, kind, t))
    by_rule_level = db.session.execute(
        select(Finding.rule, Finding.level, func.count())
        .where(finding_condition(user), Finding.status != FindingStatus.CLOSED, Finding.period_id == period.id)
        .group_by(Finding.rule, Finding.level).order_by(Finding.rule)).all()
    top = db.session.execute(
        select(Institution, func.count(Finding.id).label("n")).join(Finding, Finding.institution_id == Institution.id)
        .where(finding_condition(user), Finding.status != FindingStatus.CLOSED, Finding.level == FindingLevel.HIGH,
               Finding.period_id == period.id)
        .group_by(Institution.id).order_by(func.count(Finding.id).desc(), Institution.code).limit(10)).all()
    return {"institutions": insts, "per_kind": per_kind, "late": late, "missing": missing,
            "by_rule_level": by_rule_level, "top_high": top, "due": due}
