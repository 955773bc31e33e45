"""Regulator workflow tests issue 9 found missing: finding transitions CLOSED, REMEDIATION and
reopen (with their refusals), bulk actions, a referral DECLINED, and manual acceptance with
auto-accept off — through the web pages, audited, on both databases."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from supervision.audit.models import AuditEvent
from supervision.extensions import db
from supervision.filings.models import FilingVersion
from supervision.findings.models import Finding, Referral
from tests.factories import make_finding
from tests.lifecycle.helpers import audit, client_as, file_cmp, findings_of, new_institution, post_form


def _finding(fid: int) -> Finding:
    db.session.rollback()
    return db.session.get(Finding, fid)


def test_close_remediation_and_reopen(ctx):
    app, world = ctx
    f = make_finding(world.inst_a, world.period, "D03", "medium", subject="wf-1")
    db.session.commit()
    url = f"/findings/{f.id}"
    supervisor = client_as(app, world.users.supervisor)
    # CLOSED needs a note: refused on the page, beside the note, the state stays
    refused = post_form(supervisor, url, f"{url}/status", to_status="CLOSED", note="")
    assert refused.status_code == 400 and 'id="decision-note-err"' in refused.get_data(as_text=True)
    assert _finding(f.id).status == "OPEN"
    assert post_form(supervisor, url, f"{url}/status", to_status="CLOSED", note="已核实无误").status_code == 302
    closed = _finding(f.id)
    assert (closed.status, closed.closed_reason) == ("CLOSED", "已核实无误")
    # a closed finding cannot go to remediation directly; it is reopened first
    assert post_form(supervisor, url, f"{url}/status", to_status="REMEDIATION",
                     remediation_due="2031-01-01").status_code == 409
    assert _finding(f.id).status == "CLOSED"
    assert post_form(supervisor, url, f"{url}/status", to_status="OPEN", note="新线索").status_code == 302
    assert _finding(f.id).status == "OPEN"
    # REMEDIATION needs a due date
    refused = post_form(supervisor, url, f"{url}/status", to_status="REMEDIATION", note="整改")
    assert refused.status_code == 400 and 'id="decision-remediation_due-err"' in refused.get_data(as_text=True)
    assert "整改</textarea>" in refused.get_data(as_text=True)  # the note typed is kept
    assert _finding(f.id).status == "OPEN"
    assert post_form(supervisor, url, f"{url}/status", to_status="REMEDIATION", note="整改",
                     remediation_due="2031-01-01").status_code == 302
    done = _finding(f.id)
    assert done.status == "REMEDIATION" and done.remediation_due == dt.date(2031, 1, 1)
    moves = [(e.from_status, e.to_status) for e in done.events if e.action == "status"]
    assert moves == [("OPEN", "CLOSED"), ("CLOSED", "OPEN"), ("OPEN", "REMEDIATION")]
    trail = [(e.detail["from"], e.detail["to"]) for e in audit("finding_status", f.id)]
    assert trail == moves
    # analysts of another scope cannot act on it (404), filers never (403)
    other = client_as(app, world.users.analyst_pboc)
    assert post_form(other, "/findings/", f"{url}/status", to_status="CLOSED", note="x").status_code == 404
    filer = client_as(app, world.users.filer_a)
    assert post_form(filer, "/findings/", f"{url}/status", to_status="CLOSED", note="x").status_code == 403


def test_bulk_open_and_close(ctx):
    app, world = ctx
    mine = [make_finding(world.inst_a, world.period, "D03", "low", subject=f"bulk-{i}") for i in range(3)]
    db.session.commit()
    ids = [str(f.id) for f in mine]
    supervisor = client_as(app, world.users.supervisor)
    resp = post_form(supervisor, "/findings/", "/findings/", action="open", ids=ids)
    assert resp.status_code == 302
    assert all(_finding(f.id).visible_to_institution for f in mine)
    resp = post_form(supervisor, "/findings/", "/findings/", action="close", ids=ids[:2], note="批量办结")
    assert resp.status_code == 302
    states = [_finding(f.id).status for f in mine]
    assert states == ["CLOSED", "CLOSED", "OPEN"] and _finding(mine[0].id).closed_reason == "批量办结"
    # closing without a note is refused as a whole: nothing changes
    resp = post_form(supervisor, "/findings/", "/findings/", action="close", ids=ids[2:], note="")
    assert resp.status_code == 400 and _finding(mine[2].id).status == "OPEN"
    # findings outside the user's scope are skipped, not changed
    pboc = client_as(app, world.users.analyst_pboc)
    resp = post_form(pboc, "/findings/", "/findings/", action="close", ids=ids[2:], note="越权")
    assert resp.status_code == 302 and _finding(mine[2].id).status == "OPEN"
    # filers may not use bulk actions
    assert post_form(client_as(app, world.users.filer_a), "/findings/", "/findings/", action="open",
                     ids=ids).status_code == 403


def test_referral_declined_returns_the_finding_to_its_state(ctx):
    app, world = ctx
    f = make_finding(world.inst_a, world.period, "D06", "medium", subject="decline-1")
    db.session.commit()
    url = f"/findings/{f.id}"
    nfra = client_as(app, world.users.analyst_nfra)
    assert post_form(nfra, url, f"{url}/refer", agency="PBOC", note="请人行协查").status_code == 302
    assert _finding(f.id).status == "REFERRED"
    ref = db.session.scalar(select(Referral).where(Referral.finding_id == f.id))
    pboc = client_as(app, world.users.analyst_pboc)
    # a reason is required to decline
    assert post_form(pboc, url, f"/findings/referrals/{ref.id}/decline", text="").status_code == 400
    assert db.session.get(Referral, ref.id).status == "SENT"
    db.session.rollback()
    assert post_form(pboc, url, f"/findings/referrals/{ref.id}/decline", text="不属于本行职责").status_code == 302
    db.session.rollback()
    ref = db.session.get(Referral, ref.id)
    assert (ref.status, ref.answer) == ("DECLINED", "不属于本行职责")
    back = _finding(f.id)
    assert back.status == "OPEN"
    assert [e.action for e in back.events][-2:] == ["referred", "referral_declined"]
    assert audit("referral_declined", ref.id)[-1].actor_label == world.users.analyst_pboc.email
    # the referring agency cannot decline its own referral; a declined one cannot be answered
    assert post_form(nfra, url, f"/findings/referrals/{ref.id}/decline", text="x").status_code == 403
    assert post_form(pboc, url, f"/findings/referrals/{ref.id}/answer", text="迟到的答复").status_code in (404, 409)
    db.session.rollback()
    assert db.session.get(Referral, ref.id).status == "DECLINED"


def test_manual_acceptance_with_auto_accept_off(ctx, tmp_path):
    app, world = ctx
    cur = world.current
    # led by the supervisor's own agency: write actions belong to the lead agency (issue 11)
    inst = new_institution("人工采纳测试支付有限公司", "PAY", agency="NFRA")
    app.config["AUTO_ACCEPT"] = False
    try:
        v = file_cmp(tmp_path, inst, cur, 5, "manual", customers=3_000_000)
    finally:
        app.config["AUTO_ACCEPT"] = True
    assert v.status == "VALIDATED" and v.accepted_at is None
    assert findings_of(inst, cur) == []  # the checks wait for the acceptance
    supervisor = client_as(app, world.users.supervisor)
    page = supervisor.get(f"/filings/versions/{v.id}").get_data(as_text=True)
    assert 'id="accept-btn"' in page
    # analysts cannot accept
    assert post_form(client_as(app, world.users.analyst_nfra), f"/filings/versions/{v.id}",
                     f"/filings/versions/{v.id}/accept").status_code == 403
    assert post_form(supervisor, f"/filings/versions/{v.id}", f"/filings/versions/{v.id}/accept").status_code == 302
    db.session.rollback()
    v = db.session.get(FilingVersion, v.id)
    assert v.status == "ACCEPTED" and v.accepted_at is not None and v.decided_by_id == world.users.supervisor.id
    assert {f.rule for f in findings_of(inst, cur)} >= {"X02"}  # the checks ran after the acceptance
    accepted = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "filing_status",
                                                          AuditEvent.object_id == str(v.id)))
    assert accepted.detail["to"] == "ACCEPTED" and accepted.actor_label == world.users.supervisor.email
    # accepting twice is refused
    assert post_form(supervisor, f"/filings/versions/{v.id}", f"/filings/versions/{v.id}/accept").status_code == 302
    db.session.rollback()
    assert db.session.get(FilingVersion, v.id).status == "ACCEPTED"
