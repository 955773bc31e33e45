"""The job functions. Each takes the instant it runs for (``now``, aware; tests pass a frozen one),
an optional period (``supervision jobs run … --period``, "run now" on the admin page) and its
:class:`~supervision.jobs.models.JobRun`, finds its periods from the calendar (due and lock dates,
Asia/Shanghai) so that running it twice changes nothing more, flushes, and returns a JSON-able
summary of what it did (the run's output). The runner commits once.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import or_, select

from supervision.audit.services import record
from supervision.checks.engine import run_period
from supervision.domain.calendar import today_local
from supervision.domain.enums import FilingKind, FindingStatus, NotificationKind, ReportingStatus
from supervision.exports import services as exports
from supervision.extensions import db
from supervision.filings.counting import counting_version_ids
from supervision.filings.reporting import reporting_entries
from supervision.league.services import compute_draft
from supervision.notice.services import build_notice
from supervision.notifications.services import filers_of, notify
from supervision.periods.models import Period

KIND_ZH = {FilingKind.CMP: "投诉数据报表（CMP）", FilingKind.DSC: "信息披露报表（DSC）"}
KIND_EN = {FilingKind.CMP: "complaint data (CMP)", FilingKind.DSC: "disclosure (DSC)"}


def _periods(q) -> list[Period]:
    return list(db.session.scalars(q.order_by(Period.code)))


# ------------------------------------------------------------------------------------ locking
def lock_periods(now: datetime, period: Period | None = None, run=None) -> dict:
    """Periods past their lock date (§2; not unlocked by a supervisor) get ``open = False``; each
    is audited (``period_lock``). Already closed periods are left alone."""
    today = today_local(now)
    q = select(Period).where(Period.open.is_(True))
    if period is not None:
        q = q.where(Period.id == period.id)
    locked = []
    for p in _periods(q):
        if p.is_locked(today):
            p.open = False
            record("period_lock", actor_label="job:period_locking", object_type="period", object_id=p.id,
                   detail={"code": p.code, "lock_date": p.lock_date.isoformat(), "today": today.isoformat()})
            locked.append(p.code)
    db.session.flush()
    return {"today": today.isoformat(), "locked": locked}


# ------------------------------------------------------------------------------------ overdue
def overdue_periods(now: datetime) -> list[Period]:
    """Periods whose due date has ended and that still take filings (open, or unlocked)."""
    today = today_local(now)
    candidates = _periods(select(Period).where(Period.due_date < today, or_(
        Period.open.is_(True), Period.unlocked_until >= today)))
    return [p for p in candidates if p.due_at <= now]


def mark_overdue(now: datetime, period: Period | None = None, run=None) -> dict:
    """Rule ``T01`` (late / missing) for every period past its due date (or the one given)."""
    out = {}
    for p in ([period] if period is not None else overdue_periods(now)):
        out[p.code] = run_period(p, rules=["T01"], trigger="job:overdue_marking", now=now)
    return {"periods": out}


# ------------------------------------------------------------------------------ post-deadline
def post_deadline_periods(now: datetime) -> list[Period]:
    """Periods whose due date was yesterday (Asia/Shanghai)."""
    yesterday = today_local(now) - timedelta(days=1)
    return _periods(select(Period).where(Period.due_date == yesterday))


def post_deadline(now: datetime, period: Period | None = None, run=None) -> dict:
    """The day after a due date: every cross-check of the period (``S*`` and ``T01`` included), the
    league table draft, and the summary workbook (one per distinct agency scope, plus the whole
    table), CSV and JSON into the export archive; when the period is published, the 通报 document
    of its latest snapshot."""
    out = {}
    run_id = getattr(run, "id", None)
    producer = "job:post_deadline"
    for p in ([period] if period is not None else post_deadline_periods(now)):
        checks = run_period(p, trigger="job:post_deadline", now=now)
        db.session.flush()
        draft = compute_draft(p)
        source = exports.league_source(p, draft)
        made = []
        for label, view in exports.agency_scopes():
            made.append(exports.build_summary(p, producer=producer, view=view, scope_label=label, job_run_id=run_id,
                                              source=source))
        for fmt in ("csv", "json"):
            made.append(exports.build_league_file(p, fmt, producer=producer, job_run_id=run_id, source=source))
        if source.snapshot is not None:  # the 通报 document of the latest published snapshot (issue 15)
            made.append(build_notice(p, producer=producer, job_run_id=run_id))
        out[p.code] = {
            "checks": checks,
            "draft": {"rows": len(draft.table["rows"]),
                      "ranked": sum(1 for r in draft.table["rows"] if r["status"] == "ranked")},
            "snapshot": source.snapshot.number if source.snapshot else None,
            "exports": [{"id": e.id, "kind": e.kind, "scope": e.scope_label, "sha256": e.sha256} for e in made],
        }
    return {"periods": out}


# ---------------------------------------------------------------------------------- reminders
def reminder_days() -> tuple[int, ...]:
    """Days before a due date on which reminders go out (``SUPERVISION_REMINDER_DAYS``)."""
    raw = str(current_app.config["REMINDER_DAYS"])
    return tuple(sorted({int(x) for x in raw.replace(" ", "").split(",") if x}, reverse=True))


def accepted_pairs(period: Period) -> set[tuple[int, str]]:
    """(institution id, kind) of the period's filings that have a version that counts."""
    return set(counting_version_ids(period.id))


