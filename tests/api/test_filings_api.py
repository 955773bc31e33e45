"""Machine submission through /api/v1 (issue 13): upload (multipart and raw body), poll, issues,
downloads, Idempotency-Key, large uploads refused before reading, concurrent uploads, scoping,
withdraw/accept/return — on both databases with the real ingest pipeline."""

from __future__ import annotations

import hashlib
import io
import threading

import openpyxl
from sqlalchemy import func, select

from supervision.extensions import db
from supervision.filings.models import FilingVersion
from tests.api.helpers import bearer, good_rows, good_workbook, token_for
from tests.filings.workbooks import cmp_workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _tokens(world, *specs):
    out = [token_for(getattr(world.users, role), scope) for role, scope in specs]
    db.session.commit()
    return out


def _multipart(client, secret, path, period, kind="CMP", **headers):
    with open(path, "rb") as fh:
        return client.post(f"/api/v1/filings?period={period}&kind={kind}", headers=bearer(secret, **headers),
                           data={"file": (fh, path.name)}, content_type="multipart/form-data")


def test_submit_poll_issues_downloads(ctx, tmp_path):
    app, world = ctx
    client = app.test_client()
    (secret,) = _tokens(world, ("filer_a", "submit"))
    path = good_workbook(tmp_path / "a.xlsx", world.inst_a, world.current)
    resp = _multipart(client, secret, path, world.current.code)
    assert resp.status_code == 202, resp.get_json()
    body = resp.get_json()
    assert body["created"] is True and resp.headers["Location"].endswith(body["status_url"])
    status = client.get(body["status_url"], headers=bearer(secret)).get_json()
    assert status["status"] == "ACCEPTED", status
    assert status["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert (status["institution"], status["period"], status["kind"]) == (world.inst_a.code, world.current.code, "CMP")
    issues = client.get(status["links"]["issues"], headers=bearer(secret)).get_json()
    assert issues["status"] == "ACCEPTED" and issues["totals"].get("C06") is None
    original = client.get(status["links"]["original"], headers=bearer(secret))
    assert original.status_code == 200 and original.data == path.read_bytes()
    original.close()
    annotated = client.get(status["links"]["annotated"], headers=bearer(secret))
    assert annotated.status_code == 200 and annotated.mimetype == XLSX
    assert "校验结果" in openpyxl.load_workbook(io.BytesIO(annotated.data)).sheetnames
    annotated.close()


def test_rejected_upload_lists_issues_with_rule_ids_and_cursor(ctx, tmp_path):
    app, world = ctx
    client = app.test_client()
    (secret,) = _tokens(world, ("filer_a", "submit"))
    period = world.current
    # the summary says 按时办结 1 for B05 where the detail derives 0: C06 at 投诉汇总!D3 (as the page test)
    path = cmp_workbook(tmp_path / "bad.xlsx", code=world.inst_a.code, name=world.inst_a.name, period=period.code,
                        rows=good_rows(period.start_date), period_start=period.start_date,
                        summary=[["B14", 2, 2, 1, 0, 0], ["B05", 1, 1, 1, 1, 1], ["合计", 3, 3, 2, 1, 1]])
    resp = client.post(f"/api/v1/filings?period={period.code}&kind=CMP&filename=bad.xlsx", data=path.read_bytes(),
                       headers=bearer(secret), content_type=XLSX)
    assert resp.status_code == 202, resp.get_json()
    vid = resp.get_json()["version"]["id"]
    v = client.get(f"/api/v1/versions/{vid}", headers=bearer(secret)).get_json()
    assert v["status"] == "REJECTED" and v["original_filename"] == "bad.xlsx"
    first = client.get(f"/api/v1/versions/{vid}/issues?limit=1", headers=bearer(secret)).get_json()
    assert first["totals"]["C06"] >= 1 and len(first["items"]) == 1
    seen = list(first["items"])
    cursor = first["next_cursor"]
    while cursor:
        page = client.get(f"/api/v1/versions/{vid}/issues?limit=1&cursor={cursor}", headers=bearer(secret)).get_json()
        seen.extend(page["items"])
        cursor = page["next_cursor"]
    stored = db.session.scalar(select(func.count()).select_from(FilingVersion).where(FilingVersion.id == vid))
    assert stored == 1
    assert sum(first["totals"].values()) >= len(seen) > 0
    c06 = [i for i in seen if i["rule"] == "C06"]
    assert c06 and c06[0]["sheet"] == "投诉汇总" and set(c06[0]) >= {"rule", "severity", "sheet", "row", "column",
                                                                   "field", "value", "message_zh", "message_en"}
    only = client.get(f"/api/v1/versions/{vid}/issues?rule=C06", headers=bearer(secret)).get_json()
    assert {i["rule"] for i in only["items"]} == {"C06"}


def test_idempotency_key_and_identical_file(ctx, tmp_path):
    app, world = ctx
    client = app.test_client()
    (secret,) = _tokens(world, ("filer_b", "submit"))
    period = world.current
    p1 = good_workbook(tmp_path / "b1.xlsx", world.inst_b, period)
    first = _multipart(client, secret, p1, period.code, **{"Idempotency-Key": "batch-7"})
    assert first.status_code == 202
    again = _multipart(client, secret, p1, period.code, **{"Idempotency-Key": "batch-7"})
    assert again.status_code == 200 and again.get_json()["created"] is False
    assert again.get_json()["version"]["id"] == first.get_json()["version"]["id"]
    rows = good_rows(period.start_date)[:3]
    p2 = good_workbook(tmp_path / "b2.xlsx", world.inst_b, period, rows=rows)
    clash = _multipart(client, secret, p2, period.code, **{"Idempotency-Key": "batch-7"})
    assert clash.status_code == 409 and clash.get_json()["code"] == "idempotency_key_reused"
    plain = _multipart(client, secret, p1, period.code)
    assert plain.status_code == 200 and plain.get_json()["version"]["id"] == first.get_json()["version"]["id"]
    fresh = _multipart(client, secret, p2, period.code, **{"Idempotency-Key": "batch-8"})
    assert fresh.status_code == 202
    assert fresh.get_json()["version"]["number"] == first.get_json()["version"]["number"] + 1


class _Exploding(io.BytesIO):
    """A request body that counts (and refuses) every read."""

    reads = 0

    def _refuse(self, *args):
        type(self).reads += 1
        raise AssertionError("the body was read")

    read = read1 = readinto = readline = readlines = _refuse


def test_large_upload_refused_before_reading(ctx):
    app, world = ctx
    client = app.test_client()
    (secret,) = _tokens(world, ("filer_a", "submit"))
    limit = int(app.config["MAX_UPLOAD_BYTES"])
    before = db.session.scalar(select(func.count()).select_from(FilingVersion))
    resp = client.post(f"/api/v1/filings?period={world.current.code}&kind=CMP", input_stream=_Exploding(),
                       environ_overrides={"CONTENT_LENGTH": str(limit + 10 * 1024 * 1024)}, content_type=XLSX,
                       headers=bearer(secret))
    assert resp.status_code == 413
    body = resp.get_json()
    assert body["code"] == "payload_too_large" and body["errors"][0]["rule"] == "F05"
    assert _Exploding.reads == 0
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(FilingVersion)) == before


