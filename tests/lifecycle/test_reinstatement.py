"""Returning or withdrawing the version that counts (lead's decisions 2 and 3, issue 10 item 3, issue
9 withdraw), on ingested workbooks and both databases: the previous accepted version is reinstated
(audited), or nothing counts and the institution is 未报送; the page shows that before the click;
league draft, dashboard and summary entries follow at once, published snapshots do not; findings
of versions that no longer count close; a withdrawn version is not a filing for timeliness."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from supervision.domain.enums import ReportingStatus, VersionStatus
from supervision.exports.services import reporting_entries
from supervision.extensions import db
from supervision.filings import services
from supervision.filings.counting import counting_version
from supervision.filings.models import FilingVersion
from supervision.filings.reporting import status_of
from supervision.findings.queries import dashboard
from supervision.league import services as league
from tests.lifecycle.helpers import audit, client_as, file_cmp, findings_of, new_institution, post_form

S = VersionStatus


def _fresh(version_id: int) -> FilingVersion:
    db.session.rollback()
    return db.session.get(FilingVersion, version_id)


def test_returning_the_counting_version_reinstates_the_previous_accepted_one(ctx, tmp_path):
    app, world = ctx
    cur = world.current
    inst = new_institution("复权测试支付有限公司", "PAY", agency="NFRA")  # the supervisor's agency leads it
    v1 = file_cmp(tmp_path, inst, cur, 21, "r-v1", customers=5_000_000)
    v2 = file_cmp(tmp_path, inst, cur, 22, "r-v2", customers=5_000_000)
    assert (v1.status, v2.status) == (S.SUPERSEDED, S.ACCEPTED) and v1.accepted_at is not None
    x02 = findings_of(inst, cur, "X02")  # a PAY filing with transfers and an empty register
    assert len(x02) == 1 and x02[0].versions == [v2.id]

    c = services.consequence(_fresh(v2.id), S.RETURNED)
    assert c.counted and c.reinstated.id == v1.id and not c.drops_out
    assert (c.status_before, c.status_after) == (ReportingStatus.ON_TIME, ReportingStatus.ON_TIME)

    supervisor = client_as(app, world.users.supervisor)
    page = supervisor.get(f"/filings/versions/{v2.id}/return?lang=en")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'id="consequence-reinstated"' in html and "version 1" in html
    assert 'id="consequence-none"' not in html
    resp = post_form(supervisor, f"/filings/versions/{v2.id}/return", f"/filings/versions/{v2.id}/return",
                     note="汇总表有误，请更正")
    assert resp.status_code == 302

    v1, v2 = _fresh(v1.id), db.session.get(FilingVersion, v2.id)
    assert (v1.status, v2.status) == (S.ACCEPTED, S.RETURNED)
    assert counting_version(inst.id, cur.id, "CMP").id == v1.id
    [event] = audit("filing_reinstated", v1.id)
    assert event.detail["instead_of"] == v2.id and "汇总表有误" in event.detail["reason"]
    assert event.actor_label == world.users.supervisor.email
    # the checks were re-run on the version that counts again
    x02 = findings_of(inst, cur, "X02")
    assert x02[0].versions == [v1.id] and x02[0].holds
    # the league draft and the reporting status follow at once
    assert league.compute_draft(cur).inputs.versions[inst.code]["CMP"] == v1.id
    assert status_of(inst, cur, "CMP") == ReportingStatus.ON_TIME


def test_returning_the_only_accepted_version_drops_the_institution_to_not_filed(ctx, tmp_path):
    app, world = ctx
    cur = world.current
    inst = new_institution("退回测试消费金融有限公司", "CF")
    v1 = file_cmp(tmp_path, inst, cur, 31, "d-v1")
    snap = league.publish(None, cur)
    db.session.commit()
    published = league.snapshot_table(snap)
    row = next(r for r in published["rows"] if r["institution_code"] == inst.code)
    assert row["status"] == "ranked"

    c = services.consequence(_fresh(v1.id), S.RETURNED)
    assert c.counted and c.reinstated is None and c.drops_out and c.league and c.expected
    supervisor = client_as(app, world.users.supervisor)
    html = supervisor.get(f"/filings/versions/{v1.id}/return").get_data(as_text=True)
    assert 'id="consequence-none"' in html and "未报送" in html and "排行榜草稿" in html
    # no note: the confirmation page again, with the error beside the field
    resp = post_form(supervisor, f"/filings/versions/{v1.id}/return", f"/filings/versions/{v1.id}/return", note="")
    assert resp.status_code == 400 and 'id="confirm-note-err"' in resp.get_data(as_text=True)
    resp = post_form(supervisor, f"/filings/versions/{v1.id}/return", f"/filings/versions/{v1.id}/return",
                     note="客户数填报错误")
    assert resp.status_code == 302
    db.session.rollback()
    assert counting_version(inst.id, cur.id, "CMP") is None
    draft_row = next(r for r in league.compute_draft(cur).table["rows"] if r["institution_code"] == inst.code)
    assert draft_row["status"] == "not_filed"
    assert league.snapshot_table(db.session.get(type(snap), snap.id)) == published  # snapshots never change
    data = dashboard(world.users.supervisor, cur)
    assert (inst.id, "CMP") in {(i.id, k) for i, k in data["missing"]}
    entry = next(e for e in reporting_entries(cur, {inst.id}) if e["kind"] == "CMP")
    assert entry["status"] == "missing"
    # the findings of the returned version no longer count: closed automatically
    cited = [f for f in findings_of(inst, cur) if v1.id in (f.versions or [])]
    assert cited and all(not f.holds and f.status == "CLOSED" and f.closed_reason.startswith("auto:")
                         for f in cited)
    # a returned version had no blocking error: a late resubmission is still on time (§2, decision 4)
    file_cmp(tmp_path, inst, cur, 32, "d-v2", uploaded_at=cur.due_at + dt.timedelta(days=3))
    assert status_of(inst, cur, "CMP") == ReportingStatus.ON_TIME


def test_a_superseded_version_never_accepted_is_not_reinstated(ctx, tmp_path):
    """With auto-accept off, v1 VALIDATED is superseded when v2 is accepted: it never counted, so
    returning v2 leaves nothing counting (``accepted_at`` is the fact, decision 2)."""
    app, world = ctx
    cur = world.current
    inst = new_institution("未采纳测试消费金融有限公司", "CF")
    app.config["AUTO_ACCEPT"] = False
    try:
        v1 = file_cmp(tmp_path, inst, cur, 41, "n-v1")
        v2 = file_cmp(tmp_path, inst, cur, 42, "n-v2")
    finally:
        app.config["AUTO_ACCEPT"] = True
    assert (v1.status, v2.status) == (S.VALIDATED, S.VALIDATED)
    services.accept_by(None, _fresh(v2.id))
    db.session.commit()
    v1 = _fresh(v1.id)
    assert v1.status == S.SUPERSEDED and v1.accepted_at is None
    assert services.return_version(None, db.session.get(FilingVersion, v2.id), "请重报") is None
    db.session.commit()
    assert counting_version(inst.id, cur.id, "CMP") is None


def test_filer_withdraws_with_a_confirmation_and_it_is_not_a_filing_for_timeliness(ctx, tmp_path):
    app, world = ctx
    cur = world.current
    inst = world.inst_a
    v1 = file_cmp(tmp_path, inst, cur, 51, "w-v1")
    assert v1.status == S.ACCEPTED and status_of(inst, cur, "CMP") == ReportingStatus.ON_TIME
    filer = client_as(app, world.users.filer_a)
    assert 'id="withdraw-link"' in filer.get(f"/filings/versions/{v1.id}").get_data(as_text=True)
    html = filer.get(f"/filings/versions/{v1.id}/withdraw").get_data(as_text=True)
    assert 'id="consequence-none"' in html and "按时报送" in html and "未报送" in html
    resp = post_form(filer, f"/filings/versions/{v1.id}/withdraw", f"/filings/versions/{v1.id}/withdraw", note="")
    assert resp.status_code == 400
    resp = post_form(filer, f"/filings/versions/{v1.id}/withdraw", f"/filings/versions/{v1.id}/withdraw",
                     note="报错了期间")
    assert resp.status_code == 302
    v1 = _fresh(v1.id)
    assert v1.status == S.WITHDRAWN and v1.note == "报错了期间"
    assert [(e.detail["from"], e.detail["to"]) for e in audit("filing_status", v1.id)][-1] == (S.ACCEPTED,
                                                                                               S.WITHDRAWN)
    assert status_of(inst, cur, "CMP") == ReportingStatus.MISSING
    # a late resubmission is late: the withdrawn (on-time) version does not count for timeliness
    v2 = file_cmp(tmp_path, inst, cur, 52, "w-v2", uploaded_at=cur.due_at + dt.timedelta(days=1))
    assert v2.status == S.ACCEPTED and status_of(inst, cur, "CMP") == ReportingStatus.LATE
    # another institution's filer cannot even see it; regulators do not withdraw
    assert client_as(app, world.users.filer_b).get(f"/filings/versions/{v2.id}/withdraw").status_code == 404
    assert client_as(app, world.users.supervisor).get(f"/filings/versions/{v2.id}/withdraw").status_code == 403


def test_withdrawal_refusals(ctx, tmp_path):
    _app, world = ctx
    cur = world.current
    inst = new_institution("撤回拒绝测试消费金融有限公司", "CF")
    v1 = file_cmp(tmp_path, inst, cur, 61, "x-v1")
    v2 = file_cmp(tmp_path, inst, cur, 62, "x-v2")
    for actor, version, note, status in ((world.users.filer_b, v2, "x", 403),  # not their institution
                                         (None, v1, "x", 409),  # SUPERSEDED is final
                                         (None, v2, " ", 400)):  # a note is required
        with pytest.raises(services.FilingError) as refused:
            services.withdraw(actor, db.session.get(FilingVersion, version.id), note)
        assert refused.value.status == status
        db.session.rollback()
    # not while it is being processed
    from supervision.filings.services import store_original, submit

    with (tmp_path / "x-v2.xlsx").open("rb") as fh:
        stored = store_original(fh)
    received = submit(None, inst, cur, "DSC", stored, "pending.xlsx").version
    db.session.commit()
    assert received.status == S.RECEIVED
    with pytest.raises(services.FilingError) as refused:
        services.withdraw(None, received, "x")
    assert refused.value.status == 409
    db.session.rollback()


def test_withdrawal_in_a_locked_period_needs_an_unlock(ctx, tmp_path):
    from supervision.periods.services import unlock_period

    app, world = ctx
    period, version = world.period, world.filing_a.versions[0]  # 2024Q1, locked; A's accepted v1
    filer = client_as(app, world.users.filer_a)
    assert 'id="withdraw-link"' not in filer.get(f"/filings/versions/{version.id}").get_data(as_text=True)
    resp = post_form(filer, f"/filings/versions/{version.id}/withdraw", f"/filings/versions/{version.id}/withdraw",
                     note="撤回")
    # refused on the confirmation page itself, the note kept (issue 10 item 4)
    assert resp.status_code == 409 and _fresh(version.id).status == S.ACCEPTED
    assert "撤回</textarea>" in resp.get_data(as_text=True)
    unlock_period(world.users.supervisor, db.session.get(type(period), period.id),
                  dt.date.today() + dt.timedelta(days=5), "补正")
    db.session.commit()
    resp = post_form(filer, f"/filings/versions/{version.id}/withdraw", f"/filings/versions/{version.id}/withdraw",
                     note="撤回")
    assert resp.status_code == 302 and _fresh(version.id).status == S.WITHDRAWN


def test_console_withdraw_for_an_institution(ctx, tmp_path):
    app, world = ctx
    cur = world.current
    inst = new_institution("控制台撤回测试消费金融有限公司", "CF")
    v1 = file_cmp(tmp_path, inst, cur, 71, "c-v1")
    v2 = file_cmp(tmp_path, inst, cur, 72, "c-v2")
    runner = app.test_cli_runner()
    out = runner.invoke(args=["filings", "withdraw", str(v2.id), "--note", "机构来函撤回"])
    assert out.exit_code == 0, out.output
    assert "WITHDRAWN" in out.output and f"reinstated: version {v1.id} (v1)" in out.output
    db.session.rollback()
    assert counting_version(inst.id, cur.id, "CMP").id == v1.id
    assert audit("filing_reinstated", v1.id)[-1].detail["because"] == S.WITHDRAWN
    import json

    listing = json.loads(runner.invoke(args=["filings", "list", "--institution", inst.code, "--format",
                                             "json"]).output)
    assert [(f["counting"], f["latest"]["status"], f["reporting_status"]) for f in listing] == [
        ({"id": v1.id, "version": 1}, S.WITHDRAWN, "on_time")]
    text = runner.invoke(args=["filings", "list", "--institution", inst.code]).output
    assert f"counts v1 (version id {v1.id}); last v2 WITHDRAWN" in text
    out = runner.invoke(args=["filings", "withdraw", str(v2.id), "--note", "again"])
    assert out.exit_code == 2 and "cannot be withdrawn" in out.output
    out = runner.invoke(args=["filings", "withdraw", "999999", "--note", "x"])
    assert out.exit_code == 2


def test_findings_follow_the_version_that_counts_across_periods(ctx, tmp_path):
    """P01 of a period compares with the previous period's version that counts: withdrawing that
    version re-runs the next period's P checks and closes what no longer holds."""
    from supervision.demo import workbooks as gen
    from supervision.domain.calendar import today_local
    from supervision.periods.services import add_period, get_period, unlock_period
    from tests.checks.helpers import profile, resummarise

    _app, world = ctx
    cur = world.current
    prev = get_period(cur.quarter_period.previous().code) or add_period(None, cur.quarter_period.previous().code)
    if prev.is_locked(today_local()):
        unlock_period(None, prev, today_local() + dt.timedelta(days=10), "测试")
    db.session.commit()
    inst = new_institution("跨期核对测试消费金融有限公司", "CF")
    prof = profile(inst, 81, active_customers=2_000_000)
    q1 = gen.generate_cmp(prof, prev.code)
    v_prev = file_cmp(tmp_path, inst, prev, 0, "p-prev", filing=q1)
    q2 = gen.generate_cmp(prof, cur.code, carried_over=q1.open_at_end)
    dropped = next(r for r in q2.rows if r["received_date"] < cur.start_date)
    import dataclasses

    bad = dataclasses.replace(q2, rows=[r for r in q2.rows if r is not dropped])
    resummarise(bad)
    v_cur = file_cmp(tmp_path, inst, cur, 0, "p-cur", filing=bad)
    [p01] = findings_of(inst, cur, "P01")
    assert p01.holds and sorted(p01.versions) == sorted([v_cur.id, v_prev.id])
    back = services.withdraw(None, db.session.get(FilingVersion, v_prev.id), "上季报错")
    db.session.commit()
    assert back is None
    from supervision.checks.engine import run_after_change

    run_after_change(inst.id, prev.id)
    [p01] = findings_of(inst, cur, "P01")
    assert not p01.holds and p01.status == "CLOSED" and p01.closed_reason.startswith("auto:")
    # returning the current version closes every finding that cited it
    services.return_version(None, db.session.get(FilingVersion, v_cur.id), "请更正")
    db.session.commit()
    run_after_change(inst.id, cur.id)
    left = [f for f in findings_of(inst, cur) if f.holds and v_cur.id in (f.versions or [])]
    assert left == []


