"""``/healthz`` (the process answers), ``/readyz`` (it can serve: :mod:`.health`) and ``/metrics``
(Prometheus; answered to ``SUPERVISION_METRICS_ALLOW`` addresses or a bearer token) for load
balancers and monitoring. No login; nothing here reveals data."""

from __future__ import annotations

import json
import time

from flask import Blueprint, Response, abort, current_app, g, request

from supervision.extensions import csrf, limiter
from supervision.ops.access import metrics_allowed

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


@bp.get("/metrics")
@limiter.exempt
def metrics():
    """Prometheus text exposition."""
    if not metrics_allowed(request.remote_addr, request.headers.get("Authorization", ""),
                           current_app.config.get("METRICS_ALLOW"), current_app.config.get("METRICS_TOKEN")):
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
