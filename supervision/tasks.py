"""Background work on an existing engine.

* ``thread`` (the embedded default): a ``concurrent.futures.ThreadPoolExecutor`` inside the
  serving process; the heavy parsing itself still runs in a child process (see
  :mod:`supervision.ingest.runner`), so a crash or memory blow-up cannot take the web worker down.
* ``rq`` (production): jobs go to Redis and run in ``supervision worker`` processes (RQ).
* ``sync``: run at once in the caller (the CLI, which waits for the result anyway, and tests).

Jobs are referenced by dotted name and take plain arguments; each job builds its own app context
and commits its own work.
"""

from __future__ import annotations

import importlib
import logging
from concurrent.futures import Future, ThreadPoolExecutor

from flask import Flask, current_app

log = logging.getLogger(__name__)
BACKENDS = ("thread", "rq", "sync")


def _resolve(name: str):
    module, _, attr = name.rpartition(".")
    return getattr(importlib.import_module(module), attr)


def run_job(name: str, *args, app: Flask | None = None):
    """Run job ``name`` with ``args`` inside an application context (used by every backend)."""
    if app is None:
        from supervision.app import create_app

        app = create_app()
    with app.app_context():
        return _resolve(name)(*args)


def _executor(app: Flask) -> ThreadPoolExecutor:
    ex = app.extensions.get("supervision.executor")
    if ex is None:
        ex = ThreadPoolExecutor(max_workers=int(app.config.get("TASK_THREADS", 2)), thread_name_prefix="job")
        app.extensions["supervision.executor"] = ex
    return ex


def enqueue(name: str, *args) -> Future | str | object:
    """Queue job ``name`` on the configured backend; returns a Future, an RQ job id or the result."""
    app = current_app._get_current_object()
    backend = app.config.get("TASK_BACKEND", "thread")
    if backend == "sync":
        return _resolve(name)(*args)
    if backend == "rq":
        from redis import Redis
        from rq import Queue

        queue = Queue(app.config.get("TASK_QUEUE", "supervision"), connection=Redis.from_url(app.config["REDIS_URL"]))
        from supervision.filings.runner import time_limit

        job = queue.enqueue("supervision.tasks.run_job", name, *args,
                            job_timeout=time_limit(int(app.config["MAX_UPLOAD_BYTES"])) + 120)
        return job.id

    def _run():
        try:
            return run_job(name, *args, app=app)
        except Exception:
            log.exception("background job %s%r failed", name, args)
            raise

    return _executor(app).submit(_run)
