"""Issue 11 defect 5 and item 7: no lockout of an account by failed logins from many addresses, a
slow-down for the address that guesses, the client address right behind a trusted proxy (and not
spoofable without one), password policy with a common-password list, throttled password change,
remember-me 30 days and an idle timeout."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from supervision.accounts.services import AccountError, check_password_strength
from tests.conftest import PASSWORD, csrf_from, make_app


def _login(client, email, password, addr, headers=None):
    page = client.get("/login", environ_base={"REMOTE_ADDR": addr}, headers=headers or {})
    token = csrf_from(page.get_data(as_text=True))
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token},
                       environ_base={"REMOTE_ADDR": addr}, headers=headers or {})


def test_failures_from_ten_addresses_do_not_lock_the_account(app, client, world):
    email = world.users.analyst_nfra.email
    app.config["LOGIN_ACCOUNT_MAX_DELAY"] = 1
    try:
        for i in range(10):
            assert _login(client, email, "wrong-password-1", f"10.0.0.{i + 1}").status_code in (200, 429)
        time.sleep(1.1)  # the account-wide back-off is capped at that short delay
        resp = _login(client, email, PASSWORD, "10.9.9.9")
        assert resp.status_code == 302, resp.status_code
    finally:
        app.config["LOGIN_ACCOUNT_MAX_DELAY"] = 5


def test_guessing_address_backs_off_exponentially(app, client, world):
    email = world.users.analyst_pboc.email
    codes = [_login(client, email, "wrong-password-1", "10.1.1.1").status_code for _ in range(8)]
    assert codes[:5] == [200] * 5 and 429 in codes[5:]
    # even the right password from that address waits, and the page says how long
    resp = _login(client, email, PASSWORD, "10.1.1.1")
    assert resp.status_code == 429 and "秒" in resp.get_data(as_text=True)


def _remote_app(tmp_path_factory, hops: int):
    app = make_app("sqlite", tmp_path_factory.mktemp(f"proxied{hops}"), TRUSTED_PROXIES=hops)

    @app.get("/t-remote")
    def remote():
        from flask import request

        return request.remote_addr or ""

    return app


def test_proxy_fix_uses_forwarded_address_only_when_trusted(tmp_path_factory):
    headers = {"X-Forwarded-For": "203.0.113.7"}
    behind = _remote_app(tmp_path_factory, 1).test_client()
    assert behind.get("/t-remote", headers=headers, environ_base={"REMOTE_ADDR": "127.0.0.1"}).text == "203.0.113.7"
    direct = _remote_app(tmp_path_factory, 0).test_client()  # no proxy configured: the header is ignored
    assert direct.get("/t-remote", headers=headers, environ_base={"REMOTE_ADDR": "198.51.100.1"}).text \
        == "198.51.100.1"


@pytest.mark.parametrize("weak", ["password12", "Password1234", "qwerty123456", "abcabcabc123", "short1"])
def test_weak_passwords_refused(weak, app):
    with app.app_context(), pytest.raises(AccountError):
        check_password_strength(weak)


def test_strong_password_accepted(app):
    with app.app_context():
        check_password_strength("Harbour-lamp-7-violet")


def test_password_change_is_throttled(client, world):
    from tests.conftest import login

    login(client, world.users.filer_a.email, PASSWORD)
    codes = []
    for _ in range(7):
        token = csrf_from(client.get("/account").get_data(as_text=True))
        codes.append(client.post("/account/password", data={"csrf_token": token, "current": "not-my-password-1",
                                                             "new": "Harbour-lamp-7-violet",
                                                             "confirm": "Harbour-lamp-7-violet"}).status_code)
    assert 429 in codes[5:], codes


def test_remember_me_thirty_days_and_idle_timeout(app, client, world):
    from tests.conftest import login

    assert app.config["REMEMBER_COOKIE_DURATION"] == timedelta(days=30)
    assert app.config["SESSION_IDLE_MINUTES"] == 8 * 60
    login(client, world.users.filer_a.email, PASSWORD)
    assert client.get("/account").status_code == 200
    with client.session_transaction() as s:
        s["seen"] = int(time.time()) - 8 * 3600 - 5
    resp = client.get("/account")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]
    assert client.get("/account").status_code == 302  # signed out for good
