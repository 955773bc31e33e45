"""Error pages in the site layout; never a stack trace. A 500 shows the request's reference id."""

from __future__ import annotations

import logging

from flask import Flask, g, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from supervision.extensions import db

log = logging.getLogger("supervision.errors")


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def _render(code: int, title: str, message: str):
    ref = g.get("request_id", "")
    if _wants_json():
        return jsonify({"error": {"code": code, "title": title, "message": message, "reference": ref}}), code
    return render_template("errors/error.html", code=code, title=title, message=message, reference=ref), code


def register(app: Flask) -> None:
    """Install the handlers on ``app``."""

    @app.errorhandler(CSRFError)
    def csrf_error(e):
        return _render(400, _("Form expired"),
                       _("The form's security token is missing or expired. Go back, reload the page and try again."))

    @app.errorhandler(HTTPException)
    def http_error(e: HTTPException):
        messages = {
            400: (_("Bad request"), _("The request could not be understood.")),
            403: (_("Forbidden"), _("You do not have permission to open this page.")),
            404: (_("Not found"), _("The page or record does not exist, or you cannot see it.")),
            405: (_("Method not allowed"), _("This address does not accept that kind of request.")),
            413: (_("File too large"), _("The upload is larger than the platform accepts.")),
            429: (_("Too many attempts"), _("Too many attempts. Wait a minute and try again.")),
        }
        title, message = messages.get(e.code or 500, (e.name, e.description or ""))
        return _render(e.code or 500, title, message)

    @app.errorhandler(Exception)
    def server_error(e: Exception):
        if isinstance(e, HTTPException):
            return http_error(e)
        log.exception("unhandled error, reference %s", g.get("request_id"))
        try:
            db.session.rollback()
        except Exception:  # pragma: no cover - rollback must never mask the page
            log.exception("rollback failed")
        return _render(500, _("Server error"),
                       _("Something went wrong on our side. Quote this reference when you contact support."))
