"""The review world: the supervisory loop of issue 10 played through the real services on committed
data, so that every page of every role has something on it — ingested filings (accepted, refused,
returned), findings from the checks, a finding opened to its institution and answered, referrals
answered and pending, remediations due and overdue, a published league table, register entries,
an export, job runs and one notification of every kind. Used by the page walk (no raw codes, no
broken links) and the browser tests. Not a test module.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
from pathlib import Path
from types import SimpleNamespace

from sqlalchemy import select


def _ingest(path: Path, inst, period, kind: str, actor=None):
    from supervision.extensions import db
    from supervision.filings import services
    from supervision.filings.models import FilingVersion
    from supervision.filings.pipeline import process_version

    with path.open("rb") as fh:
        stored = services.store_original(fh)
    sub = services.submit(actor, inst, period, kind, stored, path.name, historic=True)
    db.session.commit()
    process_version(sub.version.id)
    db.session.expire_all()
    return db.session.get(FilingVersion, sub.version.id)


def _profile(inst, seed: int):
    from supervision.demo import workbooks as gen

    profile = gen.profile_for(inst.code, inst.name, inst.sector, seed=seed)
    customers = max(profile.active_customers, 50_000)
    return dataclasses.replace(profile, active_customers=customers, complaint_rate_per_10k=30 * 10_000 / customers)


def _register_csv(rows) -> bytes:
    head = ["转办单号", "机构代码", "转办日期", "来源热线", "业务类别", "投诉原因", "投诉摘要"]
    return ("\ufeff" + ",".join(head) + "\n" + "\n".join(",".join(r) for r in rows) + "\n").encode("utf-8")


def build_review_world(db, tmp: Path) -> SimpleNamespace:
    """Build the world (committed) and return plain facts about it (ids, e-mails, codes)."""
    from supervision.demo import workbooks as gen
    from supervision.domain.calendar import period_of, today_local
    from supervision.domain.enums import FindingStatus
    from supervision.filings.content_models import ComplaintRow
    from supervision.findings import services as findings
    from supervision.jobs import services as jobs
    from supervision.notifications import events
    from supervision.notifications.services import notify_job_failed
    from supervision.periods.services import add_period
    from supervision.register.services import import_register
    from supervision.timeutil import utcnow
    from tests.factories import build_world

    world = build_world(db)
    u = world.users
    today = today_local()
    current = add_period(None, period_of(today).code)
    period = world.period
    db.session.commit()
    books = tmp / "books"
    books.mkdir(parents=True, exist_ok=True)
    versions = {}
    for n, inst in enumerate((world.inst_a, world.inst_b, world.inst_c)):
        profile = _profile(inst, seed=40 + n)
        filing = gen.generate_cmp(profile, period.code)
        path = books / f"{inst.code}_CMP.xlsx"
        gen.write_cmp(path, filing)
        versions[inst.code] = _ingest(path, inst, period, "CMP")
        assert versions[inst.code].status == "ACCEPTED", versions[inst.code].rule_totals
        dpath = books / f"{inst.code}_DSC.xlsx"
        gen.write_dsc(dpath, gen.generate_dsc(profile, period.code))
        assert _ingest(dpath, inst, period, "DSC").status == "ACCEPTED"
    # B: a corrected upload with a mistake, refused by validation (the filers are notified)
    bad = books / "B_bad.xlsx"
    gen.write_cmp(bad, gen.generate_cmp(_profile(world.inst_b, 41), period.code), mistakes={"summary_mismatch"})
    rejected = _ingest(bad, world.inst_b, period, "CMP")
    assert rejected.status == "REJECTED"
    db.session.commit()
    from supervision.filings.services import return_version

    # C's accepted CMP is returned with a note (its filers are notified)
    returned = db.session.get(type(rejected), versions[world.inst_c.code].id)
    return_version(u.supervisor, returned, "请补充投诉处理结果 / please add the outcomes")
    db.session.commit()

    # findings of A, with evidence as the checks write it: one opened to A and answered, one whose
    # remediation is overdue, one due in three days (each notice sent)
    from tests.factories import make_finding

    cmp_a = versions[world.inst_a.code].id
    complaint_ids = [r for r in db.session.scalars(
        select(ComplaintRow.complaint_id).where(ComplaintRow.version_id == cmp_a).order_by(ComplaintRow.row_no)
        .limit(3))]
    answered = make_finding(world.inst_a, period, "P02", "low", subject="review-P02", version_ids=[cmp_a], evidence={
        "sheet": "投诉明细", "column": "received_date", "count": len(complaint_ids),
        "complaints": [{"complaint_id": c, "received_date": "2024-02-01", "previous_date": "2024-01-30", "row": i + 2}
                       for i, c in enumerate(complaint_ids)]})
    overdue = make_finding(world.inst_a, period, "X01", "high", subject="review-X01", version_ids=[cmp_a], evidence={
        "period": period.code, "count": 1, "missing": [{"transfer_ref": "12378-RW-0", "transferred_date": "2024-01-11",
                                                       "hotline": "12378", "business_category": "B03",
                                                       "cause": "C05"}]})
    due_soon = make_finding(world.inst_a, period, "D06", "medium", subject="review-D06", version_ids=[cmp_a], evidence={
        "sheet": "投诉明细", "column": "product_code", "product_code": "P-404", "dsc_missing": False,
        "dsc_version_id": None, "count": len(complaint_ids), "complaint_ids": complaint_ids, "rows": [2, 3, 4]})
    db.session.commit()
    for f in (answered, overdue, due_soon):
        findings.open_to_institution(u.analyst_nfra, f)
    db.session.commit()
    findings.answer_by_institution(u.filer_a, answered, "已更正受理日期 / the dates were corrected")
    for f, due in ((overdue, today - dt.timedelta(days=3)), (due_soon, today + dt.timedelta(days=3))):
        findings.transition(u.analyst_nfra, f, FindingStatus.REMEDIATION, note="请整改 / remediate",
                            remediation_due=due)
    db.session.commit()
    events.notify_remediation_overdue(overdue)
    events.notify_remediation_due(due_soon, 3, today)
    db.session.commit()
    # the referral of C's finding to PBOC (made by build_world) is accepted; a second one answered
    from supervision.findings.models import Referral

    ref = db.session.get(Referral, world.referral_c.id)
    findings.referral_accept(u.analyst_pboc, ref)
    db.session.commit()

    # the league table of the period, published; the register; an export; job runs; notices
    from supervision.league.services import publish

    publish(u.supervisor, period)
    db.session.commit()
    csv = _register_csv([[f"12378-RW-{i}", inst.code, f"{period.start_date + dt.timedelta(days=10 + i)}",
                          "12378", "B03", "C05", "测试转办"] for i, inst in enumerate((world.inst_a, world.inst_b))])
    upload = import_register(u.supervisor, io.BytesIO(csv), "register.csv")
    db.session.commit()
    from supervision.exports.services import build_summary, view_of

    build_summary(period, producer=u.supervisor.email, view=view_of(u.supervisor), actor=u.supervisor)
    db.session.commit()
    facts = SimpleNamespace(
        emails={k: getattr(u, k).email for k in vars(u)}, period=period.code, period_id=period.id,
        current=current.code, inst={"a": world.inst_a.id, "b": world.inst_b.id, "c": world.inst_c.id},
        codes={"a": world.inst_a.code, "b": world.inst_b.code, "c": world.inst_c.code},
        finding_a=world.finding_a.id, finding_c=world.finding_c.id, referral_c=world.referral_c.id,
        answered=answered.id, rejected=rejected.id, returned=returned.id, upload=upload.id, overdue=overdue.id,
        due_soon=due_soon.id, admin_id=u.admin.id)
    run = jobs.execute("reminders", utcnow(), period_code=current.code)  # closes the session
    from supervision.accounts.models import User
    from supervision.periods.models import Period

    jobs.set_paused(db.session.get(User, facts.admin_id), "overdue_marking", True)
    db.session.commit()
    events.notify_period_locking(db.session.get(Period, facts.period_id), 3, today,
                                 [facts.inst["a"], facts.inst["b"]])
    notify_job_failed(SimpleNamespace(id=run.id, job_id="reminders", error="Traceback ...\nRuntimeError: smtp down",
                                      scheduled_for=run.scheduled_for, attempts=3))
    db.session.commit()
    return facts
