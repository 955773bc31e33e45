"""Read-side queries of findings and the regulator dashboard, always through :mod:`supervision.scope`."""

from __future__ import annotations

from sqlalchemy import case, func, or_, select

from reports.numbers import display
from supervision.domain.enums import FindingLevel, FindingStatus
from supervision.extensions import db
from supervision.findings.models import Finding, Referral
from supervision.orgs.models import Institution
from supervision.periods.models import Period
from supervision.scope import finding_condition, institution_condition, visible_findings

FILTERS = ("period", "rule", "level", "status", "sector", "institution", "agency", "q")
#: sortable columns of the findings list (the URL's ``sort`` must be one of these keys)
SORTS = {
    "period": Period.code,
    "rule": Finding.rule,
    "level": case({FindingLevel.HIGH.value: 0, FindingLevel.MEDIUM.value: 1, FindingLevel.LOW.value: 2},
                  value=Finding.level, else_=3),
    "status": Finding.status,
    "institution": Institution.name,
    "updated": Finding.updated_at,
}


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
    if args.get("q"):
        text = args["q"].strip()[:100]
        q = q.where(or_(Institution.name.contains(text, autoescape=True), Institution.code == text,
                        Institution.short_name.contains(text, autoescape=True)))
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


def latest_period_with_data(user, periods: list[Period]) -> Period:
    """The newest of ``periods`` (newest first) with a filing version in the user's scope — the
    dashboard's default — else the newest period."""
    from supervision.filings.models import Filing, FilingVersion
    from supervision.scope import visible_filings

    code = db.session.scalar(
        select(Period.code).join(Filing, Filing.period_id == Period.id)
        .join(FilingVersion, FilingVersion.filing_id == Filing.id)
        .where(Filing.id.in_(visible_filings(user).with_only_columns(Filing.id)))
        .order_by(Period.code.desc()).limit(1))
    return next((p for p in periods if p.code == code), periods[0])


def dashboard(user, period: Period) -> dict:
    """DHIS2-style reporting figures and findings overview for one period, within the user's scope.

    Reporting and on-time rates follow the one definition of :mod:`supervision.filings.reporting`
    (decision 4) over the institutions expected in the period (decision 5)."""
    from supervision.domain.enums import ReportingStatus
    from supervision.filings.reporting import rates, reporting_entries

    scoped = db.session.scalars(select(Institution.id).where(institution_condition(user, "filings")))
    entries = reporting_entries(period, list(scoped), order=(Institution.sector, Institution.name))
    insts = list(dict.fromkeys(e.institution for e in entries))
    per_kind = {}
    for kind, r in rates(entries).items():
        per_kind[kind] = {"expected": r.expected, "accepted": r.reported, "on_time": r.on_time, "late": r.late,
                          "missing": r.missing,
                          "reporting_rate": display(r.reporting_rate, 2) if r.expected else None,
                          "on_time_rate": display(r.on_time_rate, 2) if r.expected else None}
    late = [(e.institution, e.kind, e.first_at) for e in entries if e.status == ReportingStatus.LATE]
    missing = [(e.institution, e.kind) for e in entries if e.status == ReportingStatus.MISSING]
    by_rule_level = db.session.execute(
        select(Finding.rule, Finding.level, func.count())
        .where(finding_condition(user), Finding.status != FindingStatus.CLOSED, Finding.period_id == period.id)
        .group_by(Finding.rule, Finding.level).order_by(Finding.rule)).all()
    top = db.session.execute(
        select(Institution, func.count(Finding.id).label("n")).join(Finding, Finding.institution_id == Institution.id)
        .where(finding_condition(user), Finding.status != FindingStatus.CLOSED, Finding.level == FindingLevel.HIGH,
               Finding.period_id == period.id)
        .group_by(Institution.id).order_by(func.count(Finding.id).desc(), Institution.code).limit(10)).all()
    overdue = db.session.scalar(select(func.count()).select_from(
        overdue_remediations_query(user).where(Finding.period_id == period.id).subquery()))
    return {"institutions": insts, "per_kind": per_kind, "late": late, "missing": missing,
            "by_rule_level": by_rule_level, "top_high": top, "due": period.due_at, "entries": entries,
            "overdue_remediations": overdue}


def overdue_remediations_query(user):
    """``select(Finding)`` of the remediations in the user's scope whose due date has passed (marked
    by the daily ``remediation_tracking`` job), most overdue first."""
    return (visible_findings(user).where(Finding.status == FindingStatus.REMEDIATION,
                                         Finding.remediation_overdue_at.is_not(None))
            .order_by(Finding.remediation_due, Finding.id))


def overdue_remediations(user, period: Period | None = None) -> list[Finding]:
    """The overdue remediations the user may see (optionally of one period)."""
    q = overdue_remediations_query(user)
    if period is not None:
        q = q.where(Finding.period_id == period.id)
    return list(db.session.scalars(q))
