"""The storage tests run against both backends: the local folder and a real S3 server (SeaweedFS)."""

from __future__ import annotations

import uuid

import pytest

BACKENDS = ["local", "s3"]


def s3_config(server, bucket: str) -> dict:
    """Configuration pointing the app's stores at ``bucket`` on ``server``."""
    return {"STORAGE_URL": f"s3://{bucket}/supervision", "S3_ENDPOINT_URL": server.endpoint,
            "S3_ACCESS_KEY_ID": "test-key", "S3_SECRET_ACCESS_KEY": "test-secret", "S3_REGION": "us-east-1"}


@pytest.fixture(scope="module", params=BACKENDS)
def app(request, tmp_path_factory):
    """The application (SQLite) with its blobs in the local folder or in a fresh S3 bucket."""
    from tests.conftest import make_app

    extra = {"TASK_BACKEND": "sync"}
    if request.param == "s3":
        server = request.getfixturevalue("seaweed")
        bucket = f"sv-{uuid.uuid4().hex[:12]}"
        server.client().create_bucket(Bucket=bucket)
        extra.update(s3_config(server, bucket))
    application = make_app("sqlite", tmp_path_factory.mktemp(f"inst-storage-{request.param}"), **extra)
    application.config["BACKEND"] = "sqlite"
    application.config["STORAGE_BACKEND"] = request.param
    yield application
    from supervision.extensions import db

    with application.app_context():
        db.engine.dispose()


@pytest.fixture(params=BACKENDS)
def store(request, tmp_path):
    """A bare store of each kind (an empty folder, or a fresh bucket on the SeaweedFS server)."""
    from supervision.storage.local import LocalStorage
    from supervision.storage.s3 import S3Storage

    if request.param == "local":
        return LocalStorage("uploads", tmp_path / "store")
    server = request.getfixturevalue("seaweed")
    s3 = S3Storage("uploads", server.client(), "sv-store-tests", f"t-{uuid.uuid4().hex[:12]}")
    s3.ensure_bucket()  # one bucket (a SeaweedFS collection), a fresh prefix per test
    return s3


@pytest.fixture(scope="module", params=BACKENDS)
def live(request, tmp_path_factory):
    """(app, world) on a committed SQLite database (the ingest child, a separate process, reads
    it) with blobs in the local folder or in S3."""
    from supervision.extensions import db
    from tests.conftest import IsolatedClient, make_app
    from tests.factories import build_world

    extra = {"TASK_BACKEND": "sync"}
    if request.param == "s3":
        server = request.getfixturevalue("seaweed")
        bucket = f"sv-{uuid.uuid4().hex[:12]}"
        server.client().create_bucket(Bucket=bucket)
        extra.update(s3_config(server, bucket))
    app = make_app("sqlite", tmp_path_factory.mktemp(f"live-storage-{request.param}"), **extra)
    app.config["STORAGE_BACKEND"] = request.param
    app.test_client_class = IsolatedClient
    with app.app_context():
        world = build_world(db)
        db.session.commit()
        yield app, world
        db.session.remove()
        db.engine.dispose()
