"""Prometheus metrics through ``prometheus_client``.

Every process records into the default registry; under gunicorn (several worker processes) and for
RQ workers set ``PROMETHEUS_MULTIPROC_DIR`` to a folder shared by that machine's processes (emptied
at start, docs/deploy.md) and ``/metrics`` adds every process's samples up (multiprocess mode).
The queue depth is read from Redis when scraped.
"""

from __future__ import annotations

import os

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily

REQUEST_SECONDS = Histogram("supervision_request_seconds", "Web request latency by endpoint",
                            ["endpoint", "method", "status"],
                            buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))
INGEST_SECONDS = Histogram("supervision_ingest_seconds", "Ingest duration of a filing version by outcome",
                           ["outcome"], buckets=(0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900))
INGEST_ROWS = Counter("supervision_ingest_rows", "Data rows read by ingest, by outcome", ["outcome"])
JOB_RUNS = Counter("supervision_job_runs", "Scheduled job runs by job and outcome", ["job", "outcome"])
STORAGE_ERRORS = Counter("supervision_storage_errors", "Blob storage errors by kind", ["kind"])


def storage_error(kind: str) -> None:
    """Count one storage error (missing, corrupt, unreachable)."""
    STORAGE_ERRORS.labels(kind=kind).inc()


def observe_request(endpoint: str, method: str, status: int, seconds: float) -> None:
    """Record one web request."""
    REQUEST_SECONDS.labels(endpoint=endpoint or "none", method=method, status=str(status)).observe(seconds)


def observe_ingest(outcome: str, seconds: float | None, rows: int) -> None:
    """Record one finished ingest."""
    if seconds is not None:
        INGEST_SECONDS.labels(outcome=outcome).observe(seconds)
    if rows:
        INGEST_ROWS.labels(outcome=outcome).inc(rows)


def observe_job_run(job: str, outcome: str) -> None:
    """Record one job run's outcome."""
    JOB_RUNS.labels(job=job, outcome=outcome).inc()


class QueueDepthCollector:
    """``supervision_queue_depth``: jobs waiting in the RQ queue (read at scrape time)."""

    def __init__(self, redis_url: str | None, queue: str):
        self.redis_url, self.queue = redis_url, queue

    def collect(self):
        """One gauge sample per queue (none without Redis)."""
        g = GaugeMetricFamily("supervision_queue_depth", "Jobs waiting in the task queue", labels=["queue"])
        if self.redis_url:
            try:
                from redis import Redis
                from rq import Queue

                conn = Redis.from_url(self.redis_url, socket_connect_timeout=2, socket_timeout=2)
                g.add_metric([self.queue], float(Queue(self.queue, connection=conn).count))
            except Exception:  # an unreachable Redis is for /readyz to report: no sample then
                g.samples.clear()
        yield g


def registry_for(redis_url: str | None, queue: str) -> CollectorRegistry:
    """A registry of every metric (every process's in multiprocess mode) plus the queue depth."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
    else:
        for collector in (REQUEST_SECONDS, INGEST_SECONDS, INGEST_ROWS, JOB_RUNS, STORAGE_ERRORS):
            registry.register(collector)
    registry.register(QueueDepthCollector(redis_url, queue))
    return registry


def exposition(redis_url: str | None, queue: str) -> bytes:
    """The text exposition of every metric."""
    return generate_latest(registry_for(redis_url, queue))


def serve_if_configured(config) -> int | None:
    """For processes without web pages (queue workers, the scheduler): serve the metrics on
    ``SUPERVISION_METRICS_PORT`` (address ``SUPERVISION_METRICS_BIND``, default loopback) in a
    background thread; returns the port (None when not configured). Queue workers run each job in a
    forked process: set ``PROMETHEUS_MULTIPROC_DIR`` so its samples are kept."""
    port = config.get("METRICS_PORT")
    if not port:
        return None
    from prometheus_client import start_http_server

    queue_url = config.get("REDIS_URL") if config.get("TASK_BACKEND") == "rq" else None
    start_http_server(int(port), addr=config.get("METRICS_BIND") or "127.0.0.1",
                      registry=registry_for(queue_url, config["TASK_QUEUE"]))
    return int(port)
