"""Issue 11 defect 1: oversized bodies are refused with 413 *before* they are read; routes that
take no file get a small limit, upload routes the §3 upload limit; chunked bodies are counted."""

from __future__ import annotations

import io

from werkzeug.test import EnvironBuilder, run_wsgi_app

MiB = 1024 * 1024


class WatchedBody(io.RawIOBase):
    """A request body that records how much of it the application read."""

    def __init__(self, size: int):
        self.size, self.read_bytes = size, 0

    def readable(self):
        return True

    def readinto(self, buf):
        n = min(len(buf), self.size - self.read_bytes)
        buf[:n] = b"a" * n
        self.read_bytes += n
        return n


def _post(app, path, *, length: int | None, body: WatchedBody, cookies: str = "", chunked: bool = False):
    builder = EnvironBuilder(path=path, method="POST", content_type="application/x-www-form-urlencoded")
    environ = builder.get_environ()
    environ["wsgi.input"] = body
    if chunked:
        environ.pop("CONTENT_LENGTH", None)
        environ["HTTP_TRANSFER_ENCODING"] = "chunked"
        environ["wsgi.input_terminated"] = True
    else:
        environ["CONTENT_LENGTH"] = str(length)
    if cookies:
        environ["HTTP_COOKIE"] = cookies
    app_iter, status, _headers = run_wsgi_app(app.wsgi_app, environ)
    b"".join(app_iter)
    return int(status.split()[0])


def test_max_content_length_is_really_set(app):
    assert app.config["MAX_CONTENT_LENGTH"] == app.config["MAX_UPLOAD_BYTES"] + 2 * MiB


def test_anonymous_huge_login_and_logout_refused_unread(app, db):
    for path in ("/login", "/logout"):
        body = WatchedBody(400 * MiB)
        assert _post(app, path, length=400 * MiB, body=body) == 413
        assert body.read_bytes == 0, path


def test_small_limit_on_routes_without_a_file(app, db):
    limit = app.config["MAX_FORM_BYTES"]
    body = WatchedBody(limit + 1)
    assert _post(app, "/login", length=limit + 1, body=body) == 413 and body.read_bytes == 0
    body = WatchedBody(limit - 10)
    assert _post(app, "/login", length=limit - 10, body=body) != 413  # read, refused for its CSRF token


def test_upload_route_gets_upload_limit_not_more(app, db):
    over = app.config["MAX_CONTENT_LENGTH"] + 1
    body = WatchedBody(over)
    assert _post(app, "/filings/upload", length=over, body=body) == 413 and body.read_bytes == 0
    # an upload-sized body (more than the small limit) is not refused for its size on the upload route
    body = WatchedBody(2 * MiB)
    assert _post(app, "/filings/upload", length=2 * MiB, body=body) != 413


def test_chunked_body_without_length_is_counted(app, db):
    limit = app.config["MAX_FORM_BYTES"]
    body = WatchedBody(50 * MiB)
    assert _post(app, "/login", length=None, body=body, chunked=True) == 413
    assert body.read_bytes < limit + 2 * MiB  # stopped soon after the limit, not read to the end



def test_hsts_in_production_only(app, client):
    assert "Strict-Transport-Security" not in client.get("/login").headers
    app.config["SUPERVISION_ENV"] = "production"
    try:
        hsts = client.get("/login").headers.get("Strict-Transport-Security", "")
    finally:
        app.config["SUPERVISION_ENV"] = "testing"
    assert hsts.startswith("max-age=31536000")
