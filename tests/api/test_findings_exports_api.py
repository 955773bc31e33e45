"""Findings, referrals, exports, register imports and job runs through /api/v1 (issue 13): each
through the same scoping as the pages, each write behind its role and token scope."""

from __future__ import annotations

import hashlib
import io

from sqlalchemy import select

from supervision.findings.models import Finding
from supervision.register.models import RegisterUpload
from tests.api.helpers import bearer, token_for

HEAD = ["转办单号", "机构代码", "转办日期", "来源热线", "业务类别", "投诉原因", "投诉摘要"]


def _tokens(db, world, *specs):
    out = [token_for(getattr(world.users, role), scope) for role, scope in specs]
    db.session.commit()
    return out


def test_finding_workflow_and_scoping(app, db, world, client):
    nfra, nfra_read, pboc, filer_a, filer_b = _tokens(db, world, ("analyst_nfra", "manage"), ("analyst_nfra", "read"),
                                                      ("analyst_pboc", "manage"), ("filer_a", "submit"),
                                                      ("filer_b", "submit"))
    fid = world.finding_a.id
    listed = client.get("/api/v1/findings?rule=D05", headers=bearer(nfra_read)).get_json()
    assert [f["id"] for f in listed["items"]] == [fid]
    assert client.get(f"/api/v1/findings/{fid}", headers=bearer(pboc)).status_code == 404
    # not yet opened to the institution: the filer sees nothing
    assert client.get(f"/api/v1/findings/{fid}", headers=bearer(filer_a)).status_code == 404
    assert client.get("/api/v1/findings", headers=bearer(filer_a)).get_json()["items"] == []
    assert client.post(f"/api/v1/findings/{fid}/open", headers=bearer(nfra_read)).status_code == 403
    opened = client.post(f"/api/v1/findings/{fid}/open", headers=bearer(nfra))
    assert opened.status_code == 200 and opened.get_json()["visible_to_institution"] is True
    seen = client.get(f"/api/v1/findings/{fid}", headers=bearer(filer_a)).get_json()
    assert seen["id"] == fid and seen["referrals"] == []
    assert client.get(f"/api/v1/findings/{fid}", headers=bearer(filer_b)).status_code == 404
    answered = client.post(f"/api/v1/findings/{fid}/answer", headers=bearer(filer_a),
                           data={"text": "已整改 / fixed", "attachment": (io.BytesIO(b"evidence"), "proof.txt")},
                           content_type="multipart/form-data")
    assert answered.status_code == 200, answered.get_json()
    body = answered.get_json()
    assert body["status"] == "EXPLAINED"
    att = [e for e in body["events"] if e["attachment_name"] == "proof.txt"]
    assert att and att[0]["attachment_sha256"] == hashlib.sha256(b"evidence").hexdigest()
    empty = client.post(f"/api/v1/findings/{fid}/answer", headers=bearer(filer_a), json={"text": ""})
    assert empty.status_code == 422 and empty.get_json()["errors"][0]["field"] == "text"
    bad_move = client.post(f"/api/v1/findings/{fid}/status", headers=bearer(nfra), json={"to_status": "CLOSED"})
    assert bad_move.status_code == 400 and "关闭须填写说明" in bad_move.get_json()["message_zh"]
    closed = client.post(f"/api/v1/findings/{fid}/status", headers=bearer(nfra),
                         json={"to_status": "CLOSED", "note": "说明充分 / explained"})
    assert closed.status_code == 200 and closed.get_json()["status"] == "CLOSED"
    db.session.expire_all()
    assert db.session.get(Finding, fid).status == "CLOSED"


def test_referral_through_the_api(app, db, world, client):
    nfra, pboc, pboc_read = _tokens(db, world, ("analyst_nfra", "manage"), ("analyst_pboc", "manage"),
                                    ("analyst_pboc", "read"))
    rid = world.referral_c.id
    # the referral brings finding C into PBOC's view (§1.4)
    assert client.get(f"/api/v1/findings/{world.finding_c.id}", headers=bearer(pboc_read)).status_code == 200
    assert client.post(f"/api/v1/referrals/{rid}/accept", headers=bearer(nfra), json={}).status_code == 403
    assert client.post(f"/api/v1/referrals/{rid}/approve", headers=bearer(pboc), json={}).status_code == 404
    accepted = client.post(f"/api/v1/referrals/{rid}/accept", headers=bearer(pboc), json={})
    assert accepted.status_code == 200 and accepted.get_json()["status"] == "ACCEPTED"
    answered = client.post(f"/api/v1/referrals/{rid}/answer", headers=bearer(pboc), json={"text": "已核查 / checked"})
    assert answered.status_code == 200 and answered.get_json()["answer"] == "已核查 / checked"
    again = client.post(f"/api/v1/referrals/{rid}/answer", headers=bearer(pboc), json={"text": "x"})
    assert again.status_code == 409
    new = client.post(f"/api/v1/findings/{world.finding_a.id}/refer", headers=bearer(nfra),
                      json={"agency": "PBOC", "note": "请协助 / please help"})
    assert new.status_code == 201 and new.get_json()["to_agency"] == "PBOC"
    unknown = client.post(f"/api/v1/findings/{world.finding_a.id}/refer", headers=bearer(nfra),
                          json={"agency": "NOPE", "note": "x"})
    assert unknown.status_code == 422


