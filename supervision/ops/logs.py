"""JSON logs (``SUPERVISION_LOG_FORMAT=json``): one object per line with time, level, logger,
message, process and — inside a request — its request id (the ``X-Request-ID`` answered)."""

from __future__ import annotations

import json
import logging
import os
import time


class JsonFormatter(logging.Formatter):
    """A log record as one JSON line."""

    def format(self, record: logging.LogRecord) -> str:
        """The record's fields plus the request id when there is one."""
        body = {"ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
                "level": record.levelname, "logger": record.name, "message": record.getMessage(),
                "pid": record.process}
        rid = request_id()
        if rid:
            body["request_id"] = rid
        if record.exc_info:
            body["exc"] = self.formatException(record.exc_info)
        return json.dumps(body, ensure_ascii=False)


def request_id() -> str | None:
    """The current request's id (None outside a request)."""
    from flask import g, has_request_context

    return g.get("request_id") if has_request_context() else None


def configure(app) -> None:
    """Use JSON lines on the root logger when ``SUPERVISION_LOG_FORMAT=json`` (gunicorn, workers)."""
    if (app.config.get("LOG_FORMAT") or os.environ.get("SUPERVISION_LOG_FORMAT", "")).lower() != "json":
        return
    root = logging.getLogger()
    if any(isinstance(h.formatter, JsonFormatter) for h in root.handlers):
        return
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
