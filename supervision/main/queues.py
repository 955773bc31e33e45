"""Work queues of the home page: what each role has to act on, each item linking to its object,
each count exact (the first :data:`SHOWN` items are listed, the count says how many there are).

* filers: filings due, late (no version counts and the due date has passed), returned and refused
  (the latest upload of a filing), findings awaiting the institution's answer;
* regulators: referrals to their agency still to handle, referral replies back with them, answers
  awaiting review, remediations due within :data:`DUE_SOON_DAYS` days or overdue, late and
  missing filers of the latest period whose due date has passed (the dashboard's one definition), the last check run;
* admins: failed job runs of the last week, paused jobs, whether the scheduler runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func, select

from supervision.domain.calendar import today_local
from supervision.domain.enums import (
    PENDING_REFERRAL_STATES,
    FilingKind,
    FindingStatus,
    JobRunStatus,
    ReferralStatus,
    Role,
    VersionStatus,
)
from supervision.extensions import db
from supervision.filings.counting import counting_version
from supervision.filings.models import Filing, FilingVersion
from supervision.findings.models import CheckRun, Finding, FindingEvent, Referral
from supervision.periods.models import Period
from supervision.scope import finding_condition, visible_institution_ids

SHOWN = 10
DUE_SOON_DAYS = 7


@dataclass
class Queue:
    """One queue: a key (the element id), its items (at most :data:`SHOWN`) and the exact count."""

    key: str
    items: list = field(default_factory=list)
    count: int = 0


def _latest_versions(institution_ids) -> list[FilingVersion]:
    """The latest version of each filing of the institutions (open periods first)."""
    latest = select(FilingVersion.filing_id, func.max(FilingVersion.number).label("n")) \
        .group_by(FilingVersion.filing_id).subquery()
    return list(db.session.scalars(
        select(FilingVersion).join(latest, (latest.c.filing_id == FilingVersion.filing_id)
                                   & (latest.c.n == FilingVersion.number))
        .join(Filing, Filing.id == FilingVersion.filing_id).join(Period, Period.id == Filing.period_id)
        .where(Filing.institution_id.in_(institution_ids)).order_by(Period.code.desc(), Filing.kind)))


def filer_queues(user, today: date | None = None) -> dict[str, Queue]:
    """The filer's queues for their institution."""
    today = today or today_local()
    inst = user.institution
    out = {k: Queue(k) for k in ("due", "late", "returned", "rejected", "findings")}
    open_periods = [p for p in db.session.scalars(select(Period).order_by(Period.code.desc()))
                    if not p.is_locked(today) and p.start_date <= today]
    for p in open_periods:
        for kind in FilingKind:
            if counting_version(inst.id, p.id, kind) is not None:
                continue
            entry = {"period": p, "kind": kind, "due": p.due_date, "days": (p.due_date - today).days}
            out["due" if today <= p.due_date else "late"].items.append(entry)
    for v in _latest_versions([inst.id]):  # a locked period's returned filing needs an unlock: still listed
        if v.status == VersionStatus.RETURNED:
            out["returned"].items.append(v)
        elif v.status == VersionStatus.REJECTED:
            out["rejected"].items.append(v)
    q = select(Finding).where(finding_condition(user), Finding.status.in_((FindingStatus.OPEN,
                                                                           FindingStatus.REMEDIATION)))
    out["findings"].count = db.session.scalar(select(func.count()).select_from(q.subquery())) or 0
    out["findings"].items = list(db.session.scalars(
        q.order_by(Finding.remediation_due.is_(None), Finding.remediation_due, Finding.id.desc()).limit(SHOWN)))
    for key in ("due", "late", "returned", "rejected"):
        out[key].count = len(out[key].items)
        out[key].items = out[key].items[:SHOWN]
    return out


def _count_and_first(q, order) -> Queue:
    count = db.session.scalar(select(func.count()).select_from(q.subquery())) or 0
    return Queue("", list(db.session.scalars(q.order_by(*order).limit(SHOWN))), count)


#: the steps that handle a finding handed back by a referral (a decision, a new referral, an answer)
_HANDLED = ("status", "referred", "answered")


