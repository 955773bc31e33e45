"""Addresses a browser can come back to.

A form answered with its errors leaves the browser on the form's ``POST`` address
(``/findings/603/status``); switching the language there, reloading it from the address bar or
bookmarking it would ask that address for a page it does not serve (405). :func:`page_for` walks such
an address up to the nearest one that answers ``GET`` (``/findings/603``).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, url_for
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import RequestRedirect

from supervision.main.helpers import safe_next


def answers_get(path: str) -> bool:
    """Whether the application serves ``GET path`` (a route matches it for GET)."""
    adapter = current_app.url_map.bind("localhost")
    try:
        adapter.match(path, method="GET")
    except RequestRedirect:
        return True
    except (MethodNotAllowed, NotFound):
        return False
    return True


def page_for(target: str | None) -> str:
    """A local address to send the browser to for ``target``: ``target`` itself when it answers
    ``GET``, else its nearest parent that does (query dropped), else the home page. Anything not
    local is the home page (:func:`safe_next`)."""
    target = safe_next(target)
    parts = urlsplit(target)
    path = parts.path
    if answers_get(path):
        return target
    while "/" in path.rstrip("/"):
        path = path.rstrip("/").rsplit("/", 1)[0] or "/"
        if path != "/" and answers_get(path):
            return path
    return url_for("main.index")
