"""Bearer-token authentication, token scopes and per-token rate limits for the API.

Every API call (except the public OpenAPI document and its page) must carry
``Authorization: Bearer <token>``. The token acts as its user — the same role checks
(:mod:`supervision.authz`) and scoping (:mod:`supervision.scope`) as the pages — and never beyond
its scope: ``read`` for GET, ``submit`` for a filer's uploads and withdrawals, ``manage`` for
regulators' writes (a view declares what it needs with :func:`needs_scope`; a write that declares
nothing needs ``manage``). Session cookies are ignored on API paths (no CSRF exposure).
"""

from __future__ import annotations

import hashlib

from flask import Flask, current_app, g, request
from flask_login import AnonymousUserMixin
from flask_smorest import abort
from sqlalchemy.exc import OperationalError

from supervision.extensions import db, limiter

PUBLIC_ENDPOINTS = {"api-docs.openapi_json", "api_docs.page"}
READ_METHODS = {"GET", "HEAD", "OPTIONS"}
MAX_ID = 2**31 - 1


def needs_scope(scope: str):
    """Declare the token scope a view needs (``read``, ``submit`` or ``manage``)."""

    def decorator(view):
        view._api_scope = scope
        return view

    return decorator


def _secret() -> str | None:
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    return secret.strip() if scheme.lower() == "bearer" and secret.strip() else None


def rate_key() -> str:
    """Rate-limit key: the token (by a hash of it), else the client address."""
    secret = _secret()
    if secret:
        return "api-token:" + hashlib.sha256(secret.encode("utf-8")).hexdigest()[:32]
    return "api-addr:" + (request.remote_addr or "")


def _rate() -> str:
    return current_app.config.get("API_RATE_LIMIT", "300 per minute")


def limit(blp) -> None:
    """Apply the per-token rate limit (``SUPERVISION_API_RATE_LIMIT``) to every route of ``blp``."""
    limiter.limit(_rate, key_func=rate_key)(blp)


def needed_scope() -> str:
    """The scope the current request needs."""
    view = current_app.view_functions.get(request.endpoint)
    declared = getattr(view, "_api_scope", None)
    if declared:
        return declared
    return "read" if request.method in READ_METHODS else "manage"


def authenticate_request():
    """Before every API request: the bearer token, its user, its scope, its last use."""
    from supervision.tokens import services

    if not request.path.startswith("/api/") or request.endpoint in PUBLIC_ENDPOINTS or request.endpoint is None:
        return None
    g._login_user = AnonymousUserMixin()  # no session cookie on API paths
    secret = _secret()
    if secret is None:
        abort(401, message="A valid API token is required: send `Authorization: Bearer <token>`.")
    token = services.authenticate(secret)
    if token is None:
        abort(401, code="invalid_token", message="The token is unknown, expired or revoked.",
              message_zh="令牌无效、已过期或已吊销。")
    g._login_user = token.user
    g.api_token = token
    if any(isinstance(v, int) and v > MAX_ID for v in (request.view_args or {}).values()):
        abort(404)  # no record has such an id (and the databases' integers stop here)
    _refuse_nul_characters()
    needed = needed_scope()
    if not services.scope_allows(token.scope, needed):
        abort(403, code="insufficient_scope",
              message=f"This token's scope is '{token.scope}'; this call needs '{needed}'.",
              message_zh=f"该令牌的权限为“{token.scope}”，此操作需要“{needed}”。")
    try:
        if services.touch(token, request.remote_addr):
            db.session.commit()
    except OperationalError:
        # SQLite: a concurrent request of the same token wrote first (its snapshot went stale);
        # that request recorded the use at the same moment
        db.session.rollback()
    return None


def clean_filename(name: str | None) -> str:
    """An uploaded file's name without control characters (NUL cannot be stored), at most 255 long."""
    return "".join(ch for ch in (name or "") if ch >= " ")[:255]


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(k)
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def _refuse_nul_characters() -> None:
    """422 for a NUL character in the path, the query or a JSON body: no text of the platform holds
    one (PostgreSQL cannot store it). Form and file bodies are not read here (uploads are refused
    by size before they are read)."""
    query = [t for kv in request.args.items(multi=True) for t in kv]
    places = {"path": list((request.view_args or {}).values()), "query": query}
    if request.is_json:
        places["json"] = request.get_json(silent=True)
    for location, value in places.items():
        if any("\x00" in text for text in _strings(value)):
            abort(422, errors=[{"location": location, "field": None,
                                "message": "Text may not contain the NUL character (U+0000)."}])


def install(app: Flask) -> None:
    """Run :func:`authenticate_request` before the API's views."""
    app.before_request(authenticate_request)
