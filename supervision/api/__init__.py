"""The versioned REST API at ``/api/v1`` (issue 13), built with flask-smorest.

One module per feature (``periods``, ``institutions``, ``filings``, ``league``, …), each with a
flask-smorest ``blp``; request and response bodies are marshmallow schemas in the feature's own
``schemas.py``. :func:`register_api` builds the :class:`flask_smorest.Api` (the OpenAPI document
at ``/api/v1/openapi.json``), registers :data:`FEATURE_MODULES` and installs bearer-token
authentication (:mod:`supervision.api.auth`). A feature adds its module to :data:`FEATURE_MODULES`.
"""

from __future__ import annotations

import importlib

from flask import Flask
from flask_smorest import Api

from supervision.api.schemas import ErrorSchema

API_PREFIX = "/api/v1"
#: feature modules, each exposing ``blp`` (a flask-smorest Blueprint under /api/v1)
FEATURE_MODULES = (
    "supervision.api.docs",
    "supervision.api.periods",
    "supervision.api.institutions",
    "supervision.api.filings",
    "supervision.api.league",
    "supervision.api.findings",
    "supervision.api.exports",
    "supervision.api.register",
    "supervision.api.jobs",
    "supervision.api.analytics",
)


class SupervisionApi(Api):
    """flask-smorest's Api with the platform's one error shape: the application's error handlers
    (:mod:`supervision.main.errors`) answer API paths with :mod:`supervision.api.errors`."""

    ERROR_SCHEMA = ErrorSchema

    def _register_error_handlers(self):
        """Errors are answered by the application's handlers (one shape for pages' JSON and the API)."""


def spec_config() -> dict:
    """flask-smorest settings: title, version, where the document is served."""
    return {
        "API_TITLE": "大消保 filing platform API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": API_PREFIX,
        "OPENAPI_JSON_PATH": "openapi.json",
        "API_SPEC_OPTIONS": {
            "info": {"description": "Versioned REST API of the platform (docs/api.md). Every call carries "
                                    "`Authorization: Bearer <token>`; errors share one shape."},
            "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}},
            "security": [{"bearerAuth": []}],
        },
    }


def register_api(app: Flask) -> Api:
    """Build the API for ``app``: its document, every feature blueprint, token authentication."""
    from supervision.api import auth
    from supervision.extensions import csrf

    for key, value in spec_config().items():
        app.config.setdefault(key, value)
    api = SupervisionApi(app)
    for name in FEATURE_MODULES:
        blp = importlib.import_module(name).blp
        csrf.exempt(blp)
        auth.limit(blp)
        api.register_blueprint(blp)
    auth.install(app)
    app.extensions["supervision.api"] = api
    return api
