"""The WSGI application the tests' werkzeug servers run.

werkzeug's development server closes the application's response iterable in a ``finally`` that
first drains the socket; when the browser has reset the connection (a navigation that abandons a
favicon or a download), that drain raises ``ConnectionResetError`` and ``close()`` is never called.
The response's open file (``send_file``) is then collected unclosed, and the ``ResourceWarning``
becomes a failure of whichever test is running, because warnings are errors here. ``closing``
wraps the application so that its iterable is closed exactly once: by the server when it gets
there, else when the server drops it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator


class _ClosedOnce:
    """An application's response iterable, closed by ``close()`` or, failing that, when dropped."""

    __slots__ = ("_inner", "_open")

    def __init__(self, inner: Iterable[bytes]) -> None:
        self._inner = inner
        self._open = True

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._inner)

    def close(self) -> None:
        """Close the wrapped iterable (if it can be closed) the first time only."""
        if self._open:
            self._open = False
            close = getattr(self._inner, "close", None)
            if close is not None:
                close()

    def __del__(self) -> None:
        self.close()


def closing(app: Callable) -> Callable:
    """``app`` with every response iterable closed even where the development server skips it."""

    def wrapped(environ, start_response):
        return _ClosedOnce(app(environ, start_response))

    return wrapped
