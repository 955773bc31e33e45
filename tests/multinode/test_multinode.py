"""Several machines on one (issue 16): two gunicorn web nodes with their own instance folders and no
shared disk, two RQ workers, one scheduler, PostgreSQL, Redis and SeaweedFS (S3).

An upload through node A is processed by a worker; its report, original and annotated workbook are
downloaded through node B; an export made by the scheduler is downloaded through node A; a session
started on A is valid on B and a logout on B ends it on A; the login rate limit holds across both.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import sys
import time
from pathlib import Path

import openpyxl
import pytest

from tests.conftest import PASSWORD
from tests.multinode.cluster import BIN, REDIS, ROOT, Cluster, seed, wait_http
from tests.multinode.httpclient import Browser
from tests.seaweed import free_ports

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

LOGIN_LIMIT = 5


@pytest.fixture(scope="module")
def cluster(seaweed, tmp_path_factory):
    """The whole deployment, started once for the module."""
    from redis import Redis

    tmp = tmp_path_factory.mktemp("multinode")
    c = Cluster(tmp, seaweed, login_limit=f"{LOGIN_LIMIT} per hour")
    c.app, c.info = seed(c)
    port_a, port_b, *c.metric_ports = free_ports(5, set(seaweed.ports))
    c.a, c.b = f"http://127.0.0.1:{port_a}", f"http://127.0.0.1:{port_b}"
    try:
        for name, port in (("nodeA", port_a), ("nodeB", port_b)):
            c.start(name, [str(BIN / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", "2", "--threads", "4",
                           "--chdir", str(ROOT), "supervision.wsgi:app"])
        for n in (1, 2):
            c.start(f"worker{n}", [str(BIN / "supervision"), "worker"],
                    SUPERVISION_METRICS_PORT=str(c.metric_ports[n - 1]))
        c.start("scheduler", [sys.executable, "-m", "scheduler"], SUPERVISION_METRICS_PORT=str(c.metric_ports[2]))
        wait_http(f"{c.a}/healthz")
        wait_http(f"{c.b}/healthz")
        Redis.from_url(REDIS).delete(*(Redis.from_url(REDIS).keys("LIMITS:LIMITER*") or [b"none"]))
        yield c
    finally:
        c.stop()
        from supervision.extensions import db

        with c.app.app_context():
            db.engine.dispose()


def _cmp_workbook(info, tmp: Path) -> bytes:
    from supervision.demo import workbooks as gen

    code, name, sector = info["inst_a"]
    profile = gen.profile_for(code, name, sector, seed=11)
    path = tmp / "upload.xlsx"
    gen.write_cmp(path, gen.generate_cmp(profile, info["period"], carried_over=[]))
    return path.read_bytes()


def _poll(fn, timeout: float, what: str, cluster: Cluster):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = fn()
        if value:
            return value
        time.sleep(1)
    raise AssertionError(f"{what} not done within {timeout} s\n{cluster.logs()}")


def test_two_nodes_workers_scheduler_share_everything_but_disks(cluster, tmp_path):
    c = cluster
    # both nodes are ready (database, migrations, Redis, queue with its two workers, object storage)
    for base in (c.a, c.b):
        ready = Browser().get(f"{base}/readyz")
        assert ready.status == 200, ready.text
        queue = next(x for x in json.loads(ready.text)["checks"] if x["name"] == "queue")
        assert "2 worker(s)" in queue["detail"], queue

    filer = Browser()
    assert filer.login(c.a, "filer-a@test.cn", PASSWORD).status == 302
    assert filer.get(f"{c.b}/account").status == 200  # the session from A is valid on B

    # upload through A; a worker processes it (the web nodes only enqueue: TASK_BACKEND=rq)
    data = _cmp_workbook(c.info, tmp_path)
    page = filer.get(f"{c.a}/filings/upload")
    res = filer.post(f"{c.a}/filings/upload", {"csrf_token": page.csrf(), "period": c.info["period"], "kind": "CMP"},
                     files={"file": ("甲-CMP.xlsx", data)})
    assert res.status == 302, res.text[:2000]
    version_id = int(res.headers["Location"].rstrip("/").rsplit("/", 1)[-1])

    def finished():
        body = json.loads(filer.get(f"{c.b}/filings/versions/{version_id}/progress").text)
        return body if body["status"] not in ("RECEIVED", "VALIDATING") else None

    progress = _poll(finished, 180, "processing of the upload", c)
    assert progress["status"] != "FAILED", progress
    assert sum(progress["row_counts"].values()) > 0
    worker_logs = (c.tmp / "worker1.log").read_text(errors="replace") + (c.tmp / "worker2.log").read_text(
        errors="replace")
    assert "run_version" in worker_logs, c.logs()  # an RQ worker took the job

    # report, original and annotated workbook through B
    report = filer.get(f"{c.b}/filings/versions/{version_id}/issues.json")
    assert report.status == 200 and json.loads(report.text)["sha256"] == hashlib.sha256(data).hexdigest()
    original = filer.get(f"{c.b}/filings/versions/{version_id}/original")
    assert original.status == 200 and original.body == data
    annotated = filer.get(f"{c.b}/filings/versions/{version_id}/annotated.xlsx")
    assert annotated.status == 200
    assert "校验结果" in openpyxl.load_workbook(io.BytesIO(annotated.body)).sheetnames

    # an export made by the scheduler, downloaded through A
    admin = Browser()
    assert admin.login(c.b, "admin@test.cn", PASSWORD).status == 302
    page = admin.get(f"{c.b}/admin/scheduler/")
    res = admin.post(f"{c.b}/admin/scheduler/run", {"csrf_token": page.csrf(), "job_id": "post_deadline",
                                                     "period": c.info["period"]})
    assert res.status == 302, res.text[:1500]
    from supervision.accounts.models import User
    from supervision.exports.models import Export
    from supervision.exports.queries import visible_export
    from supervision.extensions import db

    def exports():
        with c.app.app_context():
            rows = db.session.query(Export).filter(Export.producer == "job:post_deadline").all()
            sup = db.session.query(User).filter(User.email == "supervisor@nfra.test.cn").one()
            found = [(e.id, e.sha256) for e in rows if visible_export(sup, e.id) is not None]
            db.session.remove()
            return found

    made = _poll(exports, 120, "the scheduler's post-deadline export", c)
    supervisor = Browser()
    assert supervisor.login(c.a, "supervisor@nfra.test.cn", PASSWORD).status == 302
    for export_id, sha in made:
        got = supervisor.get(f"{c.a}/exports/download?id={export_id}")
        assert got.status == 200 and hashlib.sha256(got.body).hexdigest() == sha

    # no machine keeps stored files (named by their SHA-256) on its own disk; caches may stay
    stored_name = re.compile(r"[0-9a-f]{64}")
    for node in ("nodeA", "nodeB", "worker1", "worker2", "scheduler"):
        kept = [p for p in (c.tmp / node).rglob("*") if p.is_file() and p.parts[-2] != "metrics"
                and (stored_name.search(p.name) or p.suffix in (".xlsx", ".csv", ".json", ".pdf"))]
        assert kept == [], kept

    # logout on B ends the session on A
    page = filer.get(f"{c.b}/account")
    assert filer.post(f"{c.b}/logout", {"csrf_token": page.csrf()}).status == 302
    assert filer.get(f"{c.a}/account").status == 302
    assert "/login" in filer.get(f"{c.a}/account").headers["Location"]

    # /metrics of a node adds up its gunicorn workers (multiprocess mode)
    metrics = Browser().get(f"{c.a}/metrics")
    assert metrics.status == 200 and 'endpoint="exports.download"' in metrics.text
    # workers and the scheduler serve their own: the ingest (in a worker's job process) and the job run
    workers = "".join(Browser().get(f"http://127.0.0.1:{p}/metrics").text for p in c.metric_ports[:2])
    assert f'supervision_ingest_seconds_count{{outcome="{progress["status"]}"}} 1.0' in workers, workers[-3000:]
    rows = float(sum(progress["row_counts"].values()))
    assert f'supervision_ingest_rows_total{{outcome="{progress["status"]}"}} {rows}' in workers
    scheduler = Browser().get(f"http://127.0.0.1:{c.metric_ports[2]}/metrics").text
    assert 'supervision_job_runs_total{job="post_deadline",outcome=' in scheduler, scheduler[-2000:]


def test_login_rate_limit_holds_across_nodes(cluster):
    from redis import Redis

    c = cluster
    r = Redis.from_url(REDIS)
    keys = r.keys("LIMITS:LIMITER*")
    if keys:
        r.delete(*keys)  # our own Redis database: the earlier test's logins do not count here
    statuses = []
    for n in range(LOGIN_LIMIT + 2):
        base = (c.a, c.b)[n % 2]
        statuses.append(Browser().login(base, "filer-b@test.cn", "wrong-password-1").status)
    assert statuses == [200] * LOGIN_LIMIT + [429, 429], statuses