def test_filing_list_shows_the_effective_state_first(ctx, tmp_path):
    """Issue 10 item 2: v2 counts, a later v3 is rejected: the list shows v2 as the version that
    counts and v3 as the last upload; after v2 is returned (v1 reinstated) it shows v1."""
    from supervision.demo import workbooks as gen
    from tests.checks.helpers import profile

    app, world = ctx
    cur = world.current
    inst = world.inst_b
    v1 = file_cmp(tmp_path, inst, cur, 91, "l-v1", customers=4_000_000)
    v2 = file_cmp(tmp_path, inst, cur, 92, "l-v2", customers=4_000_000)
    q = gen.generate_cmp(profile(inst, 93, active_customers=4_000_000), cur.code)
    path = tmp_path / "l-v3.xlsx"
    gen.write_cmp(path, q, mistakes={"summary_mismatch"})
    from supervision.filings.services import store_original, submit

    with path.open("rb") as fh:
        sub = submit(None, inst, cur, "CMP", store_original(fh), path.name)
    db.session.commit()
    from supervision.filings.pipeline import process_version

    assert process_version(sub.version.id) == S.REJECTED
    filer = client_as(app, world.users.filer_b)
    html = filer.get(f"/filings/?period={cur.code}").get_data(as_text=True)
    row = html[html.index(f'data-filing="{v2.filing_id}"'):]
    row = row[:row.index("</tr>")]
    assert "v2 · 已采纳" in row[:row.index('class="latest"')] and "v3 · 已拒收" in row
    assert "按时报送" in row and cur.due_date.isoformat() in row
    services.return_version(None, _fresh(v2.id), "退回")
    db.session.commit()
    html = filer.get(f"/filings/?period={cur.code}").get_data(as_text=True)
    row = html[html.index(f'data-filing="{v2.filing_id}"'):]
    row = row[:row.index("</tr>")]
    assert f"/filings/versions/{v1.id}" in row and "v1 · 已采纳" in row and "v3 · 已拒收" in row
    services.return_version(None, _fresh(v1.id), "再退回")
    db.session.commit()
    html = filer.get(f"/filings/?period={cur.code}").get_data(as_text=True)
    row = html[html.index(f'data-filing="{v2.filing_id}"'):]
    assert "无有效报送" in row[:row.index("</tr>")] and "未报送" in row[:row.index("</tr>")]
    db.session.rollback()
    assert db.session.scalar(select(FilingVersion.status).where(FilingVersion.id == v1.id)) == S.RETURNED