def referral_replies(user):
    """Findings the user's agency referred whose referral was answered or declined and that nobody
    has handled since (no decision, new referral or institution answer after the reply): the
    finding is back with the referring agency (item 23)."""
    replied = select(Referral.id).where(
        Referral.finding_id == Finding.id, Referral.from_agency_id == user.agency_id,
        Referral.status.in_((ReferralStatus.ANSWERED, ReferralStatus.DECLINED)),
        ~select(FindingEvent.id).where(FindingEvent.finding_id == Finding.id, FindingEvent.action.in_(_HANDLED),
                                       FindingEvent.at > Referral.updated_at).exists())
    return select(Finding).where(finding_condition(user),
                                 Finding.status.not_in((FindingStatus.CLOSED, FindingStatus.REFERRED)),
                                 replied.exists())


def regulator_queues(user, today: date | None = None) -> dict[str, Queue]:
    """The regulator's queues within their scope (and their agency's referrals)."""
    from supervision.findings.queries import dashboard

    today = today or today_local()
    out: dict[str, Queue] = {}
    referrals = select(Referral).where(Referral.to_agency_id == user.agency_id,
                                       Referral.status.in_(PENDING_REFERRAL_STATES))
    out["referrals"] = _count_and_first(referrals, (Referral.created_at,))
    answers = select(Finding).where(finding_condition(user), Finding.status == FindingStatus.EXPLAINED)
    out["answers"] = _count_and_first(answers, (Finding.updated_at,))
    out["referral_replies"] = _count_and_first(referral_replies(user), (Finding.updated_at,))
    remediation = select(Finding).where(finding_condition(user), Finding.status == FindingStatus.REMEDIATION,
                                        Finding.remediation_due.is_not(None))
    out["overdue"] = _count_and_first(remediation.where(Finding.remediation_due < today), (Finding.remediation_due,))
    out["due_soon"] = _count_and_first(
        remediation.where(Finding.remediation_due >= today,
                          Finding.remediation_due <= today + timedelta(days=DUE_SOON_DAYS)), (Finding.remediation_due,))
    for key in out:
        out[key].key = key
    period = db.session.scalar(select(Period).where(Period.due_date < today).order_by(Period.code.desc()).limit(1))
    late, missing = Queue("late"), Queue("missing")
    if period is not None:
        data = dashboard(user, period)
        late.items, late.count = data["late"][:SHOWN], len(data["late"])
        missing.items, missing.count = data["missing"][:SHOWN], len(data["missing"])
    out["late"], out["missing"] = late, missing
    out["period"] = period
    scope = visible_institution_ids(user, "findings")
    out["check_run"] = db.session.scalar(
        select(CheckRun).where(CheckRun.finished_at.is_not(None),
                               (CheckRun.institution_id.is_(None)) | CheckRun.institution_id.in_(scope))
        .order_by(CheckRun.finished_at.desc(), CheckRun.id.desc()).limit(1))
    run = out["check_run"]
    out["check_run_period"] = db.session.get(Period, run.period_id) if run is not None and run.period_id else None
    return out


def admin_queues(now) -> dict:
    """The administrator's queue: failed runs of the last week, paused jobs, the scheduler's state."""
    from supervision.jobs import queries as jobs
    from supervision.jobs.models import JobRun, ScheduledJobState

    failed = select(JobRun).where(JobRun.status == JobRunStatus.FAILED, JobRun.scheduled_for >= now - timedelta(days=7))
    q = _count_and_first(failed, (JobRun.scheduled_for.desc(),))
    q.key = "failed_runs"
    paused = list(db.session.scalars(select(ScheduledJobState.job_id).where(ScheduledJobState.paused.is_(True))))
    return {"failed_runs": q, "paused": paused, "alive": jobs.scheduler_alive(now)}


def queues_for(user) -> dict:
    """The home page's queues of the acting user's role."""
    from supervision.timeutil import utcnow

    if user.role == Role.FILER:
        return filer_queues(user)
    if user.role == Role.ADMIN:
        return admin_queues(utcnow())
    return regulator_queues(user)