def test_bad_uploads(ctx, tmp_path):
    app, world = ctx
    client = app.test_client()
    read, submit = _tokens(world, ("filer_a", "read"), ("filer_a", "submit"))
    code = world.current.code
    text = client.post(f"/api/v1/filings?period={code}&kind=CMP", data="hello", content_type="text/plain",
                       headers=bearer(submit))
    assert text.status_code == 415 and text.get_json()["code"] == "unsupported_media_type"
    nofile = client.post(f"/api/v1/filings?period={code}&kind=CMP", data={"x": "1"},
                         content_type="multipart/form-data", headers=bearer(submit))
    assert nofile.status_code == 400 and nofile.get_json()["code"] == "file_missing"
    noperiod = client.post("/api/v1/filings?kind=XYZ", data=b"x", content_type=XLSX, headers=bearer(submit))
    assert noperiod.status_code == 422
    fields = {(e["location"], e["field"]) for e in noperiod.get_json()["errors"]}
    assert fields == {("query", "period"), ("query", "kind")}
    scoped = client.post(f"/api/v1/filings?period={code}&kind=CMP", data=b"x", content_type=XLSX,
                         headers=bearer(read))
    assert scoped.status_code == 403 and scoped.get_json()["code"] == "insufficient_scope"
    other = client.post(f"/api/v1/filings?period={code}&kind=CMP&institution={world.inst_b.code}", data=b"x",
                        content_type=XLSX, headers=bearer(submit))
    assert other.status_code == 404
    locked = good_workbook(tmp_path / "old.xlsx", world.inst_a, world.period)
    refused = client.post(f"/api/v1/filings?period={world.period.code}&kind=CMP", data=locked.read_bytes(),
                          content_type=XLSX, headers=bearer(submit))
    assert refused.status_code == 409 and "锁定" in refused.get_json()["message_zh"]


