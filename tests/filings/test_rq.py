"""Production mode: uploads are queued on Redis (RQ) and processed by a separate `supervision worker`."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import redis

from supervision.extensions import db
from supervision.filings import services
from supervision.filings.models import FilingVersion
from supervision.tasks import enqueue
from tests.filings.workbooks import cmp_workbook, detail_row

REDIS_URL = os.environ.get("SUPERVISION_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture()
def rq_app(ctx):
    app, world = ctx
    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.exceptions.ConnectionError:
        pytest.fail(f"Redis is not reachable at {REDIS_URL} (make services starts it)")
    queue = f"test-{uuid.uuid4().hex[:8]}"
    saved = {k: app.config.get(k) for k in ("TASK_BACKEND", "REDIS_URL", "TASK_QUEUE")}
    app.config.update(TASK_BACKEND="rq", REDIS_URL=REDIS_URL, TASK_QUEUE=queue)
    yield app, world, queue
    app.config.update(saved)


def test_upload_processed_by_rq_worker(rq_app, tmp_path):
    app, world, queue = rq_app
    period = world.current
    start = period.start_date
    rows = [detail_row("RQ-1", start + dt.timedelta(days=1), closed=start + dt.timedelta(days=2),
                       summary="客户反映催收电话过于频繁")]
    path = cmp_workbook(tmp_path / "rq.xlsx", code=world.inst_a.code, name=world.inst_a.name, period=period.code,
                        rows=rows, period_start=start)
    with path.open("rb") as fh:
        stored = services.store_original(fh)
    sub = services.submit(None, world.inst_a, period, "CMP", stored, "rq.xlsx")
    db.session.commit()
    job_id = enqueue("supervision.filings.runner.run_version", sub.version.id)
    assert isinstance(job_id, str)
    db.session.rollback()
    assert db.session.get(FilingVersion, sub.version.id).status == "RECEIVED"  # nothing ran in this process
    env = {**os.environ, "SUPERVISION_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
           "SUPERVISION_INSTANCE_PATH": app.config["INSTANCE_PATH"], "SUPERVISION_SECRET_KEY": app.config["SECRET_KEY"],
           "SUPERVISION_REDIS_URL": REDIS_URL, "SUPERVISION_TASK_QUEUE": queue, "SUPERVISION_TASK_BACKEND": "rq"}
    bin_ = Path(sys.executable).parent / "supervision"
    done = subprocess.run([str(bin_), "worker", "--burst"], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    db.session.rollback()
    v = db.session.get(FilingVersion, sub.version.id)
    assert v.status == "ACCEPTED", (v.status, v.failure)
    # the search's copy of the summaries (PostgreSQL): queued by the ingest, filled by the worker
    from rq import Queue
    from rq.registry import FinishedJobRegistry
    from sqlalchemy import func, select

    from supervision.topics.models import ComplaintSummary

    finished = FinishedJobRegistry(queue=Queue(queue, connection=redis.Redis.from_url(REDIS_URL)))
    names = sorted(Queue(queue, connection=finished.connection).fetch_job(j).args[0] for j in finished.get_job_ids())
    copied = db.session.scalar(select(func.count()).select_from(ComplaintSummary)
                               .where(ComplaintSummary.version_id == v.id))
    if db.engine.dialect.name == "postgresql":
        assert names == ["supervision.filings.runner.run_version", "supervision.topics.search.fill_task"]
        assert copied == 1
    else:  # SQLite has no trigram index: nothing to fill
        assert names == ["supervision.filings.runner.run_version"] and copied == 0
