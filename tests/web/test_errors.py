"""Error pages: in the site layout, bilingual titles, a 500 shows a reference id and no trace."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD, login, make_app


def test_404_in_layout(client, world):
    login(client, world.users.filer_a.email, PASSWORD)
    resp = client.get("/no-such-page")
    text = resp.get_data(as_text=True)
    assert resp.status_code == 404 and "未找到" in text and "navbar" in text


def test_403_for_wrong_role(client, world):
    login(client, world.users.filer_a.email, PASSWORD)
    resp = client.get("/admin/users")
    assert resp.status_code == 403 and "无权访问" in resp.get_data(as_text=True)


@pytest.fixture(scope="module")
def crashing_app(tmp_path_factory):
    app = make_app("sqlite", tmp_path_factory.mktemp("crash"))

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internal detail")

    return app


def test_500_shows_reference_not_trace(crashing_app, caplog):
    client = crashing_app.test_client()
    resp = client.get("/boom", headers={"X-Request-ID": "abc123def456"})
    text = resp.get_data(as_text=True)
    assert resp.status_code == 500
    assert "abc123def456" in text and 'id="error-reference"' in text
    assert "secret internal detail" not in text and "Traceback" not in text
    assert resp.headers["X-Request-ID"] == "abc123def456"
    assert any("abc123def456" in r.getMessage() for r in caplog.records)


def test_500_as_json_for_api_clients(crashing_app):
    resp = crashing_app.test_client().get("/boom", headers={"Accept": "application/json"})
    body = resp.get_json()
    assert resp.status_code == 500 and body["error"]["code"] == 500 and body["error"]["reference"]


def test_security_headers(crashing_app):
    resp = crashing_app.test_client().get("/login")
    assert resp.headers["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in resp.headers["Content-Security-Policy"]
    assert resp.headers["Cache-Control"] == "no-store"