def test_exports_generate_list_download(app, db, world, client):
    sup, filer_a, filer_b = _tokens(db, world, ("supervisor", "manage"), ("filer_a", "submit"), ("filer_b", "read"))
    made = client.post("/api/v1/exports", headers=bearer(sup), json={"period": world.period.code, "kind": "summary"})
    assert made.status_code == 201, made.get_json()
    exp = made.get_json()
    listed = client.get(f"/api/v1/exports?period={world.period.code}", headers=bearer(sup)).get_json()
    assert exp["id"] in [e["id"] for e in listed["items"]]
    got = client.get(f"/api/v1/exports/{exp['id']}/file", headers=bearer(sup))
    assert got.status_code == 200 and hashlib.sha256(got.data).hexdigest() == exp["sha256"]
    got.close()
    assert client.get(f"/api/v1/exports/{exp['id']}/file", headers=bearer(filer_b)).status_code == 404
    theirs = client.get("/api/v1/exports", headers=bearer(filer_b)).get_json()["items"]
    assert exp["id"] not in [e["id"] for e in theirs]
    refused = client.post("/api/v1/exports", headers=bearer(filer_a), json={"period": world.period.code,
                                                                            "kind": "summary"})
    assert refused.status_code == 403
    assert client.post("/api/v1/exports", headers=bearer(filer_b),
                       json={"period": world.period.code, "kind": "feedback"}).status_code == 403  # read scope


def test_register_import(app, db, world, client):
    sup, sup_read = _tokens(db, world, ("supervisor", "manage"), ("supervisor", "read"))
    text = "\ufeff" + ",".join(HEAD) + "\n" + f"12378-API-1,{world.inst_a.code},2024-02-03,12378,B14,C05,催收\n"
    data = text.encode("utf-8")
    assert client.post("/api/v1/register/imports", headers=bearer(sup_read), data=data,
                       content_type="text/csv").status_code == 403
    resp = client.post("/api/v1/register/imports?filename=reg.csv", headers=bearer(sup), data=data,
                       content_type="text/csv")
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert body["status"] == "IMPORTED" and body["counts"]["created"] == 1
    assert db.session.get(RegisterUpload, body["id"]).sha256 == hashlib.sha256(data).hexdigest()
    bad = client.post("/api/v1/register/imports?filename=bad.csv", headers=bearer(sup),
                      data=(",".join(HEAD) + "\n12378-API-2,NOTACODE,never,12378,B14,C05,\n").encode(),
                      content_type="text/csv")
    assert bad.status_code == 201 and bad.get_json()["status"] == "REJECTED"
    assert {i["rule"] for i in bad.get_json()["issues"]}
    assert client.post("/api/v1/register/imports", headers=bearer(sup), data="x",
                       content_type="text/plain").status_code == 415


def test_job_runs_for_admins(app, db, world, client):
    from supervision.jobs.models import JobRun
    from supervision.timeutil import utcnow

    admin, sup = _tokens(db, world, ("admin", "read"), ("supervisor", "read"))
    run = JobRun(job_id="daily-reminders", scheduled_for=utcnow(), trigger="manual", status="success", attempts=1,
                 runner="test:1", started_at=utcnow(), output={"sent": 0})
    db.session.add(run)
    db.session.commit()
    listed = client.get("/api/v1/jobs/runs?job=daily-reminders", headers=bearer(admin)).get_json()
    assert [r["id"] for r in listed["items"]] == [run.id]
    assert client.get(f"/api/v1/jobs/runs/{run.id}", headers=bearer(admin)).get_json()["output"] == {"sent": 0}
    assert client.get("/api/v1/jobs/runs", headers=bearer(sup)).status_code == 403
    assert db.session.scalar(select(JobRun.id).where(JobRun.id == run.id)) == run.id
