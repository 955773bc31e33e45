"""The review of issue 10 replayed in a real browser (Debian's Chromium), on the review world
(tests/review_world.py) served from a thread with a real scheduler process beside it:

* a filer uploads, is returned (and notified), resubmits;
* an analyst refers a finding to PBOC after a validation error (the agency and note kept), it
  reaches PBOC, which sees it in its queue and answers, and NFRA is notified;
* the admin runs a job from the scheduler page (the scheduler process runs it) and pauses it;
* axe-core finds no serious or critical violation on the main pages of every role;
* the English navigation bar fits on one line at 1366 px and every link shows a focus ring.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from tests.browser.conftest import ARTIFACTS
from tests.conftest import make_app
from tests.factories import PASSWORD
from tests.filings.workbooks import detail_row, summary_from
from tests.live import closing

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]
ROLES = ["filer_a", "filer_b", "analyst_nfra", "analyst_nfra_bj", "analyst_pboc", "supervisor", "admin"]


@pytest.fixture(scope="module")
def review_server(tmp_path_factory):
    """The review world served on a free port, with ``python -m scheduler`` on the same database."""
    tmp = tmp_path_factory.mktemp("review-browser")
    instance = tmp / "instance"
    app = make_app("sqlite", instance, SCHEDULER_POLL_SECONDS=1)
    with app.app_context():
        from supervision.extensions import db
        from tests.review_world import build_review_world

        facts = build_review_world(db, tmp)
        db.session.remove()
    server = make_server("127.0.0.1", 0, closing(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    env = dict(os.environ)
    env.update({"SUPERVISION_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
                "SUPERVISION_INSTANCE_PATH": str(instance), "SUPERVISION_SECRET_KEY": "review-" + "k3y" * 12,
                "SUPERVISION_TASK_BACKEND": "sync", "SUPERVISION_SCHEDULER_POLL_SECONDS": "1",
                # heartbeats are writes: on SQLite a write between a request's read and its own write
                # makes that request's snapshot stale, so they are kept rare here (60 s by default)
                "SUPERVISION_SCHEDULER_HEARTBEAT_SECONDS": "30", "SUPERVISION_EXPORT_FOLDER": str(instance / "exports"),
                "SUPERVISION_UPLOAD_FOLDER": app.config["UPLOAD_FOLDER"]})
    env.pop("SUPERVISION_ENV", None)
    log = tmp / "scheduler.log"
    with log.open("w") as out:
        scheduler = subprocess.Popen([sys.executable, "-m", "scheduler"], stdout=out, stderr=subprocess.STDOUT,
                                     env=env, cwd=str(ROOT), start_new_session=True)
    yield {"url": f"http://127.0.0.1:{server.server_port}", "facts": facts, "app": app, "scheduler_log": log}
    os.killpg(scheduler.pid, signal.SIGTERM)
    try:
        scheduler.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(scheduler.pid, signal.SIGKILL)
        scheduler.wait(timeout=20)  # reaped: no process left behind the module
    server.shutdown()
    thread.join(timeout=5)
    with app.app_context():
        from supervision.extensions import db

        db.engine.dispose()


def login(page, server, who, lang="zh"):
    page.goto(server["url"] + "/login")
    page.fill("#email", server["facts"].emails[who])
    page.fill("#password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_url(server["url"] + "/")
    if lang != "zh":
        page.goto(f"{server['url']}/lang/{lang}")


def logout(page):
    page.click("#logout")
    page.wait_for_load_state()


def _workbook(template: bytes, start: dt.date, extra: int) -> bytes:
    """The downloaded template filled with a small valid CMP (``extra`` more complaints change the file)."""
    wb = openpyxl.load_workbook(io.BytesIO(template))
    cover = wb["封面"]
    for r in range(1, cover.max_row + 1):
        value = {"期末有效客户数": 150000, "业务规模(亿元)": 60.5, "填报人": "刘洋", "联系电话": "010-2"}.get(
            cover.cell(r, 1).value)
        if value is not None:
            cover.cell(r, 2).value = value
    rows = [detail_row(f"R-{i}", start + dt.timedelta(days=1 + i), closed=start + dt.timedelta(days=3 + i))
            for i in range(2 + extra)]
    from supervision.ingest.templates import template_for

    headers = [c.value for c in wb["投诉明细"][1]]
    by_label = {f.label_zh: f.code for f in template_for("CMP").sheet("detail").fields}
    for i, row in enumerate(rows, start=2):
        for j, h in enumerate(headers, start=1):
            wb["投诉明细"].cell(i, j).value = row.get(by_label.get(h))
    for i, srow in enumerate(summary_from(rows, start), start=2):
        for j, v in enumerate(srow, start=1):
            wb["投诉汇总"].cell(i, j).value = v
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _upload(page, server, path: Path) -> str:
    page.goto(server["url"] + "/filings/upload")
    page.select_option("#period", server["facts"].current)
    page.select_option("#kind", "CMP")
    page.set_input_files("#file", str(path))
    page.click("#upload-submit")
    page.wait_for_url("**/filings/versions/*")
    expect(page.locator("#status-label")).to_have_attribute("data-status", "ACCEPTED", timeout=90_000)
    return page.url


def test_filer_uploads_is_returned_and_notified_then_resubmits(review_server, browser, tmp_path):
    server = review_server
    ctx = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    page = ctx.new_page()
    login(page, server, "filer_a")
    page.goto(server["url"] + "/filings/upload")
    page.select_option("#period", server["facts"].current)
    with page.expect_download() as dl:
        page.click(".template-link[data-kind='CMP']")
    template = dl.value.path().read_bytes()
    from supervision.domain.calendar import parse_period

    start = parse_period(server["facts"].current).start
    first = tmp_path / "first.xlsx"
    first.write_bytes(_workbook(template, start, 0))
    version_url = _upload(page, server, first)
    expect(page.locator("#row-counts")).to_contain_text("投诉明细：2")
    logout(page)

    login(page, server, "supervisor")
    page.goto(version_url)
    page.click("#return-link")  # the confirmation step says what will count afterwards
    expect(page.locator("#consequence")).to_be_visible()
    page.click("#confirm-btn")  # no note: refused on the page, beside the field
    expect(page.locator("#confirm-note-err")).to_be_visible()
    page.fill("#confirm-note", "请补充投诉处理结果的说明")
    page.click("#confirm-btn")
    page.wait_for_url(version_url)
    expect(page.locator("#status-label")).to_have_attribute("data-status", "RETURNED")
    logout(page)

    login(page, server, "filer_a")
    expect(page.locator("#unread-count")).to_be_visible()
    expect(page.locator("#queue-returned")).to_contain_text("请补充投诉处理结果的说明")
    page.click("#nav-notifications")
    notice = page.locator("#notifications li[data-kind='filing_returned']").first
    expect(notice).to_contain_text("已被退回")
    notice.locator(".notification-open").click()
    page.wait_for_url(version_url)
    expect(page.locator("#status-label")).to_have_attribute("data-status", "RETURNED")
    expect(page.locator("#version-status")).to_contain_text("请补充投诉处理结果的说明")
    second = tmp_path / "second.xlsx"
    second.write_bytes(_workbook(template, start, 1))
    resubmitted = _upload(page, server, second)
    assert resubmitted != version_url
    expect(page.locator("#row-counts")).to_contain_text("投诉明细：3")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "review-resubmitted.png"), full_page=True)
    ctx.close()


def test_referral_survives_a_validation_error_reaches_pboc_and_its_answer_reaches_nfra(review_server, browser):
    server = review_server
    facts = server["facts"]
    ctx = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    page = ctx.new_page()
    login(page, server, "analyst_nfra")
    page.goto(f"{server['url']}/findings/{facts.answered}")
    expect(page.locator("#evidence-complaints")).to_be_visible()  # the evidence as a table, not JSON
    page.select_option("#refer-agency", "PBOC")
    page.click("#refer")  # empty note
    expect(page.locator("#refer-note-err")).to_be_visible()
    expect(page.locator("#refer-agency")).to_have_value("PBOC")  # the agency chosen is kept
    page.fill("#refer-note", "请协助核查该机构的受理日期")
    page.click("#refer")
    page.wait_for_load_state()
    expect(page.locator("#referrals")).to_contain_text("待受理")
    logout(page)

    login(page, server, "analyst_pboc")
    queue = page.locator("#queue-referrals")
    expect(queue).to_contain_text("P02")
    queue.locator("a", has_text="P02").click()
    page.wait_for_load_state()
    referral = page.locator("#referrals li", has_text="待受理").last
    referral.locator("textarea").fill("已核查：受理日期更正属实")
    referral.locator("button", has_text="答复").click()
    page.wait_for_load_state()
    expect(page.locator("#referrals")).to_contain_text("已答复")
    logout(page)

    login(page, server, "analyst_nfra")
    expect(page.locator("#unread-count")).to_be_visible()
    page.goto(server["url"] + "/notifications/?kind=referral_answered")
    notice = page.locator("#notifications li[data-kind='referral_answered']").first
    expect(notice).to_contain_text("已核查：受理日期更正属实")
    notice.locator(".notification-open").click()
    page.wait_for_load_state()
    assert f"/findings/{facts.answered}" in page.url
    ctx.close()


def test_admin_runs_and_pauses_a_job_from_the_page(review_server, browser):
    server = review_server
    ctx = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    page = ctx.new_page()
    login(page, server, "admin")
    page.goto(server["url"] + "/admin/scheduler/")
    section = page.locator("#job-post_deadline")
    runs_before = section.locator("tbody tr[id^='run-']").count()
    section.locator("button", has_text="立即运行").click()
    page.wait_for_load_state()
    expect(page.locator(".alert-success")).to_contain_text("已请求运行")
    deadline = time.monotonic() + 60  # the scheduler process picks the request up within its poll interval
    while time.monotonic() < deadline:
        page.goto(server["url"] + "/admin/scheduler/")
        rows = page.locator("#job-post_deadline tbody tr[id^='run-']")
        if rows.count() > runs_before and "立即运行" in rows.first.inner_text() \
                and page.locator("#job-post_deadline [data-status='success']").count():
            break
        time.sleep(1)
    else:
        raise AssertionError("the run did not happen:\n" + server["scheduler_log"].read_text()[-3000:])
    expect(page.locator("#job-post_deadline tbody tr[id^='run-']").first).to_contain_text("成功")
    section = page.locator("#job-post_deadline")
    section.locator("button", has_text="暂停").click()
    page.wait_for_load_state()
    expect(page.locator("#job-post_deadline h2")).to_contain_text("已暂停")
    page.locator("#job-post_deadline").locator("button", has_text="恢复").click()
    page.wait_for_load_state()
    expect(page.locator("#job-post_deadline h2")).not_to_contain_text("已暂停")
    ctx.close()


MAIN_PAGES = {
    "filer_a": ["/", "/filings/", "/filings/upload", "/findings/", "/league/", "/notifications/", "/exports/",
                "/account"],
    "filer_b": ["/", "/filings/versions/{rejected}", "/notifications/"],
    "analyst_nfra": ["/", "/filings/", "/findings/", "/findings/dashboard", "/register/", "/league/",
                     "/notifications/", "/institutions/{a}", "/findings/{answered}", "/rules/"],
    "analyst_pboc": ["/", "/findings/", "/findings/{finding_c}", "/register/", "/notifications/"],
    "supervisor": ["/", "/filings/versions/{returned}", "/findings/{overdue}", "/league/{period_id}?draft=1",
                   "/league/{period_id}/charts", "/league/{period_id}/publish", "/register/?upload={upload}",
                   "/periods/"],
    "admin": ["/", "/admin/scheduler/", "/admin/audit", "/admin/users", "/admin/sharing", "/admin/agencies",
              "/institutions/"],
}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_axe_finds_no_serious_violation_on_the_main_pages(review_server, browser, lang):
    server = review_server
    facts = vars(server["facts"]) | {k: v for k, v in server["facts"].inst.items()}
    problems = []
    for role, paths in MAIN_PAGES.items():
        ctx = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
        page = ctx.new_page()
        login(page, server, role, lang)
        for path in paths:
            url = server["url"] + path.format(**facts)
            resp = page.goto(url)
            assert resp.status == 200, (role, url, resp.status)
            page.add_script_tag(url="/static/vendor/axe/axe.min.js")  # served locally (npm axe-core)
            found = page.evaluate("""async () => (await axe.run()).violations
                .filter(v => ['serious', 'critical'].includes(v.impact))
                .map(v => v.id + ' ×' + v.nodes.length + ' ' + v.nodes[0].target.join(' '))""")
            problems += [f"{role} {path}: {v}" for v in found]
        ctx.close()
    assert not problems, "\n".join(problems)


def test_english_navbar_fits_at_1366_and_every_link_shows_a_focus_ring(review_server, browser):
    server = review_server
    for role in ROLES:
        ctx = browser.new_context(locale="en-GB", viewport={"width": 1366, "height": 900})
        page = ctx.new_page()
        login(page, server, role, "en")
        page.goto(server["url"] + "/")
        tops = page.evaluate("""() => [...document.querySelectorAll('nav.navbar .nav-link')]
            .map(e => Math.round(e.getBoundingClientRect().top))""")
        assert len(set(tops)) == 1, (role, tops)  # one line: nothing wrapped
        assert page.evaluate("() => document.querySelector('nav.navbar').scrollWidth <= window.innerWidth")
        contrast = page.evaluate("""() => {
            const lum = c => { const [r, g, b] = c.match(/\\d+/g).slice(0, 3).map(Number).map(v => v / 255)
                .map(v => v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4));
                return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
            const bg = getComputedStyle(document.querySelector('nav.navbar')).backgroundColor;
            return [...document.querySelectorAll('nav.navbar .nav-link')].map(a => {
                const l1 = lum(getComputedStyle(a).color), l2 = lum(bg);
                return (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05); }); }""")
        assert min(contrast) >= 4.5, (role, contrast)
        missing = []
        for _ in range(25):  # tab through the first links: each focused one draws an outline
            page.keyboard.press("Tab")
            info = page.evaluate("""() => { const e = document.activeElement; const s = getComputedStyle(e);
                return [e.tagName, e.textContent.trim().slice(0, 30), s.outlineStyle, parseFloat(s.outlineWidth)]; }""")
            if info[0] == "A" and (info[2] == "none" or info[3] < 2):
                missing.append(info)
        assert not missing, (role, missing)
        if role == "admin":
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "navbar-en-1366.png"))
        ctx.close()


def test_league_table_keeps_the_institution_column_in_view(review_server, browser):
    server = review_server
    ctx = browser.new_context(locale="zh-CN", viewport={"width": 900, "height": 800})
    page = ctx.new_page()
    login(page, server, "supervisor")
    page.goto(f"{server['url']}/league/{server['facts'].period_id}?draft=1")
    cell = page.locator("#league-table tbody tr").first.locator("td").nth(2)
    before = cell.bounding_box()["x"]
    page.evaluate("() => { const w = document.querySelector('#league-table').closest('.table-responsive');"
                  " w.scrollLeft = w.scrollWidth; }")
    page.wait_for_timeout(100)
    after = cell.bounding_box()["x"]
    assert after <= before + 1 and after >= 0, (before, after)  # it stayed at the left edge
    scroller_x = page.evaluate("() => document.querySelector('#league-table').closest('.table-responsive')"
                               ".getBoundingClientRect().left")
    assert abs(after - scroller_x) < 2
    assert re.search(r"\S", cell.inner_text())
    ctx.close()
