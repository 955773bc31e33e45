"""Login, logout, session invalidation, rate limiting, CSRF and no user enumeration."""

from __future__ import annotations

from sqlalchemy import select

from supervision.audit.models import AuditEvent
from tests.conftest import PASSWORD, csrf_from, login, page_token

GENERIC = "E-mail or password is incorrect, or the account is not active."
GENERIC_ZH = "邮箱或密码不正确，或账户未启用。"


def _cookie(client, name):
    c = client.get_cookie(name)
    return c.value if c else None


def test_login_and_home(client, world):
    resp = login(client, world.users.analyst_nfra.email, PASSWORD)
    assert resp.status_code == 302
    home = client.get("/")
    assert home.status_code == 200
    assert "analyst@nfra.test.cn" in home.get_data(as_text=True)


def test_default_language_is_chinese_with_english_switch(client, world):
    page = client.get("/login").get_data(as_text=True)
    assert "登录" in page and 'lang="zh-CN"' in page
    client.get("/lang/en?next=/login")
    page = client.get("/login").get_data(as_text=True)
    assert "Log in" in page and 'lang="en"' in page


def test_no_user_enumeration(client, world, db):
    client.get("/lang/en")
    unknown = login(client, "nobody@test.cn", PASSWORD).get_data(as_text=True)
    wrong = login(client, world.users.filer_a.email, "Wrong-pass-999").get_data(as_text=True)
    assert GENERIC in unknown and GENERIC in wrong
    from supervision.accounts.services import set_active

    set_active(world.users.admin, world.users.filer_b, False)
    db.session.commit()
    inactive = login(client, world.users.filer_b.email, PASSWORD).get_data(as_text=True)
    assert GENERIC in inactive
    results = db.session.scalars(select(AuditEvent.result).where(AuditEvent.action == "login")).all()
    assert results.count("denied") == 3


def test_chinese_message_for_failed_login(client, world):
    page = login(client, "nobody@test.cn", PASSWORD).get_data(as_text=True)
    assert GENERIC_ZH in page


def test_session_cookie_captured_before_logout_is_dead_after(app, client, world):
    assert login(client, world.users.filer_a.email, PASSWORD).status_code == 302
    captured = _cookie(client, "supervision_session")
    assert captured
    token = page_token(client)
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    # replay the old cookie in a fresh client
    other = app.test_client()
    other.set_cookie("supervision_session", captured)
    resp = other.get("/")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def test_remember_cookie_dies_with_logout(app, client, world):
    assert login(client, world.users.filer_a.email, PASSWORD, remember=True).status_code == 302
    remember = _cookie(client, "remember_token")
    assert remember
    # the remember cookie alone logs in a fresh browser ...
    fresh = app.test_client()
    fresh.set_cookie("remember_token", remember)
    assert fresh.get("/").status_code == 200
    # ... until the user logs out somewhere
    client.post("/logout", data={"csrf_token": page_token(client)})
    again = app.test_client()
    again.set_cookie("remember_token", remember)
    assert again.get("/").status_code == 302


def test_password_change_ends_other_sessions(app, client, world):
    other = app.test_client()
    assert login(other, world.users.filer_a.email, PASSWORD).status_code == 302
    assert login(client, world.users.filer_a.email, PASSWORD).status_code == 302
    token = page_token(client, "/account")
    resp = client.post("/account/password", data={"csrf_token": token, "current": PASSWORD,
                                                   "new": "New-pass-67890", "confirm": "New-pass-67890"})
    assert resp.status_code == 302
    assert client.get("/").status_code == 200  # this session continues
    assert other.get("/").status_code == 302  # the other one is gone
    assert login(app.test_client(), world.users.filer_a.email, "New-pass-67890").status_code == 302


def test_wrong_current_password_is_refused(client, world):
    login(client, world.users.filer_a.email, PASSWORD)
    token = page_token(client, "/account")
    resp = client.post("/account/password", data={"csrf_token": token, "current": "nope-nope-1",
                                                   "new": "New-pass-67890", "confirm": "New-pass-67890"})
    assert resp.status_code == 400
    assert "当前密码不正确" in resp.get_data(as_text=True)


def test_deactivation_ends_sessions(app, client, world, db):
    assert login(client, world.users.filer_b.email, PASSWORD).status_code == 302
    admin = app.test_client()
    login(admin, world.users.admin.email, PASSWORD)
    token = page_token(admin, f"/admin/users/{world.users.filer_b.id}")
    resp = admin.post(f"/admin/users/{world.users.filer_b.id}", data={"csrf_token": token, "action": "deactivate"})
    assert resp.status_code == 302
    assert client.get("/").status_code == 302
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert "user_deactivate" in actions


