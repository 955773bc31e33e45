"""Issue 10 item 6: the register page is scoped — an upload's report belongs to the uploading agency
(a PBOC supervisor cannot open NFRA's), ``?upload=abc`` is a 400 not a 500 — paged with exact counts,
filtered by period, institution, hotline, category and reference, and exported as CSV with the page's
filters (scoped and audited). On committed data: an import starts the checks in the background."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from html import unescape

from sqlalchemy import func, select

from supervision.audit.models import AuditEvent
from supervision.extensions import db
from supervision.register.models import RegisterEntry, RegisterUpload
from tests.conftest import PASSWORD, csrf_from
from tests.web.test_lists import as_user, rows_in, total_on


def _import(app, supervisor, rows) -> int:
    head = ["转办单号", "机构代码", "转办日期", "来源热线", "业务类别", "投诉原因", "投诉摘要"]
    text = "\ufeff" + ",".join(head) + "\n" + "\n".join(",".join(r) for r in rows) + "\n"
    client = as_user(app, supervisor)
    token = csrf_from(client.get("/register/").get_data(as_text=True))
    resp = client.post("/register/", data={"csrf_token": token, "file": (io.BytesIO(text.encode()), "reg.csv")},
                       content_type="multipart/form-data")
    assert resp.status_code == 302, resp.get_data(as_text=True)[-500:]
    return int(resp.headers["Location"].split("upload=")[1])


def test_register_is_scoped_paged_filtered_and_exported(ctx):
    app, world = ctx
    from supervision.accounts.services import create_user
    from supervision.orgs.services import get_agency

    u = world.users
    pboc_sup = create_user(None, email="supervisor@pboc.test.cn", role="supervisor", password=PASSWORD,
                           agency_id=get_agency("PBOC").id)
    db.session.commit()
    rows = [[f"12378-L-{i:03d}", (world.inst_a if i % 2 else world.inst_c).code,
             (dt.date(2024, 1, 5) + dt.timedelta(days=i % 80)).isoformat(), "12378", "B03", "C05", "测试"]
            for i in range(130)]
    upload_id = _import(app, u.supervisor, rows)
    db.session.rollback()
    assert db.session.get(RegisterUpload, upload_id).agency_id == u.supervisor.agency_id
    nfra = as_user(app, u.supervisor)
    page = nfra.get(f"/register/?upload={upload_id}").get_data(as_text=True)
    assert 'id="upload-report"' in page and total_on(page) == 130 and rows_in(page, "register-table") == 50
    # another agency's supervisor cannot open the report (404), a bad id is a 400, not a 500
    pboc = as_user(app, pboc_sup)
    assert pboc.get(f"/register/?upload={upload_id}").status_code == 404
    assert f"upload={upload_id}" not in pboc.get("/register/").get_data(as_text=True)
    for bad in ("abc", "1e3", "-1", "99999999999999999999"):
        assert nfra.get(f"/register/?upload={bad}").status_code == 400, bad
    assert nfra.get("/register/?upload=987654").status_code == 404
    # scoped entries: NFRA-BJ sees A's only; filters and the CSV follow the page
    bj = as_user(app, u.analyst_nfra_bj)
    assert total_on(bj.get("/register/").get_data(as_text=True)) == 65
    filtered = nfra.get(f"/register/?institution={world.inst_c.code}&period=2024Q1&per_page=100").get_data(
        as_text=True)
    expected = db.session.scalar(select(func.count()).select_from(RegisterEntry).where(
        RegisterEntry.institution_id == world.inst_c.id, RegisterEntry.period_code == "2024Q1"))
    assert total_on(filtered) == expected and rows_in(filtered, "register-table") == min(expected, 100)
    export_href = unescape(re.search(r'id="register-export" href="([^"]+)"', filtered).group(1))
    assert f"institution={world.inst_c.code}" in export_href
    body = nfra.get(export_href).get_data().decode("utf-8-sig")
    records = list(csv.reader(io.StringIO(body)))
    assert len(records) - 1 == expected and {r[2] for r in records[1:]} == {world.inst_c.code}
    assert "12378 金融监管总局热线" in body
    bj_csv = bj.get("/register/entries.csv").get_data().decode("utf-8-sig")
    assert len(list(csv.reader(io.StringIO(bj_csv)))) - 1 == 65 and world.inst_c.code not in bj_csv
    assert as_user(app, u.filer_a).get("/register/entries.csv").status_code == 403
    db.session.rollback()  # a fresh transaction sees what the requests committed
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "register_export")) >= 2
