"""The one error shape of the API: ``{"code", "message", "message_zh", "errors": [...]}``.

Called by the application's error handlers (:mod:`supervision.main.errors`,
:func:`supervision.errors.respond`) for paths under ``/api/``: HTTP errors (400–429, 500), webargs
validation (422, each bad field an item of ``errors``) and :class:`~supervision.errors.ServiceError`
(its Chinese and English messages; an ``issues`` attribute lists validation issues with rule IDs).
"""

from __future__ import annotations

import uuid

from flask import g, jsonify, request

#: status → (code, English, Chinese)
DEFAULTS: dict[int, tuple[str, str, str]] = {
    400: ("bad_request", "The request could not be understood.", "请求无法识别。"),
    401: ("unauthorized", "A valid API token is required: send `Authorization: Bearer <token>`.",
          "需要有效的 API 令牌：请发送 `Authorization: Bearer <令牌>`。"),
    403: ("forbidden", "Your account or token may not do this.", "您的账户或令牌无权执行此操作。"),
    404: ("not_found", "The record does not exist, or you cannot see it.", "记录不存在，或您无权查看。"),
    405: ("method_not_allowed", "This address does not accept that method.", "该地址不接受此请求方法。"),
    406: ("not_acceptable", "The requested representation is not available.", "无法提供所请求的格式。"),
    409: ("conflict", "The record is in a state that does not allow this.", "记录当前状态不允许此操作。"),
    413: ("payload_too_large", "The upload is larger than the platform accepts (F05).",
          "上传内容超过平台上限 (F05)。"),
    415: ("unsupported_media_type", "Send the workbook as multipart/form-data (field `file`) or as the raw body "
                                   "with an Excel Content-Type.",
          "请以 multipart/form-data（字段 file）或以 Excel 类型的原始请求体上传工作簿。"),
    422: ("validation_failed", "Some parameters are invalid; see `errors`.", "部分参数无效，详见 errors。"),
    429: ("rate_limited", "Too many requests for this token. Wait a minute and try again.",
          "该令牌请求过于频繁，请稍候一分钟再试。"),
    500: ("server_error", "Something went wrong on our side. Quote the X-Request-ID when you contact support.",
          "服务器内部错误。联系技术支持时请提供 X-Request-ID。"),
}


def is_api_request() -> bool:
    """Whether the current request is an API call (answered in the API's error shape)."""
    return request.path.startswith("/api/")


def error_body(status: int, *, code: str | None = None, message: str | None = None,
               message_zh: str | None = None, errors: list | None = None) -> dict:
    """The error body for ``status`` (defaults from :data:`DEFAULTS`)."""
    d_code, d_en, d_zh = DEFAULTS.get(status, ("error", "The request failed.", "请求失败。"))
    return {"code": code or d_code, "message": message or d_en, "message_zh": message_zh or d_zh,
            "errors": errors or []}


def error_response(status: int, **kwargs):
    """A JSON error response with the request id header."""
    resp = jsonify(error_body(status, **kwargs))
    resp.status_code = status
    if not g.get("request_id"):  # refused before the request-id hook ran (rate limit)
        g.request_id = uuid.uuid4().hex
    resp.headers["X-Request-ID"] = g.request_id
    if status == 401:
        resp.headers["WWW-Authenticate"] = 'Bearer realm="api"'
    return resp


def _flatten(messages, location: str, prefix: str = "") -> list[dict]:
    """webargs' ``{"query": {"limit": ["…"]}}`` as ``[{"location", "field", "message"}]``."""
    out: list[dict] = []
    if isinstance(messages, dict):
        for key, value in messages.items():
            field = f"{prefix}.{key}" if prefix else str(key)
            out.extend(_flatten(value, location, field))
    elif isinstance(messages, list | tuple):
        for item in messages:
            if isinstance(item, dict | list | tuple):
                out.extend(_flatten(item, location, prefix))
            else:
                out.append({"location": location, "field": prefix or None, "message": str(item)})
    else:
        out.append({"location": location, "field": prefix or None, "message": str(messages)})
    return out


def from_http_exception(exc):
    """An HTTP exception (abort, webargs 422, Flask-Limiter 429, werkzeug 413 …) in the API shape."""
    status = exc.code or 500
    data = getattr(exc, "data", None) or {}
    errors: list[dict] = []
    messages = data.get("messages") or data.get("errors")
    if isinstance(messages, dict):
        for location, inner in messages.items():
            errors.extend(_flatten(inner, str(location)))
    elif isinstance(messages, list):
        errors = [m if isinstance(m, dict) else {"message": str(m)} for m in messages]
    if status == 413 and not errors:  # refused from its declared length, before anything read it
        errors = [{"rule": "F05", "field": "Content-Length", "message_zh": "请求体超过平台上限",
                   "message_en": "the request body is larger than the platform accepts"}]
    kwargs = {k: data[k] for k in ("code", "message", "message_zh") if k in data}
    resp = error_response(status, errors=errors, **kwargs)
    for name, value in (data.get("headers") or {}).items():
        resp.headers[name] = value
    if status == 405 and getattr(exc, "valid_methods", None):
        resp.headers["Allow"] = ", ".join(exc.valid_methods)
    return resp


def from_service_error(exc):
    """A refused business action: its bilingual message and the status it deserves."""
    errors = list(getattr(exc, "issues", None) or [])
    code = getattr(exc, "api_code", None)
    return error_response(exc.status, code=code, message=exc.message_en or exc.message_zh,
                          message_zh=exc.message_zh, errors=errors)
