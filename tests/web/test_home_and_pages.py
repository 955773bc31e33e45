"""Issue 10: the home page's work queues of each role, the institution page for regulators (scoped),
the scheduler page's forms (item 1), the smaller items of item 10 (dashboard period, rule catalogue
for admins, welcome by name) and the display name on the account page."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select

from supervision.domain.enums import FindingStatus
from supervision.findings import services as findings
from supervision.findings.models import Finding
from supervision.jobs.models import ScheduledJobState
from tests.conftest import PASSWORD, IsolatedClient, csrf_from, login


def as_user(app, user):
    app.test_client_class = IsolatedClient
    client = app.test_client()
    assert login(client, user.email, PASSWORD).status_code == 302
    return client


def queue(html: str, key: str) -> tuple[int, str]:
    """(count, HTML) of one work queue of the home page."""
    m = re.search(rf'id="queue-{key}"[^>]*data-count="(\d+)">(.*?)</section>', html, re.S)
    assert m, f"queue {key} missing"
    return int(m.group(1)), m.group(2)


def test_filer_queues_list_due_returned_and_findings_to_answer(app, db, world):
    from supervision.domain.calendar import period_of, today_local
    from supervision.filings.services import return_version
    from supervision.periods.services import add_period

    u = world.users
    current = add_period(None, period_of(today_local()).code)
    version = world.filing_a.versions[0]
    return_version(u.supervisor, version, "请补充")
    f = db.session.get(Finding, world.finding_a.id)
    findings.open_to_institution(u.analyst_nfra, f)
    findings.transition(u.analyst_nfra, f, FindingStatus.REMEDIATION, note="整改", remediation_due=dt.date(2030, 1, 1))
    db.session.commit()
    html = as_user(app, u.filer_a).get("/").get_data(as_text=True)
    n, due = queue(html, "due")
    assert n == 2 and current.code in due  # CMP and DSC of the open period
    n, returned = queue(html, "returned")
    assert n == 1 and f"/filings/versions/{version.id}" in returned and "请补充" in returned
    n, to_answer = queue(html, "findings")
    assert n == 1 and f"/findings/{f.id}" in to_answer and "2030-01-01" in to_answer
    other = as_user(app, u.filer_b).get("/").get_data(as_text=True)
    assert queue(other, "returned")[0] == 0 and queue(other, "findings")[0] == 0


def test_regulator_queues_referrals_answers_remediations_and_filers(app, db, world):
    u = world.users
    f = db.session.get(Finding, world.finding_a.id)
    findings.open_to_institution(u.analyst_nfra, f)
    findings.answer_by_institution(u.filer_a, f, "已说明")
    db.session.commit()
    pboc = as_user(app, u.analyst_pboc).get("/").get_data(as_text=True)
    n, referrals = queue(pboc, "referrals")
    assert n == 1 and f"/findings/{world.finding_c.id}#referral-{world.referral_c.id}" in referrals
    nfra = as_user(app, u.analyst_nfra).get("/").get_data(as_text=True)
    assert queue(nfra, "referrals")[0] == 0  # NFRA sent it; it is PBOC's to handle
    n, answers = queue(nfra, "answers")
    assert n == 1 and f"/findings/{f.id}" in answers
    assert queue(pboc, "answers")[0] == 0  # A is outside PBOC's scope
    n, missing = queue(nfra, "missing")  # 2024Q1, the latest period past its due date: nobody filed a DSC
    assert n >= 1 and world.inst_a.name in missing and "DSC" in missing and "2024Q1" in nfra
    assert 'id="queue-check-run"' in nfra


def test_admin_queue_shows_failed_runs_and_paused_jobs(app, db, world):
    from supervision.jobs import services as jobs

    jobs.set_paused(world.users.admin, "reminders", True)
    db.session.commit()
    html = as_user(app, world.users.admin).get("/").get_data(as_text=True)
    assert queue(html, "failed_runs")[0] == 0 and "已暂停的任务" in html and "报送提醒" in html


def test_institution_page_gathers_filings_findings_league_and_disclosure_in_scope(app, db, world):
    u = world.users
    inst = world.inst_a
    page = as_user(app, u.analyst_nfra).get(f"/institutions/{inst.id}").get_data(as_text=True)
    for part in ("part-filings", "part-findings", "part-league", "part-disclosure", "part-master"):
        assert f'id="{part}"' in page
    assert f"/filings/versions/{world.filing_a.versions[0].id}" in page and f"/findings/{world.finding_a.id}" in page
    assert as_user(app, u.analyst_pboc).get(f"/institutions/{inst.id}").status_code == 404  # outside scope
    filer = as_user(app, u.filer_a).get(f"/institutions/{inst.id}").get_data(as_text=True)
    assert 'id="part-filings"' not in filer  # institutions have their own pages
    assert as_user(app, u.filer_a).get(f"/institutions/{world.inst_b.id}").status_code == 404


def test_scheduler_page_sends_one_job_id_per_form_and_runs_pauses_resumes(app, db, world):
    client = as_user(app, world.users.admin)
    page = client.get("/admin/scheduler/").get_data(as_text=True)
    forms = re.findall(r'<form method="post" action="(/admin/scheduler/[a-z]+)"[^>]*>(.*?)</form>', page, re.S)
    assert forms
    for _action, body in forms:
        assert len(re.findall(r'name="job_id"', body)) == 1
        assert 'id="job_id"' not in body and 'id="csrf_token"' not in body
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids))
    token = csrf_from(page)
    assert client.post("/admin/scheduler/run", data={"csrf_token": token, "job_id": "reminders",
                                                     "period": ""}).status_code == 302
    db.session.expire_all()
    assert db.session.get(ScheduledJobState, "reminders").run_requested_at is not None
    assert client.post("/admin/scheduler/pause", data={"csrf_token": token, "job_id": "reminders"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(ScheduledJobState, "reminders").paused
    html = client.get("/admin/scheduler/").get_data(as_text=True)
    assert "已暂停" in html and "报送提醒" in html
    assert client.post("/admin/scheduler/resume", data={"csrf_token": token, "job_id": "reminders"}).status_code == 302
    db.session.expire_all()
    assert not db.session.get(ScheduledJobState, "reminders").paused


def test_item_10_dashboard_period_rules_for_admin_and_welcome_by_name(app, db, world):
    from supervision.accounts.services import set_display_name
    from supervision.periods.services import add_period

    u = world.users
    add_period(None, "2024Q2")  # a later period without any filing
    db.session.commit()
    dash = as_user(app, u.analyst_nfra).get("/findings/dashboard").get_data(as_text=True)
    assert '<option value="2024Q1" selected' in dash  # the latest period that has data, not the newest
    rules = as_user(app, u.admin).get("/rules/").get_data(as_text=True)
    assert "/findings/?rule=" not in rules  # admins read no findings: no link that answers 403
    assert "/findings/?rule=" in as_user(app, u.analyst_nfra).get("/rules/").get_data(as_text=True)
    home = as_user(app, u.filer_a).get("/").get_data(as_text=True)
    assert 'id="set-name"' in home and "filer-a" not in home.split('id="welcome"')[1][:80]
    set_display_name(u.filer_a, u.filer_a, "  张  三 ")
    db.session.commit()
    home = as_user(app, u.filer_a).get("/").get_data(as_text=True)
    assert re.search(r'id="welcome">欢迎，张 三', home) and 'id="set-name"' not in home
    assert re.search(r"id=\"account-link\"[^>]*>张 三<", home)  # the navigation bar shows the name too


def test_display_name_form_keeps_input_and_is_audited(app, db, world):
    from supervision.audit.models import AuditEvent

    client = as_user(app, world.users.analyst_nfra)
    page = client.get("/account").get_data(as_text=True)
    refused = client.post("/account/name", data={"csrf_token": csrf_from(page), "name": " "})
    assert refused.status_code == 400 and 'id="display-name-err"' in refused.get_data(as_text=True)
    too_long = client.post("/account/name", data={"csrf_token": csrf_from(page), "name": "名" * 101})
    assert too_long.status_code == 400 and "名" * 101 in too_long.get_data(as_text=True)
    assert client.post("/account/name", data={"csrf_token": csrf_from(page), "name": "李强"}).status_code == 302
    ev = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "user_name")).all()
    assert [e.detail["to"] for e in ev] == ["李强"]
