"""The regulator register (§7): .xlsx and .csv imports, all or nothing, idempotent, scoped listing."""

from __future__ import annotations

import datetime as dt
import io
import json

import xlsxwriter
from sqlalchemy import func, select

from supervision.extensions import db
from supervision.register.models import RegisterEntry, RegisterUpload
from tests.conftest import PASSWORD, csrf_from, login

HEAD = ["转办单号", "机构代码", "转办日期", "来源热线", "业务类别", "投诉原因", "投诉摘要"]


def _xlsx(rows) -> bytes:
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_numbers": False})
    ws = wb.add_worksheet("监管转办登记")
    fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    ws.write_row(0, 0, HEAD)
    for i, r in enumerate(rows, start=1):
        for j, v in enumerate(r):
            if isinstance(v, dt.date):
                ws.write_datetime(i, j, dt.datetime.combine(v, dt.time()), fmt)
            elif v is not None:
                ws.write_string(i, j, str(v))
    wb.close()
    return buf.getvalue()


def test_cli_import_xlsx_then_csv_is_idempotent(ctx, tmp_path):
    app, world = ctx
    runner = app.test_cli_runner()
    rows = [["12378-R-1", world.inst_a.code, dt.date(2024, 2, 3), "12378", "B14", "C05", "催收"],
            ["12363-R-2", world.inst_b.code, dt.date(2024, 4, 1), "12363", "B11", "C07", None]]
    path = tmp_path / "reg.xlsx"
    path.write_bytes(_xlsx(rows))
    out = runner.invoke(args=["register", "import", str(path), "--format", "json"])
    assert out.exit_code == 0, out.output
    body = json.loads(out.output)
    assert body["status"] == "IMPORTED" and body["counts"] == {"created": 2, "updated": 0, "unchanged": 0}
    periods = dict(db.session.execute(select(RegisterEntry.transfer_ref, RegisterEntry.period_code)).all())
    assert periods["12378-R-1"] == "2024Q1" and periods["12363-R-2"] == "2024Q2"
    csv_text = "\ufeff" + ",".join(HEAD) + "\n" + "\n".join([
        f"12378-R-1,{world.inst_a.code},2024-02-03,12378,B14,C05,催收",
        f"12363-R-2,{world.inst_b.code},2024/04/01,12363,网络支付,C07,"]) + "\n"
    csv_path = tmp_path / "reg.csv"
    csv_path.write_text(csv_text, encoding="utf-8")
    out = runner.invoke(args=["register", "import", str(csv_path), "--format", "json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)["counts"] == {"created": 0, "updated": 0, "unchanged": 2}
    gb = tmp_path / "reg-gb.csv"
    gb.write_bytes(csv_text.replace("\ufeff", "").replace("催收", "暴力催收").encode("gb18030"))
    out = runner.invoke(args=["register", "import", str(gb), "--format", "json"])
    assert json.loads(out.output)["counts"] == {"created": 0, "updated": 1, "unchanged": 1}


def test_bad_register_is_rejected_whole(ctx, tmp_path):
    app, world = ctx
    before = db.session.scalar(select(func.count()).select_from(RegisterEntry))
    rows = [["12378-X-1", world.inst_a.code, dt.date(2024, 2, 3), "12378", "B14", "C05", None],
            ["12378-X-2", "91350100M000100Y43", dt.date(2024, 2, 3), "12378", "B14", "C05", None],
            ["12378-X-3", world.inst_a.code, "not a date", "12378", "B14", "C05", None]]
    path = tmp_path / "bad.xlsx"
    path.write_bytes(_xlsx(rows))
    out = app.test_cli_runner().invoke(args=["register", "import", str(path), "--format", "json"])
    assert out.exit_code == 1
    body = json.loads(out.output)
    assert body["status"] == "REJECTED"
    assert {(e["rule"], e["row"]) for e in body["errors"]} >= {("V02", 4)}
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(RegisterEntry)) == before
    assert db.session.get(RegisterUpload, body["upload_id"]).sha256 == body["sha256"]


def test_web_upload_by_supervisor_and_scoped_listing(ctx):
    app, world = ctx
    sup = app.test_client()
    login(sup, world.users.supervisor.email, PASSWORD)
    page = sup.get("/register/")
    content = _xlsx([["12378-W-1", world.inst_c.code, dt.date(2024, 3, 3), "12378", "B14", "C02", None],
                     ["12363-W-2", world.inst_b.code, dt.date(2024, 3, 4), "12363", "B11", "C07", None]])
    resp = sup.post("/register/", content_type="multipart/form-data", data={
        "csrf_token": csrf_from(page.get_data(as_text=True)), "file": (io.BytesIO(content), "w.xlsx")})
    assert resp.status_code == 302
    listing = sup.get("/register/").get_data(as_text=True)
    assert "12378-W-1" in listing and "12363-W-2" in listing  # NFRA sees PAY via sharing
    pboc = app.test_client()
    login(pboc, world.users.analyst_pboc.email, PASSWORD)
    text = pboc.get("/register/").get_data(as_text=True)
    assert "12363-W-2" in text and "12378-W-1" not in text
    filer = app.test_client()
    login(filer, world.users.filer_a.email, PASSWORD)
    assert filer.get("/register/").status_code == 403
