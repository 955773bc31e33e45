"""The processes of a several-machine deployment started on this machine (the multi-node test and
bench/load.py): web nodes, RQ workers and the scheduler, each with its own instance folder, sharing
PostgreSQL, Redis and a SeaweedFS bucket. Not a test module."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

from tests.conftest import PG_TEST_DB, recreate_pg_database
from tests.multinode.httpclient import Browser

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
#: a Redis database of its own: the rate-limit counters of the test are cleared there
REDIS = "redis://127.0.0.1:6379/13"


class Cluster:
    """The processes of the deployment and how to reach them."""

    def __init__(self, tmp: Path, seaweed, login_limit: str = "10 per minute;50 per hour", db_name: str = "multinode"):
        self.tmp = tmp
        self.procs: list[tuple[str, subprocess.Popen]] = []
        self.bucket = f"mn-{uuid.uuid4().hex[:10]}"
        seaweed.client().create_bucket(Bucket=self.bucket)
        self.db_url = recreate_pg_database(f"{PG_TEST_DB}_{db_name}")
        self.queue = f"mn-{uuid.uuid4().hex[:8]}"
        self.env = {**os.environ,
                    "SUPERVISION_ENV": "development",
                    "SUPERVISION_DATABASE_URL": self.db_url,
                    "SUPERVISION_SECRET_KEY": "multi-node-" + uuid.uuid4().hex + uuid.uuid4().hex,
                    "SUPERVISION_STORAGE_URL": f"s3://{self.bucket}",
                    "SUPERVISION_S3_ENDPOINT_URL": seaweed.endpoint,
                    "SUPERVISION_S3_ACCESS_KEY_ID": "test-key",
                    "SUPERVISION_S3_SECRET_ACCESS_KEY": "test-secret",
                    "SUPERVISION_REDIS_URL": REDIS,
                    "SUPERVISION_RATELIMIT_STORAGE_URL": REDIS,
                    "SUPERVISION_TASK_BACKEND": "rq",
                    "SUPERVISION_TASK_QUEUE": self.queue,
                    "SUPERVISION_LOGIN_RATE_LIMIT": login_limit,
                    "SUPERVISION_SCHEDULER_POLL_SECONDS": "1",
                    "SUPERVISION_LOG_FORMAT": "json"}
        self.env.pop("SUPERVISION_UPLOAD_FOLDER", None)
        self.env.pop("SUPERVISION_EXPORT_FOLDER", None)

    def node_env(self, name: str) -> dict:
        """The environment of one machine: its own instance folder (and metrics folder)."""
        inst = self.tmp / name
        (inst / "metrics").mkdir(parents=True, exist_ok=True)
        return {**self.env, "SUPERVISION_INSTANCE_PATH": str(inst), "PROMETHEUS_MULTIPROC_DIR": str(inst / "metrics")}

    def start(self, name: str, args: list[str], **env: str) -> subprocess.Popen:
        """Start one process of machine ``name`` (its output in ``<tmp>/<name>.log``; ``env``: more
        variables)."""
        log = (self.tmp / f"{name}.log").open("ab")
        proc = subprocess.Popen(args, env={**self.node_env(name.split("-")[0]), **env}, cwd=self.tmp, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        self.procs.append((name, proc))
        return proc

    def stop(self) -> None:
        """Stop every process (its whole group)."""
        for _name, proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for _name, proc in self.procs:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()

    def logs(self) -> str:
        """The tail of every process's log (for a failing assertion)."""
        return "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}"
                         for p in sorted(self.tmp.glob("*.log")))


def seed(cluster: Cluster):
    """Migrate the database and create the world (users, institutions, an open period) from this
    test process, as an operator's shell on any machine would."""
    from flask_migrate import upgrade

    from supervision.app import create_app
    from supervision.domain.calendar import period_of, today_local
    from supervision.extensions import db
    from supervision.periods.services import add_period
    from tests.factories import build_world

    cfg = {"SQLALCHEMY_DATABASE_URI": cluster.db_url, "INSTANCE_PATH": str(cluster.tmp / "shell"),
           "SECRET_KEY": cluster.env["SUPERVISION_SECRET_KEY"], "STORAGE_URL": cluster.env["SUPERVISION_STORAGE_URL"],
           "S3_ENDPOINT_URL": cluster.env["SUPERVISION_S3_ENDPOINT_URL"], "S3_ACCESS_KEY_ID": "test-key",
           "S3_SECRET_ACCESS_KEY": "test-secret", "TASK_BACKEND": "sync", "ENV": "testing"}
    app = create_app(cfg)
    with app.app_context():
        upgrade()
        world = build_world(db)
        current = add_period(None, period_of(today_local()).code)
        db.session.commit()
        info = {"inst_a": (world.inst_a.code, world.inst_a.name, world.inst_a.sector), "period": current.code,
                "period_id": current.id}
    return app, info


def wait_http(url: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if Browser().get(url).status == 200:
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"{url} did not answer within {timeout} s")
