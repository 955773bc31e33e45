"""A killed child leaves nothing partial (FAILED, re-runnable); concurrent uploads get distinct
version numbers; hostile files are refused with their own rule while the server stays up."""

from __future__ import annotations

import io
import os
import signal
import threading
import time
import zipfile
from pathlib import Path

from sqlalchemy import func, select

from supervision.extensions import db
from supervision.filings import services
from supervision.filings.content_models import ComplaintRow, ValidationIssue
from supervision.filings.models import FilingVersion
from supervision.filings.runner import run_version, start_child, wait_child
from tests.conftest import PASSWORD, csrf_from, login
from tests.filings.workbooks import big_cmp_workbook


def _submit(world, inst, path, name=None):
    with path.open("rb") as fh:
        stored = services.store_original(fh)
    sub = services.submit(None, inst, world.current, "CMP", stored, name or path.name)
    db.session.commit()
    return sub.version.id


def _rows_of(version_id: int) -> int:
    db.session.rollback()
    q = select(func.count()).select_from(ComplaintRow).where(ComplaintRow.version_id == version_id)
    return db.session.scalar(q)


def test_sigkill_mid_ingest_leaves_nothing_and_rerun_succeeds(ctx, tmp_path):
    _app, world = ctx
    p = world.current
    path = big_cmp_workbook(tmp_path / "big.xlsx", code=world.inst_a.code, name=world.inst_a.name, period=p.code,
                            period_start=p.start_date, n=30_000)
    vid = _submit(world, world.inst_a, path)
    proc = start_child(vid)
    deadline = time.monotonic() + 120
    stage = None
    while time.monotonic() < deadline:
        db.session.rollback()
        v = db.session.get(FilingVersion, vid)
        stage = (v.progress or {}).get("stage")
        if stage in ("reading", "validating", "storing") and (v.progress or {}).get("rows_read", 0) >= 5000:
            break
        time.sleep(0.05)
    assert stage in ("reading", "validating", "storing"), f"child never got going (stage {stage})"
    os.killpg(proc.pid, signal.SIGKILL)
    assert wait_child(proc, vid) == "FAILED"
    db.session.rollback()
    v = db.session.get(FilingVersion, vid)
    assert "SIGKILL" in v.failure
    assert _rows_of(vid) == 0
    assert db.session.scalar(select(func.count()).select_from(ValidationIssue)
                             .where(ValidationIssue.version_id == vid)) == 0
    status = run_version(vid)
    db.session.rollback()
    assert status == "ACCEPTED", db.session.get(FilingVersion, vid).failure
    assert _rows_of(vid) == 30_000


def test_memory_limit_fails_cleanly(ctx, tmp_path):
    app, world = ctx
    p = world.current
    path = big_cmp_workbook(tmp_path / "mem.xlsx", code=world.inst_c.code, name=world.inst_c.name, period=p.code,
                            period_start=p.start_date, n=2_000)
    vid = _submit(world, world.inst_c, path)
    configured = app.config["INGEST_MEMORY_LIMIT_MB"]
    app.config["INGEST_MEMORY_LIMIT_MB"] = 60  # far too little for Python + the app
    try:
        status = run_version(vid)
    finally:
        app.config["INGEST_MEMORY_LIMIT_MB"] = configured
    assert status == "FAILED"
    assert _rows_of(vid) == 0
    assert run_version(vid) == "ACCEPTED"


def test_concurrent_uploads_get_distinct_versions(ctx, tmp_path):
    app, world = ctx
    p = world.current
    paths = [big_cmp_workbook(tmp_path / f"c{i}.xlsx", code=world.inst_b.code, name=world.inst_b.name,
                              period=p.code, period_start=p.start_date, n=10 + i, transactions=1000)
             for i in range(4)]
    results, errors = [], []
    barrier = threading.Barrier(len(paths))

    def upload(path):
        try:
            with app.app_context():
                barrier.wait()
                with path.open("rb") as fh:
                    stored = services.store_original(fh)
                period = db.session.get(type(p), p.id)
                inst = db.session.get(type(world.inst_b), world.inst_b.id)
                sub = services.submit(None, inst, period, "CMP", stored, path.name)
                db.session.commit()
                results.append((sub.version.id, sub.version.number))
                db.session.remove()
        except Exception as exc:  # collected and asserted below
            errors.append(repr(exc))

    threads = [threading.Thread(target=upload, args=(path,)) for path in paths]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    numbers = sorted(n for _, n in results)
    assert len(set(numbers)) == len(paths), numbers
    for vid, _ in sorted(results, key=lambda r: r[1]):
        run_version(vid)
    db.session.rollback()
    states = {n: db.session.get(FilingVersion, vid).status for vid, n in results}
    top = max(states)
    failures = {n: db.session.get(FilingVersion, vid).failure for vid, n in results}
    assert states[top] == "ACCEPTED" and all(s == "SUPERSEDED" for n, s in states.items() if n != top), \
        (states, failures)


def _zip_bomb() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
        z.writestr("xl/worksheets/sheet1.xml", b"\0" * (60 * 1024 * 1024))
    return buf.getvalue()


def test_hostile_uploads_are_refused_and_kept(ctx):
    app, world = ctx
    client = app.test_client()
    login(client, world.users.filer_c.email if hasattr(world.users, "filer_c") else world.users.filer_a.email,
          PASSWORD)
    from tests.ingest.helpers import write_cfb, write_ods, write_xls

    tmp = Path(app.config["INSTANCE_PATH"]) / "hostile"
    tmp.mkdir(exist_ok=True)
    encrypted = write_cfb(tmp / "enc.xlsx", {"EncryptionInfo": b"\4\0\4\0" + b"\1" * 600,
                                             "EncryptedPackage": b"\x9a" * 1500}).read_bytes()
    cases = [("F05", _zip_bomb(), ""), ("F01", b"col1,col2\n1,2\n", "CSV"),
             ("F02", encrypted, "工作簿已加密"),
             ("F01", write_xls(tmp / "old.xls").read_bytes(), "旧版 Excel 97-2003 工作簿（.xls）"),
             ("F01", write_ods(tmp / "calc.ods").read_bytes(), "OpenDocument 电子表格（.ods）")]
    for rule, content, words in cases:
        page = client.get("/filings/upload")
        resp = client.post("/filings/upload", content_type="multipart/form-data", data={
            "csrf_token": csrf_from(page.get_data(as_text=True)), "period": world.current.code, "kind": "DSC",
            "file": (io.BytesIO(content), f"{rule}.xlsx")})
        assert resp.status_code == 302
        vid = int(resp.headers["Location"].split("/")[-1])
        db.session.rollback()
        v = db.session.get(FilingVersion, vid)
        assert v.status == "REJECTED" and rule in v.rule_totals, (rule, v.status, v.rule_totals, v.failure)
        assert v.size == len(content)
        report = client.get(f"/filings/versions/{vid}").get_data(as_text=True)
        assert rule in report
        if rule != "F05":
            assert words in report, (rule, words)
        if words.startswith(("旧版", "OpenDocument")):  # how to save as .xlsx in Excel, WPS and LibreOffice
            assert all(w in report for w in ("Excel 工作簿 (*.xlsx)", "WPS 表格", "LibreOffice Calc"))
        assert client.get(f"/filings/versions/{vid}/annotated.xlsx").status_code == 302  # explained, not annotated
    assert client.get("/healthz").status_code == 200
