"""Operations endpoints (issue 16): /healthz, /readyz (not ready while the database or the object
storage is down, ready again when it returns), /metrics (allow-list or bearer token),
``supervision doctor``, JSON logs with the request id."""

from __future__ import annotations

import io
import json
import logging
import uuid

import pytest

from tests.conftest import PG_TEST_DB, make_app, recreate_pg_database
from tests.ops.tcpproxy import Relay
from tests.seaweed import free_ports, start_seaweed


def test_healthz_and_readyz_on_the_embedded_default(app, client):
    assert client.get("/healthz").status_code == 200
    res = client.get("/readyz")
    body = res.get_json()
    assert res.status_code == 200 and body["status"] == "ready"
    names = [c["name"] for c in body["checks"]]
    assert names == ["database", "migrations", "redis", "queue", "storage:uploads", "storage:exports"]
    assert all(c["ok"] for c in body["checks"])


def test_readyz_reports_migrations_behind_head(app, db):
    from sqlalchemy import text

    from supervision.ops.health import readiness

    db.session.execute(text("UPDATE alembic_version SET version_num = '0001_foundation'"))
    checks = {c.name: c for c in readiness()}
    assert not checks["migrations"].ok and "supervision db upgrade" in checks["migrations"].detail
    assert checks["database"].ok


def test_readyz_stays_ready_while_the_schema_is_ahead_during_an_upgrade(app, db):
    from sqlalchemy import text

    from supervision.ops.health import readiness

    db.session.execute(text("UPDATE alembic_version SET version_num = '0099_from_the_next_release'"))
    checks = {c.name: c for c in readiness()}
    assert checks["migrations"].ok and "upgrade in progress" in checks["migrations"].detail


@pytest.fixture()
def cut_off_world(tmp_path, request):
    """An app whose PostgreSQL and SeaweedFS are reached through relays the test can cut."""
    pg_port, s3_relay_port = free_ports(2)
    server = start_seaweed(tmp_path / "weed", ports=free_ports(4, {pg_port, s3_relay_port}))
    request.addfinalizer(server.stop)
    s3_port = int(server.endpoint.rsplit(":", 1)[1])
    bucket = f"ready-{uuid.uuid4().hex[:8]}"
    server.client().create_bucket(Bucket=bucket)
    pg_relay, s3_relay = Relay(pg_port, ("127.0.0.1", 5432)), Relay(s3_relay_port, ("127.0.0.1", s3_port))
    pg_relay.start()
    s3_relay.start()
    request.addfinalizer(pg_relay.stop)
    request.addfinalizer(s3_relay.stop)
    dbname = f"{PG_TEST_DB}_ready"
    recreate_pg_database(dbname)
    url = f"postgresql+psycopg://postgres@127.0.0.1:{pg_port}/{dbname}"
    application = make_app("sqlite", tmp_path / "inst", SQLALCHEMY_DATABASE_URI=url,
                           STORAGE_URL=f"s3://{bucket}", S3_ENDPOINT_URL=f"http://127.0.0.1:{s3_relay_port}",
                           S3_ACCESS_KEY_ID="k", S3_SECRET_ACCESS_KEY="s", S3_TIMEOUT=2,
                           SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True, "connect_args": {"connect_timeout": 2}})

    def dispose():
        from supervision.extensions import db

        with application.app_context():
            db.engine.dispose()

    request.addfinalizer(dispose)
    return application, pg_relay, s3_relay


def _ready(client) -> tuple[int, dict]:
    res = client.get("/readyz")
    return res.status_code, {c["name"]: c["ok"] for c in res.get_json()["checks"]}


