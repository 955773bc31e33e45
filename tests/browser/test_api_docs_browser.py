"""The browsable API reference (/api/v1/docs) renders in a real Chromium under the site's Content
Security Policy: Swagger UI from the vendored npm package, no CDN, no violation."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_api_reference_renders_under_the_csp(live_server, page):
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.on("requestfailed", lambda req: problems.append(f"failed {req.url}"))
    outside: list[str] = []
    page.on("request", lambda req: outside.append(req.url) if not req.url.startswith(live_server["url"]) else None)
    page.goto(live_server["url"] + "/api/v1/docs")
    page.wait_for_selector("#swagger-ui .information-container .title", timeout=15000)
    assert "API" in page.inner_text("#swagger-ui .information-container .title")
    page.wait_for_selector("#swagger-ui .opblock-summary-path", timeout=15000)
    paths = page.locator("#swagger-ui .opblock-summary-path").all_inner_texts()
    assert any("/api/v1/filings" in p for p in paths)
    assert not [p for p in problems if "Content Security Policy" in p or "failed" in p], problems
    assert not outside, f"the page fetched from elsewhere: {outside}"
