"""tests/live.py: the tests' servers close every response, also one the server drops unclosed."""

from __future__ import annotations

import gc
import warnings

from flask import Flask, send_file
from werkzeug.test import EnvironBuilder

from tests.live import closing


def _file_app(path):
    app = Flask(__name__)

    @app.get("/f")
    def f():
        return send_file(path)

    return app


def _drop_unclosed(app) -> list[warnings.WarningMessage]:
    """Start a response and drop it without close(), as werkzeug's server does on a reset peer."""
    environ = EnvironBuilder(path="/f").get_environ()
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        body = app(environ, lambda status, headers, exc_info=None: None)
        del body
        gc.collect()
    return [w for w in seen if issubclass(w.category, ResourceWarning)]


def test_a_dropped_file_response_is_closed_by_the_wrapper(tmp_path):
    path = tmp_path / "favicon.ico"
    path.write_bytes(b"\x00" * 64)
    app = _file_app(path)
    assert _drop_unclosed(app.wsgi_app) != []  # the defect the wrapper exists for
    assert _drop_unclosed(closing(app.wsgi_app)) == []


def test_the_iterable_is_closed_once_and_yields_the_body():
    calls = []

    class Body:
        def __iter__(self):
            return iter([b"a", b"b"])

        def close(self):
            calls.append("close")

    wrapped = closing(lambda environ, start_response: Body())({}, None)
    assert b"".join(wrapped) == b"ab"
    wrapped.close()
    del wrapped
    gc.collect()
    assert calls == ["close"]

    plain = closing(lambda environ, start_response: [b"x"])({}, None)
    assert list(plain) == [b"x"]
    plain.close()  # a list has no close(): nothing to do, no error