@pytest.mark.postgres
@pytest.mark.slow
def test_readyz_follows_storage_and_database_going_away_and_back(cut_off_world):
    application, pg_relay, s3_relay = cut_off_world
    client = application.test_client()
    assert _ready(client)[0] == 200

    s3_relay.stop()
    status, checks = _ready(client)
    assert status == 503 and not checks["storage:uploads"] and not checks["storage:exports"] and checks["database"]
    assert client.get("/healthz").status_code == 200  # the process itself is fine
    s3_relay.start()
    assert _ready(client) == (200, dict.fromkeys(checks, True))

    pg_relay.stop()
    status, checks = _ready(client)
    assert status == 503 and not checks["database"] and not checks["migrations"] and checks["storage:uploads"]
    pg_relay.start()
    assert _ready(client)[0] == 200


def test_metrics_allow_list_and_bearer_token(app, client):
    client.get("/healthz")
    res = client.get("/metrics")
    assert res.status_code == 200
    text = res.get_data(as_text=True)
    assert 'supervision_request_seconds_count{endpoint="ops.healthz",method="GET",status="200"}' in text
    assert "supervision_storage_errors" in text and "supervision_ingest_seconds" in text
    outside = {"REMOTE_ADDR": "203.0.113.9"}
    assert client.get("/metrics", environ_base=outside).status_code == 403
    app.config["METRICS_TOKEN"] = "t0ken-for-the-scraper"
    try:
        assert client.get("/metrics", environ_base=outside,
                          headers={"Authorization": "Bearer wrong"}).status_code == 403
        assert client.get("/metrics", environ_base=outside,
                          headers={"Authorization": "Bearer t0ken-for-the-scraper"}).status_code == 200
    finally:
        app.config["METRICS_TOKEN"] = None


def test_storage_errors_are_counted(app, client, world):
    from prometheus_client import REGISTRY

    from supervision.storage.service import storage

    before = REGISTRY.get_sample_value("supervision_storage_errors_total", {"kind": "ObjectMissing"}) or 0
    v = world.filing_a.versions[0]
    store = storage("uploads")
    with store.open(v.storage_path) as fh:
        good = fh.read()
    store.delete(v.storage_path)
    from tests.conftest import PASSWORD, login

    try:
        assert login(client, "filer-a@test.cn", PASSWORD).status_code == 302
        assert client.get(f"/filings/versions/{v.id}/original").status_code == 404
    finally:
        store.put(v.storage_path, io.BytesIO(good), v.sha256)
    after = REGISTRY.get_sample_value("supervision_storage_errors_total", {"kind": "ObjectMissing"})
    assert after == before + 1


def test_doctor_prints_the_readiness_checks(app):
    runner = app.test_cli_runner()
    res = runner.invoke(args=["doctor"])
    assert res.exit_code == 0, res.output
    for name in ("database", "migrations", "redis", "queue", "storage:uploads", "storage:exports"):
        assert name in res.output
    assert "ready" in res.output


def test_doctor_fails_when_storage_is_unreachable(tmp_path):
    port = free_ports(1)[0]
    application = make_app("sqlite", tmp_path, STORAGE_URL="s3://nowhere", S3_TIMEOUT=1,
                           S3_ENDPOINT_URL=f"http://127.0.0.1:{port}", S3_ACCESS_KEY_ID="k", S3_SECRET_ACCESS_KEY="s")
    res = application.test_cli_runner().invoke(args=["doctor"])
    assert res.exit_code == 1
    assert "FAIL storage:uploads" in res.output and "not ready" in res.output


def test_json_logs_carry_the_request_id(app):
    from supervision.ops.logs import JsonFormatter

    records = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(JsonFormatter().format(record))

    handler = Keep()
    logger = logging.getLogger("supervision.test")
    logger.addHandler(handler)
    try:
        with app.test_request_context("/", headers={"X-Request-ID": "abc123"}):
            app.preprocess_request()  # the request hooks give the request its id
            logger.warning("probe 请求")
        logger.warning("outside")
    finally:
        logger.removeHandler(handler)
    inside, outside = (json.loads(r) for r in records)
    assert inside["request_id"] == "abc123" and inside["message"] == "probe 请求" and inside["level"] == "WARNING"
    assert "request_id" not in outside and outside["logger"] == "supervision.test"
