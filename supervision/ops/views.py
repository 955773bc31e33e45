"""``/healthz`` (the process answers), ``/readyz`` (it can serve: :mod:`.health`) and ``/metrics``
(Prometheus; answered to ``SUPERVISION_METRICS_ALLOW`` addresses or a bearer token) for load
balancers and monitoring. No login; nothing here reveals data."""

from __future__ import annotations

import hmac
import ipaddress
import json
import time

from flask import Blueprint, Response, abort, current_app, g, request

from supervision.extensions import csrf, limiter

bp = Blueprint("ops", __name__)


@bp.get("/healthz")
@limiter.exempt
def healthz():
    """The process is up (no dependency is asked)."""
    return Response('{"status": "ok"}', mimetype="application/json")


@bp.get("/readyz")
@limiter.exempt
def readyz():
    """200 when every readiness check passes, else 503 with what failed."""
    from supervision.ops.health import readiness

    checks = readiness()
    ready = all(c.ok for c in checks)
    from supervision.extensions import db

    db.session.rollback()
    body = {"status": "ready" if ready else "not ready", "checks": [c.as_dict() for c in checks]}
    return Response(json.dumps(body, ensure_ascii=False), status=200 if ready else 503, mimetype="application/json")


def metrics_allowed() -> bool:
    """The caller's address is in the allow-list, or it shows the configured bearer token."""
    token = current_app.config.get("METRICS_TOKEN")
    header = request.headers.get("Authorization", "")
    if token and header.startswith("Bearer ") and hmac.compare_digest(header[7:].encode(), token.encode()):
        return True
    allowed = [a.strip() for a in str(current_app.config.get("METRICS_ALLOW") or "").split(",") if a.strip()]
    try:
        addr = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        return False
    for entry in allowed:
        try:
            if addr in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False


@bp.get("/metrics")
@limiter.exempt
def metrics():
    """Prometheus text exposition."""
    if not metrics_allowed():
        abort(403)
    from prometheus_client import CONTENT_TYPE_LATEST

    from supervision.ops.metrics import exposition

    cfg = current_app.config
    return Response(exposition(cfg.get("REDIS_URL") if cfg.get("TASK_BACKEND") == "rq" else None, cfg["TASK_QUEUE"]),
                    mimetype=CONTENT_TYPE_LATEST.split(";")[0], headers={"Content-Type": CONTENT_TYPE_LATEST})


def register(app) -> None:
    """The blueprint (CSRF-exempt, nothing is posted) and the request-latency hooks."""
    csrf.exempt(bp)
    app.register_blueprint(bp)

    @app.before_request
    def _start_timer():
        g.request_started = time.perf_counter()

    @app.after_request
    def _observe(response):
        started = g.get("request_started")
        if started is not None and request.endpoint != "ops.metrics":
            from supervision.ops.metrics import observe_request

            observe_request(request.endpoint or "unmatched", request.method, response.status_code,
                            time.perf_counter() - started)
        return response
