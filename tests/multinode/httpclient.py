"""A small HTTP client for tests against real servers: a cookie jar (shared between nodes like a
browser behind a load balancer), no automatic redirects, multipart uploads. Not a test module."""

from __future__ import annotations

import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@dataclass
class Reply:
    """Status, headers and body of one response."""

    status: int
    headers: dict
    body: bytes

    @property
    def text(self) -> str:
        """The body as UTF-8 text."""
        return self.body.decode("utf-8", "replace")

    def csrf(self) -> str:
        """The CSRF token of the page."""
        m = CSRF_RE.search(self.text)
        assert m, f"no CSRF token in the page ({self.status})"
        return m.group(1)


class Browser:
    """One user's cookies, sent to whichever node a request goes to."""

    def __init__(self):
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect())

    def request(self, url: str, data: bytes | None = None, headers: dict | None = None) -> Reply:
        """GET (or POST when ``data``) without following redirects."""
        req = urllib.request.Request(url, data=data, headers=headers or {})
        try:
            with self.opener.open(req, timeout=60) as res:
                return Reply(res.status, dict(res.headers), res.read())
        except urllib.error.HTTPError as err:
            body = err.read()
            err.close()
            return Reply(err.code, dict(err.headers), body)

    def get(self, url: str) -> Reply:
        """GET ``url``."""
        return self.request(url)

    def post(self, url: str, fields: dict, files: dict | None = None) -> Reply:
        """POST a form (multipart when ``files``: name → (filename, bytes))."""
        if not files:
            body = urllib.parse.urlencode(fields).encode()
            return self.request(url, body, {"Content-Type": "application/x-www-form-urlencoded"})
        boundary = uuid.uuid4().hex
        parts = []
        for k, v in fields.items():
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode())
        for k, (name, data) in files.items():
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"; filename="{name}"\r\n'
                         f"Content-Type: application/octet-stream\r\n\r\n".encode() + data + b"\r\n")
        parts.append(f"--{boundary}--\r\n".encode())
        return self.request(url, b"".join(parts), {"Content-Type": f"multipart/form-data; boundary={boundary}"})

    def login(self, base: str, email: str, password: str) -> Reply:
        """Log in through the real form of node ``base``."""
        token = self.get(f"{base}/login").csrf()
        return self.post(f"{base}/login", {"email": email, "password": password, "csrf_token": token})