def test_login_requires_csrf(client, world):
    resp = client.post("/login", data={"email": world.users.filer_a.email, "password": PASSWORD})
    assert resp.status_code == 400
    assert client.get("/").status_code == 302


def test_login_rate_limited_per_email(app, client, world):
    app.config["LOGIN_RATE_LIMIT"] = "3 per minute"
    try:
        codes = []
        for _ in range(5):
            page = client.get("/login")
            token = csrf_from(page.get_data(as_text=True))
            codes.append(client.post("/login", data={"email": world.users.filer_a.email, "password": "bad-pass-1",
                                                     "csrf_token": token}).status_code)
        assert codes[:3] == [200, 200, 200]
        assert codes[3:] == [429, 429]
        # even the right password is refused while limited, with a friendly page
        page = client.get("/login")
        resp = client.post("/login", data={"email": world.users.filer_a.email, "password": PASSWORD,
                                           "csrf_token": csrf_from(page.get_data(as_text=True))})
        assert resp.status_code == 429
        assert "尝试次数过多" in resp.get_data(as_text=True)
    finally:
        app.config["LOGIN_RATE_LIMIT"] = "1000 per minute"


def test_successful_logins_from_one_address_are_never_limited(app, client, world):
    """An office behind one address: successful logins do not count against LOGIN_RATE_LIMIT; failed
    ones do, and the refusal keeps the e-mail typed and says how long to wait (reviewer, issue 11)."""
    app.config["LOGIN_RATE_LIMIT"] = "3 per minute"
    try:
        users = [world.users.filer_a, world.users.filer_b, world.users.supervisor, world.users.filer_a,
                 world.users.supervisor]
        for user in users:
            page = client.get("/login")
            resp = client.post("/login", data={"email": user.email, "password": PASSWORD,
                                               "csrf_token": csrf_from(page.get_data(as_text=True))})
            assert resp.status_code == 302, user.email
            client.post("/logout", data={"csrf_token": csrf_from(client.get("/account").get_data(as_text=True))})
        codes = []
        for _ in range(4):
            page = client.get("/login")
            resp = client.post("/login", data={"email": world.users.filer_b.email, "password": "bad-pass-1",
                                               "csrf_token": csrf_from(page.get_data(as_text=True))})
            codes.append(resp.status_code)
        assert codes == [200, 200, 200, 429]
        body = resp.get_data(as_text=True)
        assert f'value="{world.users.filer_b.email}"' in body and "秒" in body
    finally:
        app.config["LOGIN_RATE_LIMIT"] = "1000 per minute"


def test_cookie_flags(client, world):
    resp = login(client, world.users.filer_a.email, PASSWORD, remember=True)
    cookies = resp.headers.getlist("Set-Cookie")
    session_cookie = next(c for c in cookies if c.startswith("supervision_session="))
    assert "HttpOnly" in session_cookie and "SameSite=Lax" in session_cookie
    remember_cookie = next(c for c in cookies if c.startswith("remember_token="))
    assert "HttpOnly" in remember_cookie


def test_open_redirect_is_refused(client, world):
    page = client.get("/login?next=https://evil.example/")
    token = csrf_from(page.get_data(as_text=True))
    resp = client.post("/login?next=https://evil.example/", data={
        "email": world.users.filer_a.email, "password": PASSWORD, "csrf_token": token})
    assert resp.status_code == 302 and resp.headers["Location"] == "/"


def test_language_switch_and_reload_on_a_form_address_land_on_its_page(client, world):
    """A form answered with its errors leaves the browser on its POST address: switching the
    language there, or opening the address again, lands on the page the form belongs to (not 405)."""
    login(client, world.users.supervisor.email, PASSWORD)
    fid = world.finding_a.id
    resp = client.get(f"/lang/en?next=/findings/{fid}/status?")
    assert resp.status_code == 302 and resp.headers["Location"] == f"/findings/{fid}"
    assert "Findings" in client.get(resp.headers["Location"]).get_data(as_text=True)
    resp = client.get(f"/findings/{fid}/status")
    assert resp.status_code == 302 and resp.headers["Location"] == f"/findings/{fid}"
    # an address that answers GET keeps its query; anything not local goes home
    assert client.get("/lang/zh?next=/findings/?status=OPEN").headers["Location"] == "/findings/?status=OPEN"
    assert client.get("/lang/zh?next=https://evil.example/x").headers["Location"] == "/"
