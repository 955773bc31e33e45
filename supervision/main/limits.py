"""Request body limits enforced *before* the body is read (issue 11, defect 1).

Flask's ``MAX_CONTENT_LENGTH`` only acts once something reads the form, and Flask-WTF's CSRF check
reads it for every POST: without this, an anonymous 400 MiB ``POST /login`` was read and spooled
in full. :class:`BodyLimit` wraps the WSGI application:

* A declared ``Content-Length`` above the route's limit is refused at once with 413: the body is
  replaced by an empty one, so nothing of it is read, and the first request hook answers 413.
* A body without a length (chunked transfer) is counted while it is read; past the limit reading
  stops with 413.

Every route gets ``MAX_FORM_BYTES`` (64 KiB by default) unless its view is marked with
:func:`accepts_upload`; those get ``MAX_CONTENT_LENGTH`` (the §3 upload limit plus form overhead).
"""

from __future__ import annotations

import io

from flask import Flask, abort, request
from werkzeug.exceptions import MethodNotAllowed, NotFound, RequestEntityTooLarge
from werkzeug.routing import IntegerConverter, RequestRedirect

REFUSED = "supervision.body_refused"


def accepts_upload(view):
    """Mark a view as taking a file: its requests may carry up to ``MAX_CONTENT_LENGTH`` bytes."""
    view.accepts_upload = True
    return view


class _CountingInput:
    """A request body without a declared length, cut off with 413 past ``limit`` bytes."""

    def __init__(self, stream, limit: int):
        self._stream, self._limit, self._seen = stream, limit, 0

    def _count(self, data: bytes) -> bytes:
        self._seen += len(data)
        if self._seen > self._limit:
            raise RequestEntityTooLarge()
        return data

    def read(self, size: int = -1) -> bytes:
        """Read at most ``size`` bytes (all when negative), counting them."""
        return self._count(self._stream.read(size) if size is not None and size >= 0 else self._stream.read())

    def readline(self, size: int = -1) -> bytes:
        """Read one line, counting it."""
        return self._count(self._stream.readline(size))

    def __iter__(self):
        return iter(self.readline, b"")


class BodyLimit:
    """WSGI middleware: the per-route body limit, applied before the application reads anything."""

    def __init__(self, app: Flask, wsgi_app):
        self.app, self.wsgi_app = app, wsgi_app

    def limit_for(self, environ) -> int:
        """The body limit of the route ``environ`` addresses."""
        cfg = self.app.config
        small = int(cfg.get("MAX_FORM_BYTES") or 64 * 1024)
        try:
            endpoint, _args = self.app.url_map.bind_to_environ(environ).match()
        except (NotFound, MethodNotAllowed, RequestRedirect):
            return small
        except Exception:  # a malformed request: the application answers it, with the small limit
            return small
        view = self.app.view_functions.get(endpoint)
        if view is not None and getattr(view, "accepts_upload", False):
            return int(cfg["MAX_CONTENT_LENGTH"])
        return small

    def __call__(self, environ, start_response):
        method = environ.get("REQUEST_METHOD", "GET").upper()
        if method not in ("GET", "HEAD", "OPTIONS"):
            limit = self.limit_for(environ)
            declared = environ.get("CONTENT_LENGTH") or ""
            if declared.strip():
                try:
                    length = int(declared)
                except ValueError:
                    length = limit + 1
                if length > limit:
                    environ[REFUSED] = limit
                    environ["wsgi.input"] = io.BytesIO(b"")
                    environ["CONTENT_LENGTH"] = "0"
            elif environ.get("wsgi.input_terminated") or "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
                environ["wsgi.input"] = _CountingInput(environ["wsgi.input"], limit)
                environ["wsgi.input_terminated"] = True
        return self.wsgi_app(environ, start_response)


def _refuse_oversized():
    if request.environ.get(REFUSED) is not None:
        abort(413)


def _refuse_nul():
    """A NUL byte in the path, the query or a form field is never meaningful (PostgreSQL cannot
    even store it): 400 instead of an error deep inside a query."""
    if "\x00" in request.path or any("\x00" in k or "\x00" in v for k, v in request.args.items(multi=True)):
        abort(400)
    form_body = request.method not in ("GET", "HEAD", "OPTIONS") and request.mimetype in (
        "application/x-www-form-urlencoded", "multipart/form-data")
    if form_body and any("\x00" in k or "\x00" in v for k, v in request.form.items(multi=True)):
        abort(400)


class BoundedInt(IntegerConverter):
    """``<int:…>`` in routes: an id above 2**31 - 1 (beyond every id column) is simply not found
    (404), instead of an integer overflow in the database."""

    def __init__(self, url_map, fixed_digits=0, min=None, max=2**31 - 1, signed=False):
        super().__init__(url_map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def register(app: Flask) -> None:
    """Install the middleware and the request hook that answers a refused body with 413 (it runs
    before every other hook, CSRF included, so nothing tries to read the missing body)."""
    app.wsgi_app = BodyLimit(app, app.wsgi_app)
    hooks = app.before_request_funcs.setdefault(None, [])
    hooks.insert(0, _refuse_nul)
    hooks.insert(0, _refuse_oversized)
