"""One error shape for every API error (issue 13): 400/401/403/404/405/409/413/415/422/429/500."""

from __future__ import annotations

from tests.api.helpers import bearer, token_for

SHAPE = {"code", "message", "message_zh", "errors"}


def _check(resp, status: int, code: str):
    body = resp.get_json()
    assert resp.status_code == status, (resp.status_code, body)
    assert set(body) == SHAPE and body["code"] == code, body
    assert body["message"] and body["message_zh"] and isinstance(body["errors"], list)
    assert resp.headers["X-Request-ID"]
    return body


def test_error_shapes(app, db, world, client):
    filer = token_for(world.users.filer_a, "read")
    sup = token_for(world.users.supervisor, "manage")
    db.session.commit()
    _check(client.get("/api/v1/periods"), 401, "unauthorized")
    _check(client.get("/api/v1/periods", headers=bearer("svt_nope")), 401, "invalid_token")
    _check(client.post(f"/api/v1/versions/{world.filing_a.versions[0].id}/accept", headers=bearer(filer)), 403,
           "insufficient_scope")
    _check(client.get("/api/v1/filings", headers=bearer(token_for(world.users.admin, "read"))), 403, "forbidden")
    _check(client.get("/api/v1/versions/999999", headers=bearer(filer)), 404, "not_found")
    _check(client.get("/api/v1/no-such-thing", headers=bearer(filer)), 404, "not_found")
    resp = client.delete("/api/v1/periods", headers=bearer(filer))
    _check(resp, 405, "method_not_allowed")
    assert "GET" in resp.headers["Allow"]
    bad = _check(client.get("/api/v1/periods?limit=0", headers=bearer(filer)), 422, "validation_failed")
    assert bad["errors"] == [{"location": "query", "field": "limit", "message": bad["errors"][0]["message"]}]
    _check(client.get("/api/v1/periods?cursor=garbage", headers=bearer(filer)), 400, "invalid_cursor")
    # a refused business action (ServiceError) keeps its bilingual message: accept needs a VALIDATED version
    conflict = _check(client.post(f"/api/v1/versions/{world.filing_a.versions[0].id}/accept", headers=bearer(sup)),
                      409, "conflict")
    assert "只有校验通过的版本" in conflict["message_zh"] and "only validated versions" in conflict["message"]
    _check(client.post("/api/v1/filings?period=2024Q1&kind=CMP", data="x", content_type="text/plain",
                       headers=bearer(token_for(world.users.filer_a, "submit"))), 415, "unsupported_media_type")


def test_rate_limit_per_token(app, db, world, client):
    a = token_for(world.users.filer_a, "read")
    b = token_for(world.users.filer_b, "read")
    db.session.commit()
    old = app.config["API_RATE_LIMIT"]
    app.config["API_RATE_LIMIT"] = "3 per minute"
    try:
        codes = [client.get("/api/v1/periods", headers=bearer(a)).status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        _check(client.get("/api/v1/periods", headers=bearer(a)), 429, "rate_limited")
        assert client.get("/api/v1/periods", headers=bearer(b)).status_code == 200  # per token, not per address
    finally:
        app.config["API_RATE_LIMIT"] = old


def test_server_error_has_the_shape(app, db, world, client, monkeypatch):
    from supervision.api import periods

    def boom(p):
        raise RuntimeError("boom")

    monkeypatch.setattr(periods, "period_dict", boom)
    filer = token_for(world.users.filer_a, "read")
    db.session.commit()
    _check(client.get("/api/v1/periods", headers=bearer(filer)), 500, "server_error")


def test_openapi_document_and_docs_page_are_public(app, client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.") and "/api/v1/filings" in spec["paths"]
    assert spec["components"]["schemas"]["Error"]["required"] == ["code", "errors", "message", "message_zh"]
    page = client.get("/api/v1/docs")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "/static/vendor/swagger-ui/swagger-ui-bundle.js" in html
    assert "<script>" not in html and "http" not in html.split("<body>")[1]  # no inline script, no CDN
    asset = client.get("/static/vendor/swagger-ui/swagger-ui-bundle.js")
    assert asset.status_code == 200
    asset.close()
