"""Operator commands of issue 16: ``supervision doctor`` (what /readyz checks) and
``supervision storage init|verify`` (object storage)."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup, with_appcontext


@click.command("doctor")
@with_appcontext
def doctor():
    """Print the readiness checks of /readyz (database, migrations, Redis, queue, storage); exit 1 when
    one fails."""
    from supervision.ops.health import readiness

    checks = readiness()
    width = max(len(c.name) for c in checks)
    for c in checks:
        click.echo(f"{'OK  ' if c.ok else 'FAIL'} {c.name:<{width}}  {c.detail}  ({c.seconds * 1000:.0f} ms)")
    ready = all(c.ok for c in checks)
    click.echo("就绪 / ready" if ready else "未就绪 / not ready")
    sys.exit(0 if ready else 1)


storage_group = AppGroup("storage", help="Object storage: create the bucket, verify stored objects.")


@storage_group.command("init")
def storage_init():
    """Create the configured S3 bucket when it does not exist (local folders are created on use)."""
    from supervision.storage.service import AREAS, storage

    for area in AREAS:
        store = storage(area)
        if hasattr(store, "ensure_bucket"):
            store.ensure_bucket()
        store.ping()
        click.echo(f"{area}: {store!r} ready")


@storage_group.command("verify")
def storage_verify():
    """Check every object the database refers to: present and with its recorded SHA-256."""
    from supervision.backup.blobs import recorded_objects
    from supervision.storage.base import StorageError
    from supervision.storage.service import storage

    bad = checked = 0
    for obj in recorded_objects():
        checked += 1
        try:
            actual = storage(obj.store).digest(obj.key)
            problem = None if actual == obj.sha256 else f"SHA-256 {actual} ≠ {obj.sha256}"
        except StorageError as exc:
            problem = str(exc)
        if problem:
            bad += 1
            click.echo(f"FAIL {obj.what} {obj.store}/{obj.key}: {problem}")
    click.echo(f"{checked} object(s) checked, {bad} bad")
    sys.exit(1 if bad else 0)
