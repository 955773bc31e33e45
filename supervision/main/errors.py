"""Error pages in the site layout; never a stack trace. A 500 shows the request's reference id."""

from __future__ import annotations

import logging

from flask import Flask, g, jsonify, redirect, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from supervision.api.errors import error_response, from_http_exception, is_api_request
from supervision.errors import ServiceError, respond
from supervision.extensions import db

log = logging.getLogger("supervision.errors")


def wants_json() -> bool:
    """Whether the client asked for JSON (API paths, ``Accept: application/json``)."""
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def _titles() -> dict[int, tuple[str, str]]:
    return {
        400: (_("Bad request"), _("The request could not be understood.")),
        403: (_("Forbidden"), _("You do not have permission to open this page.")),
        404: (_("Not found"), _("The page or record does not exist, or you cannot see it.")),
        405: (_("Method not allowed"), _("This address does not accept that kind of request.")),
        409: (_("Conflict"), _("The record changed or is in a state that does not allow this.")),
        413: (_("File too large"), _("The upload is larger than the platform accepts.")),
        429: (_("Too many attempts"), _("Too many attempts. Wait a while and try again.")),
    }


def render_error(code: int, title: str | None = None, message: str | None = None):
    """The error page (or JSON for API clients) with ``code``; title and message default to the
    code's own."""
    default_title, default_message = _titles().get(code, (_("Error"), ""))
    title = default_title if title is None else title
    message = default_message if message is None else message
    ref = g.get("request_id", "")
    if is_api_request():
        return error_response(code)
    if wants_json():
        return jsonify({"error": {"code": code, "title": title, "message": message, "reference": ref}}), code
    return render_template("errors/error.html", code=code, title=title, message=message, reference=ref), code


def register(app: Flask) -> None:
    """Install the handlers on ``app``."""

    @app.errorhandler(CSRFError)
    def csrf_error(e):
        return render_error(400, _("Form expired"),
                            _("The form's security token is missing or expired. Go back, reload the page and try "
                              "again."))

    @app.errorhandler(HTTPException)
    def http_error(e: HTTPException):
        if e.code in (403, 404):
            from supervision.audit.services import record_denial

            record_denial(e.code)
        if is_api_request():
            return from_http_exception(e)
        if e.response is not None and e.code == 429:  # a view's own refusal page (the login form)
            return e.response
        if e.code == 405 and request.method in ("GET", "HEAD") and not wants_json():
            # a form's POST address reloaded or bookmarked: the page the form belongs to
            from supervision.main.addresses import page_for

            return redirect(page_for(request.full_path))
        if e.code in _titles():
            return render_error(e.code)
        return render_error(e.code or 500, e.name, e.description or "")

    app.register_error_handler(ServiceError, respond)

    @app.errorhandler(Exception)
    def server_error(e: Exception):
        if isinstance(e, HTTPException):
            return http_error(e)
        log.exception("unhandled error, reference %s", g.get("request_id"))
        try:
            db.session.rollback()
        except Exception:  # pragma: no cover - rollback must never mask the page
            log.exception("rollback failed")
        return render_error(500, _("Server error"),
                            _("Something went wrong on our side. Quote this reference when you contact support."))
