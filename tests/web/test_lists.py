"""Issue 10, "lists that scale": filings, findings, register, audit log and notifications are paged,
filtered and sorted on the server; a page never renders more than 100 rows; the count is exact;
the URL keeps the state (filters, sort, page size) in every link of the page (the register's page:
tests/filings/test_register_page.py)."""

from __future__ import annotations

import re
from html import unescape

from sqlalchemy import func, select

from supervision.audit.models import AuditEvent
from supervision.findings.models import Finding
from tests.conftest import PASSWORD, IsolatedClient, csrf_from, login
from tests.factories import make_finding


def as_user(app, user):
    app.test_client_class = IsolatedClient
    client = app.test_client()
    assert login(client, user.email, PASSWORD).status_code == 302
    return client


def total_on(html: str) -> int:
    return int(re.search(r'id="list-count"[^>]*data-total="(\d+)"', html).group(1))


def rows_in(html: str, table_id: str) -> int:
    body = html.split(f'id="{table_id}"', 1)[1].split("</table>", 1)[0].split("<tbody>", 1)[1]
    return len(re.findall(r"<tr\b", body))


def test_findings_list_pages_sorts_and_keeps_the_state(app, db, world):
    u = world.users
    for i in range(230):
        make_finding(world.inst_a, world.period, "D06", ("high", "medium", "low")[i % 3], subject=f"P-{i:03d}")
    db.session.commit()
    client = as_user(app, u.analyst_nfra)
    expected = db.session.scalar(select(func.count()).select_from(Finding).where(
        Finding.institution_id.in_([world.inst_a.id, world.inst_b.id, world.inst_c.id])))
    page = client.get("/findings/").get_data(as_text=True)
    assert total_on(page) == expected and rows_in(page, "findings-table") == 50
    big = client.get("/findings/?per_page=100&rule=D06&sort=level&order=asc").get_data(as_text=True)
    assert total_on(big) == 230 and rows_in(big, "findings-table") == 100
    assert client.get("/findings/?per_page=100000").status_code == 200
    assert rows_in(client.get("/findings/?per_page=100000").get_data(as_text=True), "findings-table") <= 100
    levels = re.findall(r'<span class="badge [^"]+">(高|中|低)</span>', big)
    assert levels == sorted(levels, key="高中低".index)  # high first, by the level's order, not its text
    last = client.get("/findings/?per_page=100&rule=D06&sort=level&order=asc&page=3").get_data(as_text=True)
    assert rows_in(last, "findings-table") == 30
    links = [unescape(h) for h in re.findall(r'class="page-link" href="([^"]+)"', big)]
    assert links and all("rule=D06" in h and "sort=level" in h and "per_page=100" in h for h in links)
    beyond = client.get("/findings/?rule=D06&page=999").get_data(as_text=True)  # past the end: the last page
    assert rows_in(beyond, "findings-table") == 230 - 4 * 50
    assert client.get("/findings/?sort=evil;drop&order=sideways&page=-1").status_code == 200
    filer = as_user(app, u.filer_a)
    assert total_on(filer.get("/findings/").get_data(as_text=True)) == 0  # none opened to A yet


def test_bulk_actions_with_nothing_selected_say_so_and_keep_the_note(app, db, world):
    client = as_user(app, world.users.analyst_nfra)
    page = client.get("/findings/?rule=D05").get_data(as_text=True)
    token = csrf_from(page)
    nothing = client.post("/findings/?rule=D05", data={"csrf_token": token, "action": "close",
                                                      "note": "批量关闭的说明"})
    html = nothing.get_data(as_text=True)
    assert nothing.status_code == 400 and "请先勾选至少一项监管发现" in html
    assert ('value="批量关闭的说明"' in html and 'selected>' in html) or 'value="D05" selected' in html
    no_note = client.post("/findings/?rule=D05", data={"csrf_token": token, "action": "close",
                                                      "ids": str(world.finding_a.id)})
    html = no_note.get_data(as_text=True)
    assert no_note.status_code == 400 and "关闭须填写说明" in html
    assert re.search(rf'value="{world.finding_a.id}" id="select-{world.finding_a.id}" checked', html)
    done = client.post("/findings/?rule=D05", data={"csrf_token": token, "action": "close", "note": "已核实",
                                                   "ids": str(world.finding_a.id)})
    assert done.status_code == 302 and "rule=D05" in done.headers["Location"]
    db.session.expire_all()
    assert db.session.get(Finding, world.finding_a.id).status == "CLOSED"


def test_filings_and_audit_log_are_paged_with_exact_counts(app, db, world):
    admin = as_user(app, world.users.admin)
    expected = db.session.scalar(select(func.count()).select_from(AuditEvent))
    page = admin.get("/admin/audit?per_page=25").get_data(as_text=True)
    assert total_on(page) == expected + 0 and rows_in(page, "audit-table") == min(25, expected)
    logins = admin.get("/admin/audit?action=login").get_data(as_text=True)
    assert total_on(logins) == db.session.scalar(select(func.count()).select_from(AuditEvent)
                                                 .where(AuditEvent.action == "login"))
    assert "登录" in logins and ">login<" not in logins  # the action by its name
    from supervision.domain.calendar import today_local

    day = today_local().isoformat()  # the filter's days are Asia/Shanghai days
    assert total_on(admin.get(f"/admin/audit?from=2000-01-01&to={day}").get_data(as_text=True)) >= 1
    assert total_on(admin.get("/admin/audit?from=2000-01-01&to=2000-01-02").get_data(as_text=True)) == 0
    assert admin.get("/admin/audit?from=nonsense").status_code == 200
    analyst = as_user(app, world.users.analyst_nfra)
    listing = analyst.get(f"/filings/?q={world.inst_a.code}&kind=CMP").get_data(as_text=True)
    assert total_on(listing) == 1 and world.inst_a.name in listing
    assert total_on(analyst.get("/filings/?period=2099Q1").get_data(as_text=True)) == 0
