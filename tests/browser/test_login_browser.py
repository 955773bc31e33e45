"""Real browser: log in, switch language, sort a table, log out; the old session is dead."""

from __future__ import annotations

import pytest

from tests.browser.conftest import ARTIFACTS
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def test_login_switch_language_logout(live_server, page):
    url = live_server["url"]
    page.goto(url + "/")
    assert page.url.startswith(url + "/login")
    assert page.locator("h1").inner_text() == "登录"
    page.fill("#email", live_server["emails"]["analyst_nfra"])
    page.fill("#password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_url(url + "/")
    assert "欢迎" in page.locator("h1").inner_text()
    assert page.locator("#count-institutions").inner_text() == "3"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "home-zh.png"), full_page=True)
    page.click("#lang-switch")
    page.wait_for_load_state()
    assert "Welcome" in page.locator("h1").inner_text()
    assert page.locator("#lang-switch").inner_text() == "中文"
    page.screenshot(path=str(ARTIFACTS / "home-en.png"), full_page=True)
    cookies = page.context.cookies()
    session_cookie = next(c for c in cookies if c["name"] == "supervision_session")
    assert session_cookie["httpOnly"]
    page.click("#logout")
    page.wait_for_url(url + "/login")
    assert page.locator("h1").inner_text() == "Log in"
    # replay the session cookie captured before logout in a new context: refused
    ctx = page.context.browser.new_context()
    ctx.add_cookies([session_cookie])
    p2 = ctx.new_page()
    p2.goto(url + "/")
    assert "/login" in p2.url
    ctx.close()


def test_institution_table_sorts_and_filters(live_server, page):
    url = live_server["url"]
    page.goto(url + "/login")
    page.fill("#email", live_server["emails"]["analyst_nfra"])
    page.fill("#password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_url(url + "/")
    page.goto(url + "/institutions/")
    rows = page.locator("#inst-table tbody tr")
    assert rows.count() == 3
    page.fill("#filter-inst-table", "乙支付")
    assert page.locator("#inst-table tbody tr:not([hidden])").count() == 1
    page.fill("#filter-inst-table", "")
    page.locator("#inst-table thead th").nth(3).locator("button").click()
    sectors = page.locator("#inst-table tbody tr td:nth-child(4)").all_inner_texts()
    assert sectors == sorted(sectors)
    assert page.locator("#inst-table thead th").nth(3).get_attribute("aria-sort") == "ascending"
