"""Each job, run with a frozen clock (``now`` passed explicitly), finds its periods from the calendar
and produces its effect once; reminders reach exactly the right users."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from tests.factories import PASSWORD, make_filing
from tests.jobs.conftest import at


def _period(code: str):
    from supervision.periods.services import add_period, get_period

    return get_period(code) or add_period(None, code)


def _inst(ref):
    from supervision.extensions import db
    from supervision.orgs.models import Institution

    return db.session.get(Institution, ref.id)


def _filing(ref, period, kind: str, status: str = "ACCEPTED", uploaded: dt.datetime | None = None):
    from supervision.extensions import db

    f = make_filing(db, _inst(ref), period, kind=kind, status=status)
    if uploaded is not None:
        f.versions[0].uploaded_at = uploaded.astimezone(dt.UTC)
    return f


def _run(job_id: str, now: dt.datetime, **kw):
    from supervision.jobs.services import execute

    return execute(job_id, now, **kw)


def _notifications(kind: str | None = None):
    from supervision.accounts.models import User
    from supervision.extensions import db
    from supervision.notifications.models import Notification

    q = select(User.email, Notification.dedupe_key, Notification.body_en).join(User, User.id == Notification.user_id)
    if kind:
        q = q.where(Notification.kind == kind)
    return db.session.execute(q.order_by(User.email, Notification.id)).all()


def test_reminders_go_to_filers_of_institutions_with_nothing_accepted(jctx):
    from supervision.accounts.services import create_user
    from supervision.extensions import db
    from supervision.jobs.models import JobRun

    _app, world = jctx
    period = _period("2031Q1")  # due 2031-04-15
    a, b, c = world.a, world.b, world.c
    _filing(a, period, "CMP")
    _filing(a, period, "DSC")  # A has both: no reminder
    _filing(b, period, "CMP")
    _filing(b, period, "DSC", status="VALIDATED")  # validated is not accepted: B is reminded of DSC
    create_user(None, email="filer-b2@test.cn", role="filer", password=PASSWORD, institution_id=b.id)
    create_user(None, email="filer-c@test.cn", role="filer", password=PASSWORD, institution_id=c.id)
    gone = create_user(None, email="filer-c-gone@test.cn", role="filer", password=PASSWORD, institution_id=c.id)
    gone.active = False
    db.session.commit()

    day = dt.date(2031, 4, 8)  # 7 days before the due date
    result = _run("reminders", at(day, 8))
    assert result.status == "success"
    assert result.output["periods"]["2031Q1"]["days_left"] == 7
    got = {(email, body) for email, _key, body in _notifications("reminder")
           if "2031Q1" in body}
    emails = sorted(email for email, _ in got)
    assert emails == ["filer-b2@test.cn", "filer-b@test.cn", "filer-c@test.cn"]
    by_email = dict(got)
    assert "disclosure (DSC)" in by_email["filer-b@test.cn"] and "complaint data" not in by_email["filer-b@test.cn"]
    assert "complaint data (CMP), disclosure (DSC)" in by_email["filer-c@test.cn"]

    # the same day again (a restart, another scheduled instant): nobody is notified twice
    assert _run("reminders", at(day, 9)).status == "success"
    assert len([n for n in _notifications("reminder") if "2031Q1" in n.body_en]) == 3
    # 6 days before: no reminder day; 3 days before: again, to the same people
    assert _run("reminders", at(day + dt.timedelta(days=1), 8)).output["periods"] == {}
    three = _run("reminders", at(dt.date(2031, 4, 12), 8))
    assert three.output["periods"]["2031Q1"] == {"days_left": 3, "institutions": 2, "notifications": 3}
    # once B's DSC is accepted, B's filers are no longer reminded
    from supervision.filings.models import FilingVersion

    for v in db.session.scalars(select(FilingVersion).where(FilingVersion.status == "VALIDATED")):
        v.status = "ACCEPTED"
    db.session.commit()
    one = _run("reminders", at(dt.date(2031, 4, 14), 8))
    assert one.output["periods"]["2031Q1"] == {"days_left": 1, "institutions": 1, "notifications": 1}
    last = [n for n in _notifications("reminder") if n.dedupe_key == "reminder:2031Q1:2031-04-14"]
    assert [n.email for n in last] == ["filer-c@test.cn"]
    # regulators and admins never get reminders
    assert not [n for n in _notifications() if not n.email.startswith("filer")]
    assert db.session.query(JobRun).filter(JobRun.job_id == "reminders").count() == 5


def test_overdue_marking_runs_t01_for_periods_past_due(jctx):
    from supervision.extensions import db
    from supervision.findings.models import Finding
    from supervision.orgs.models import Institution
    from supervision.periods.models import Period

    _app, world = jctx
    period = _period("2031Q2")  # due 2031-07-15, the deadline is 2031-07-16 00:00 Asia/Shanghai
    a, b = world.a, world.b
    _filing(a, period, "CMP", uploaded=at(dt.date(2031, 7, 14), 10))
    db.session.commit()
    pid = period.id

    def t01():
        """Open T01 findings of the period: (institution code, kind, level)."""
        rows = db.session.execute(select(Institution.code, Finding.subject, Finding.level)
                                  .join(Institution, Institution.id == Finding.institution_id)
                                  .where(Finding.period_id == pid, Finding.rule == "T01",
                                         Finding.status != "CLOSED")).all()
        return sorted(rows)

    before = _run("overdue_marking", at(dt.date(2031, 7, 15), 23, 59))
    assert "2031Q2" not in before.output["periods"] and t01() == []
    after = _run("overdue_marking", at(dt.date(2031, 7, 16), 1))
    assert "2031Q2" in after.output["periods"]
    # A filed CMP on time; its DSC, B's and C's filings are missing at the deadline (medium)
    expected = sorted([(world.a.code, "DSC", "medium"), (world.b.code, "CMP", "medium"),
                       (world.b.code, "DSC", "medium"), (world.c.code, "CMP", "medium"),
                       (world.c.code, "DSC", "medium")])
    assert t01() == expected
    # B files CMP late; the next day's run marks it late (low) instead, nothing duplicated
    _filing(b, db.session.get(Period, pid), "CMP", uploaded=at(dt.date(2031, 7, 17), 10))
    db.session.commit()
    _run("overdue_marking", at(dt.date(2031, 7, 18), 1))
    late = [(world.b.code, "CMP", "low") if e == (world.b.code, "CMP", "medium") else e for e in expected]
    assert t01() == sorted(late)


def test_post_deadline_runs_the_day_after_the_due_date(jctx):
    from supervision.exports.models import Export
    from supervision.extensions import db
    from supervision.findings.models import CheckRun

    _app, _world = jctx
    pid = _period("2032Q1").id  # due 2032-04-15
    db.session.commit()
    on_due_day = _run("post_deadline", at(dt.date(2032, 4, 15), 2))
    assert on_due_day.output == {"periods": {}}
    result = _run("post_deadline", at(dt.date(2032, 4, 16), 2))
    assert list(result.output["periods"]) == ["2032Q1"]
    out = result.output["periods"]["2032Q1"]
    assert out["snapshot"] is None and out["draft"]["rows"] == 3
    runs = db.session.scalars(select(CheckRun).where(CheckRun.period_id == pid,
                                                     CheckRun.trigger == "job:post_deadline")).all()
    assert len(runs) == 1 and "S01" in runs[0].rules and "T01" in runs[0].rules
    exports = db.session.scalars(select(Export).where(Export.period_id == pid).order_by(Export.id)).all()
    assert [(e.kind, e.scope_label) for e in exports] == [
        ("summary", "ALL"), ("summary", "NFRA-BJ"), ("summary", "PBOC"), ("csv", "ALL"), ("json", "ALL")]
    assert all(e.job_run_id == result.id and e.producer == "job:post_deadline" for e in exports)
    assert [x["sha256"] for x in out["exports"]] == [e.sha256 for e in exports]


def test_period_locking_closes_periods_past_their_lock_date(jctx):
    from supervision.audit.models import AuditEvent
    from supervision.extensions import db
    from supervision.periods.models import Period

    _app, _world = jctx
    period = _period("2031Q3")  # lock date 2031-12-29
    kept = _period("2031Q4")
    kept.unlocked_until = None
    db.session.commit()
    pid, kid = period.id, kept.id
    try:
        assert _run("period_locking", at(dt.date(2031, 12, 28), 0, 30)).output["locked"].count("2031Q3") == 0
        result = _run("period_locking", at(dt.date(2031, 12, 29), 0, 30))
        assert "2031Q3" in result.output["locked"] and "2031Q4" not in result.output["locked"]
        db.session.expire_all()
        assert db.session.get(Period, pid).open is False and db.session.get(Period, kid).open is True
        audits = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "period_lock",
                                                             AuditEvent.object_id == str(pid))).all()
        assert len(audits) == 1 and audits[0].actor_label == "job:period_locking"
        again = _run("period_locking", at(dt.date(2031, 12, 30), 0, 30))
        assert "2031Q3" not in again.output["locked"]
    finally:
        for p in db.session.scalars(select(Period)):
            p.open = True
        db.session.commit()
