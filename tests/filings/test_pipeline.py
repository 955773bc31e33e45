"""End to end: template → filled → uploaded (web and CLI) → validated in a child process →
stored all-or-nothing; rejection, annotation, duplicates, supersession, dry run, locked periods."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
from pathlib import Path

import openpyxl
from sqlalchemy import func, select

from supervision.extensions import db
from supervision.filings.content_models import ComplaintRow, CoverFigures, DerivedFigures, SummaryRow
from supervision.filings.models import Filing, FilingVersion
from tests.conftest import PASSWORD, csrf_from, login
from tests.filings.workbooks import FAVOURABLE, cmp_workbook, detail_row


def _rows(start: dt.date) -> list[dict]:
    d = lambda n: start + dt.timedelta(days=n)  # noqa: E731
    return [
        detail_row("A-1", d(2), closed=d(9), outcome="UPHELD", summary="电话 13812345678 催收"),
        detail_row("A-2", d(5), status="OPEN", source="REGULATOR", transfer_ref="12378-1", category="B05"),
        detail_row("A-3", d(10), closed=d(45), extension="EXT30", outcome="NOT_UPHELD", escalated=True),
        detail_row("A-4", start - dt.timedelta(days=20), closed=d(3), outcome="SETTLED", category="B05"),
    ]


def _upload(client, path: Path, period: str, kind="CMP", dry=False):
    page = client.get("/filings/upload")
    token = csrf_from(page.get_data(as_text=True))
    data = {"csrf_token": token, "period": period, "kind": kind,
            "file": (io.BytesIO(path.read_bytes()), path.name)}
    if dry:
        data["dry_run"] = "y"
    return client.post("/filings/upload", data=data, content_type="multipart/form-data")


def test_round_trip_web(ctx, tmp_path):
    app, world = ctx
    period = world.current
    client = app.test_client()
    login(client, world.users.filer_a.email, PASSWORD)
    tpl = client.get(f"/filings/template/CMP?period={period.code}")
    assert tpl.status_code == 200
    cover = openpyxl.load_workbook(io.BytesIO(tpl.data))["封面"]
    prefilled = {cover.cell(r, 1).value: cover.cell(r, 2).value for r in range(1, cover.max_row + 1)}
    assert prefilled["机构代码"] == world.inst_a.code and prefilled["报送期"] == period.code
    rows = _rows(period.start_date)
    path = cmp_workbook(tmp_path / "a.xlsx", code=world.inst_a.code, name=world.inst_a.name, period=period.code,
                        rows=rows, period_start=period.start_date)
    resp = _upload(client, path, period.code)
    assert resp.status_code == 302, resp.get_data(as_text=True)[-2000:]
    version_id = int(resp.headers["Location"].rstrip("/").split("/")[-1])
    v = db.session.get(FilingVersion, version_id)
    assert v.status == "ACCEPTED", (v.status, v.failure, v.rule_totals)
    assert v.sha256 == hashlib.sha256(path.read_bytes()).hexdigest() and v.size == path.stat().st_size
    stored = Path(app.config["UPLOAD_FOLDER"]) / v.storage_path
    assert stored.read_bytes() == path.read_bytes()
    assert v.rule_totals == {"W-PII": 1} and v.on_time is True
    got = {r.complaint_id: r for r in db.session.scalars(select(ComplaintRow).where(ComplaintRow.version_id == v.id))}
    assert set(got) == {"A-1", "A-2", "A-3", "A-4"}
    for src in rows:
        row = got[src["complaint_id"]]
        assert row.received_date == src["received_date"] and row.status == src["status"]
        assert row.business_category == src["business_category"] and row.closed_date == src["closed_date"]
    assert got["A-1"].summary == "电话 138****5678 催收"  # W-PII masked on ingest
    assert got["A-4"].carried_over is True and got["A-3"].on_time is False and got["A-1"].days_to_close == 7
    # §4.4 derived figures (set-based SQL) against the spec's formulas computed here
    total = db.session.scalar(select(DerivedFigures).where(DerivedFigures.version_id == v.id,
                                                           DerivedFigures.business_category.is_(None)))
    received = [r for r in rows if r["received_date"] >= period.start_date]
    closed = [r for r in rows if r["status"] == "CLOSED"]
    assert total.opening == 1 and total.received == len(received) == 3
    assert total.closed == len(closed) and total.open_end == 1
    assert total.favourable == sum(1 for r in closed if r["outcome"] in FAVOURABLE)
    deadline = {"NONE": 15, "EXT30": 30, "EXT60": 60}
    on_time = sum(1 for r in closed if (r["closed_date"] - r["received_date"]).days <= deadline[r["extension"]])
    assert total.escalated == 1 and total.regulator == 1 and total.on_time == on_time == 1
    assert db.session.scalar(select(CoverFigures.active_customers).where(CoverFigures.version_id == v.id)) == 250_000
    page = client.get(f"/filings/versions/{v.id}").get_data(as_text=True)
    assert "W-PII" in page and v.sha256 in page


def test_rejected_file_is_explained_and_annotated(ctx, tmp_path):
    app, world = ctx
    period = world.current
    rows = _rows(period.start_date)
    # B05's 按时办结 says 1 but the detail derives 0 (the carried-over row closed late): C06 at 投诉汇总!D3
    path = cmp_workbook(tmp_path / "bad.xlsx", code=world.inst_a.code, name=world.inst_a.name, period=period.code,
                        rows=rows, period_start=period.start_date,
                        summary=[["B14", 2, 2, 1, 0, 0], ["B05", 1, 1, 1, 1, 1], ["合计", 3, 3, 2, 1, 1]])
    client = app.test_client()
    login(client, world.users.filer_a.email, PASSWORD)
    resp = _upload(client, path, period.code)
    v = db.session.get(FilingVersion, int(resp.headers["Location"].split("/")[-1]))
    assert v.status == "REJECTED"
    assert v.rule_totals == {"C06": 1, "W-PII": 1}
    assert db.session.scalar(select(func.count()).select_from(ComplaintRow).where(ComplaintRow.version_id == v.id)) == 0
    issues = client.get(f"/filings/versions/{v.id}/issues.json").get_json()
    c06 = next(e for e in issues["errors"] if e["rule"] == "C06")
    assert (c06["sheet"], c06["row"], c06["column"], c06["value"]) == ("投诉汇总", 3, "D", "1")
    annotated = client.get(f"/filings/versions/{v.id}/annotated.xlsx")
    assert annotated.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(annotated.data))
    assert "校验结果" in wb.sheetnames
    assert "C06" in wb["投诉汇总"]["D3"].comment.text
    assert "W-PII" in wb["投诉明细"]["U2"].comment.text
    csv_response = client.get(f"/filings/versions/{v.id}/issues.csv")
    assert csv_response.headers["Content-Type"] == "text/csv; charset=utf-8"  # the charset named once
    csv_text = csv_response.get_data(as_text=True)
    assert "C06" in csv_text and "W-PII" in csv_text


def test_duplicate_supersession_and_dry_run(ctx, tmp_path):
    app, world = ctx
    period = world.current
    client = app.test_client()
    login(client, world.users.filer_b.email, PASSWORD)
    start = period.start_date
    rows = [detail_row("B-1", start + dt.timedelta(days=1), closed=start + dt.timedelta(days=3), category="B11",
                       cause="C07", complaint_type="TXN", txn=2)]
    p1 = cmp_workbook(tmp_path / "b1.xlsx", code=world.inst_b.code, name=world.inst_b.name, period=period.code,
                      rows=rows, period_start=start, transactions=1_000_000)
    before = db.session.scalar(select(func.count()).select_from(FilingVersion))
    queued = _upload(client, p1, period.code, dry=True)  # background work (issue 11): a page to follow
    assert queued.status_code == 302 and "/filings/dry-runs/" in queued.headers["Location"]
    dry = client.get(queued.headers["Location"])
    text = dry.get_data(as_text=True)
    assert dry.status_code == 200 and "text-bg-success" in text and "未保存任何内容" in text, text[-3000:]
    assert "投诉明细：1" in text and "detail:" not in text  # sheets by their names, not their codes
    assert db.session.scalar(select(func.count()).select_from(FilingVersion)) == before
    assert client.get(queued.headers["Location"]).status_code == 404  # read once, then deleted
    from supervision.filings.dryrun import PREFIX
    from supervision.storage.service import storage

    assert not [k for k in storage("uploads").iter_keys() if k.startswith(PREFIX + "/")]  # the file went with it
    db.session.rollback()
    first_upload = _upload(client, p1, period.code)
    assert first_upload.status_code == 302, first_upload.get_data(as_text=True)[-3000:]
    v1 = int(first_upload.headers["Location"].split("/")[-1])
    again = _upload(client, p1, period.code)
    assert int(again.headers["Location"].split("/")[-1]) == v1  # identical file → same version
    rows.append(detail_row("B-2", start + dt.timedelta(days=2), status="OPEN", category="B10", cause="C04",
                           complaint_type="SVC"))
    p2 = cmp_workbook(tmp_path / "b2.xlsx", code=world.inst_b.code, name=world.inst_b.name, period=period.code,
                      rows=rows, period_start=start, transactions=1_000_000)
    v2 = int(_upload(client, p2, period.code).headers["Location"].split("/")[-1])
    db.session.rollback()  # end this test's read snapshot (SQLite WAL) before looking again
    first, second = db.session.get(FilingVersion, v1), db.session.get(FilingVersion, v2)
    assert (first.number, second.number) == (1, 2)
    assert (first.status, second.status) == ("SUPERSEDED", "ACCEPTED")
    assert first.note == "已被 v2 取代 / superseded by v2"  # bilingual, Chinese first
    # superseded content stays stored with its version; the latest accepted one counts
    from supervision.filings.counting import counting_version

    assert counting_version(world.inst_b.id, period.id, "CMP").id == v2


def test_locked_period_refuses_new_versions(ctx, tmp_path):
    app, world = ctx
    client = app.test_client()
    login(client, world.users.filer_a.email, PASSWORD)
    path = cmp_workbook(tmp_path / "old.xlsx", code=world.inst_a.code, name=world.inst_a.name, period="2024Q1",
                        rows=_rows(dt.date(2024, 1, 1)), period_start=dt.date(2024, 1, 1))
    resp = _upload(client, path, "2024Q1")
    assert resp.status_code == 409 and "锁定" in resp.get_data(as_text=True)


def test_cli_ingest_json_and_exit_codes(ctx, tmp_path):
    app, world = ctx
    period = world.current
    runner = app.test_cli_runner()
    day = period.start_date
    rows = [detail_row("C-1", day + dt.timedelta(days=1), closed=day + dt.timedelta(days=2))]
    good = cmp_workbook(tmp_path / "c.xlsx", code=world.inst_c.code, name=world.inst_c.name, period=period.code,
                        rows=rows, period_start=period.start_date)
    out = runner.invoke(args=["ingest", str(good), "--institution", world.inst_c.code, "--period", period.code,
                              "--kind", "CMP", "--format", "json"])
    assert out.exit_code == 0, out.output
    body = json.loads(out.output)
    assert body["status"] == "ACCEPTED" and body["rows"] == {"detail": 1, "summary": 2}
    assert body["sha256"] == hashlib.sha256(good.read_bytes()).hexdigest() and body["errors"] == []
    bad = cmp_workbook(tmp_path / "c2.xlsx", code=world.inst_a.code, name=world.inst_c.name, period=period.code,
                       rows=rows, period_start=period.start_date)
    out = runner.invoke(args=["ingest", str(bad), "--institution", world.inst_c.code, "--period", period.code,
                              "--kind", "CMP", "--format", "json"])
    assert out.exit_code == 1
    body = json.loads(out.output)
    assert body["status"] == "REJECTED" and any(e["rule"] == "V06" for e in body["errors"])
    assert set(body["errors"][0]) == {"rule", "severity", "sheet", "row", "column", "value", "message"}
    out = runner.invoke(args=["ingest", str(good), "--institution", "NOPE", "--period", period.code, "--kind", "CMP"])
    assert out.exit_code == 2
    out = runner.invoke(args=["ingest", str(good), "--institution", world.inst_c.code, "--period", period.code,
                              "--kind", "CMP", "--dry-run", "--format", "json"])
    assert out.exit_code == 0 and json.loads(out.output)["status"] == "VALIDATED"
    listing = json.loads(runner.invoke(args=["filings", "list", "--institution", world.inst_c.code,
                                             "--format", "json"]).output)
    assert any(f["latest"]["status"] == "REJECTED" for f in listing if f["period"] == period.code)
    filings = db.session.scalars(select(Filing).where(Filing.institution_id == world.inst_c.id)).all()
    assert filings and all(f.kind == "CMP" for f in filings)
    assert db.session.scalar(select(func.count()).select_from(SummaryRow)) > 0