def _reminder_text(period: Period, kinds: list[str], left: int) -> tuple[tuple[str, str], tuple[str, str]]:
    due = period.due_date.isoformat()
    zh_kinds, en_kinds = "、".join(KIND_ZH[k] for k in kinds), ", ".join(KIND_EN[k] for k in kinds)
    if left >= 0:
        subject = (f"{period.code} 报送提醒：距截止日还有 {left} 天",
                   f"{period.code} filing reminder: due in {left} day(s)")
        body = (f"贵机构 {period.code} 的{zh_kinds}尚无已采纳的版本。报送截止日为 {due}（北京时间当日结束）。",
                f"Your institution has no accepted {en_kinds} for {period.code}. The due date is {due} "
                f"(end of day, Asia/Shanghai).")
    else:
        subject = (f"{period.code} 报送逾期提醒", f"{period.code} filing overdue")
        body = (f"贵机构 {period.code} 的{zh_kinds}尚无已采纳的版本，截止日 {due} 已过，请尽快报送。",
                f"Your institution has no accepted {en_kinds} for {period.code}; the due date {due} has passed. "
                f"Please file as soon as possible.")
    return subject, body


def remind(period: Period, today: date) -> dict:
    """Notify the filers of every institution expected in the period with no version counting for a
    kind (reporting status ``missing``, :mod:`supervision.filings.reporting`; one notification per
    user, period and day)."""
    left = (period.due_date - today).days
    missing: dict[int, list[str]] = {}
    for e in reporting_entries(period):
        if e.status == ReportingStatus.MISSING:
            missing.setdefault(e.institution.id, []).append(e.kind)
    institutions = notified = 0
    for inst_id, kinds in missing.items():
        subject, body = _reminder_text(period, kinds, left)
        created = notify(filers_of(inst_id), NotificationKind.REMINDER, subject=subject, body=body, link="/filings/",
                         dedupe_key=f"reminder:{period.code}:{today.isoformat()}")
        institutions += 1
        notified += len(created)
    return {"days_left": left, "institutions": institutions, "notifications": notified}


def warn_locking(period: Period, today: date) -> dict:
    """Tell the filers of every institution expected in ``period`` that it locks soon (after the
    lock date uploads and corrections need a supervisor's unlock); one notice per user, period and day."""
    from supervision.notifications.events import notify_period_locking

    left = (period.lock_date - today).days
    ids = sorted({e.institution.id for e in reporting_entries(period)})
    return {"days_left": left, "notifications": len(notify_period_locking(period, left, today, ids))}


def send_reminders(now: datetime, period: Period | None = None, run=None) -> dict:
    """Reminders 7, 3 and 1 days (``SUPERVISION_REMINDER_DAYS``) before the due date of each open
    period; with a period given, for that period today whatever the distance (an overdue notice
    after the due date). The same days before a period's lock date, its filers are told it locks."""
    today = today_local(now)
    days = set(reminder_days())
    if period is not None:
        targets = [period]
    else:
        targets = [p for p in _periods(select(Period).where(Period.open.is_(True), Period.due_date >= today))
                   if (p.due_date - today).days in days]
    locking = [p for p in _periods(select(Period).where(Period.open.is_(True), Period.lock_date > today))
               if (p.lock_date - today).days in days and not p.is_locked(today)
               and (period is None or p.id == period.id)]
    return {"today": today.isoformat(), "periods": {p.code: remind(p, today) for p in targets},
            "locking": {p.code: warn_locking(p, today) for p in locking}}


# ------------------------------------------------------------------------------- remediations
def track_remediations(now: datetime, period: Period | None = None, run=None) -> dict:
    """Findings under remediation (optionally of one period): the institution's filers are reminded
    7, 3 and 1 days (``SUPERVISION_REMINDER_DAYS``) before the remediation due date (once per
    finding and day), and once the due date has passed (Asia/Shanghai) the finding is marked overdue
    (``remediation_overdue_at``, audited in its history) and the institution and the regulator
    handling it are told once (the notices: :mod:`supervision.notifications.events`). Running it
    twice changes nothing more."""
    from supervision.findings.models import Finding
    from supervision.findings.services import mark_remediation_overdue
    from supervision.notifications.events import notify_remediation_due, notify_remediation_overdue

    today = today_local(now)
    days = set(reminder_days())
    q = select(Finding).where(Finding.status == FindingStatus.REMEDIATION, Finding.remediation_due.is_not(None))
    if period is not None:
        q = q.where(Finding.period_id == period.id)
    reminded, marked = [], []
    for f in db.session.scalars(q.order_by(Finding.id)):
        left = (f.remediation_due - today).days
        if left in days and f.visible_to_institution and notify_remediation_due(f, left, today):
            reminded.append(f.id)
        if left < 0 and f.remediation_overdue_at is None:
            mark_remediation_overdue(f, now)
            marked.append(f.id)
            notify_remediation_overdue(f)
    db.session.flush()
    return {"today": today.isoformat(), "reminded": reminded, "overdue": marked}