def test_concurrent_submissions_get_consecutive_versions(ctx, tmp_path):
    app, world = ctx
    (secret,) = _tokens(world, ("filer_a", "submit"))
    period = world.current
    rows = good_rows(period.start_date)
    paths = [good_workbook(tmp_path / f"c{i}.xlsx", world.inst_a, period, rows=rows[: 2 + i]) for i in range(2)]
    results: list = [None, None]

    def go(i):
        results[i] = _multipart(app.test_client(), secret, paths[i], period.code)

    threads = [threading.Thread(target=go, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [r.status_code for r in results] == [202, 202], [r.get_json() for r in results]
    numbers = sorted(r.get_json()["version"]["number"] for r in results)
    assert numbers[1] == numbers[0] + 1


def test_scoping_by_id_filter_and_cursor(ctx, tmp_path):
    app, world = ctx
    client = app.test_client()
    a_tok, b_tok, pboc = _tokens(world, ("filer_a", "read"), ("filer_b", "read"), ("analyst_pboc", "read"))
    va = world.filing_a.versions[0].id
    for path in (f"/api/v1/versions/{va}", f"/api/v1/versions/{va}/issues", f"/api/v1/versions/{va}/original",
                 f"/api/v1/versions/{va}/annotated"):
        assert client.get(path, headers=bearer(b_tok)).status_code == 404, path
        assert client.get(path, headers=bearer(pboc)).status_code == 404, path
    assert client.get(f"/api/v1/versions/{va}", headers=bearer(a_tok)).status_code == 200
    own = client.get(f"/api/v1/versions/{va}/original", headers=bearer(a_tok))
    assert own.status_code == 200
    own.close()
    listed = client.get(f"/api/v1/filings?q={world.inst_a.code}", headers=bearer(b_tok)).get_json()
    assert listed["items"] == []
    a_page = client.get("/api/v1/filings?limit=1", headers=bearer(a_tok)).get_json()
    b_all = client.get("/api/v1/filings?limit=200", headers=bearer(b_tok)).get_json()
    assert {f["institution"] for f in b_all["items"]} == {world.inst_b.code}
    if a_page["next_cursor"]:
        via = client.get(f"/api/v1/filings?cursor={a_page['next_cursor']}", headers=bearer(b_tok)).get_json()
        assert {f["institution"] for f in via["items"]} <= {world.inst_b.code}
    forged = client.get("/api/v1/filings?cursor=eyJhZnRlciI6OTl9.forged", headers=bearer(b_tok))
    assert forged.status_code == 400 and forged.get_json()["code"] == "invalid_cursor"
    inst = client.get(f"/api/v1/institutions/{world.inst_a.id}", headers=bearer(b_tok))
    assert inst.status_code == 404
    assert [i["code"] for i in client.get("/api/v1/institutions", headers=bearer(b_tok)).get_json()["items"]] \
        == [world.inst_b.code]


def test_withdraw_and_supervisor_decisions(ctx, tmp_path):
    app, world = ctx
    client = app.test_client()
    a_submit, a_read, sup_manage, sup_read = _tokens(world, ("filer_a", "submit"), ("filer_a", "read"),
                                                     ("supervisor", "manage"), ("supervisor", "read"))
    period = world.current
    path = good_workbook(tmp_path / "w.xlsx", world.inst_a, period, rows=good_rows(period.start_date)[:1])
    vid = _multipart(client, a_submit, path, period.code).get_json()["version"]["id"]
    note = {"note": "重复报送，撤回 / duplicate"}
    assert client.post(f"/api/v1/versions/{vid}/withdraw", json=note, headers=bearer(a_read)).status_code == 403
    empty = client.post(f"/api/v1/versions/{vid}/withdraw", json={}, headers=bearer(a_submit))
    assert empty.status_code == 422 and empty.get_json()["errors"][0]["field"] == "note"
    done = client.post(f"/api/v1/versions/{vid}/withdraw", json=note, headers=bearer(a_submit))
    assert done.status_code == 200 and done.get_json()["status"] == "WITHDRAWN"
    twice = client.post(f"/api/v1/versions/{vid}/withdraw", json=note, headers=bearer(a_submit))
    assert twice.status_code == 409 and twice.get_json()["message_zh"]
    assert client.post(f"/api/v1/versions/{vid}/accept", headers=bearer(a_submit)).status_code == 403
    assert client.post(f"/api/v1/versions/{vid}/accept", headers=bearer(sup_read)).status_code == 403
    refused = client.post(f"/api/v1/versions/{vid}/accept", headers=bearer(sup_manage))
    assert refused.status_code == 409 and refused.get_json()["code"] == "conflict"
    path2 = good_workbook(tmp_path / "w2.xlsx", world.inst_a, period, rows=good_rows(period.start_date)[:2])
    v2 = _multipart(client, a_submit, path2, period.code).get_json()["version"]["id"]
    returned = client.post(f"/api/v1/versions/{v2}/return", json={"note": "请补充 / please complete"},
                           headers=bearer(sup_manage))
    assert returned.status_code == 200 and returned.get_json()["status"] == "RETURNED"
    assert returned.get_json()["note"]
