"""``supervision backup --out DIR`` and ``supervision restore DIR [--force]`` (see
:mod:`supervision.backup.services`)."""

from __future__ import annotations

import json
import sys

import click
from flask.cli import with_appcontext


@click.command("backup")
@with_appcontext
@click.option("--out", "out", required=True, type=click.Path(file_okay=False),
              help="A new or empty folder for the backup.")
def backup_cmd(out):
    """Back up the database (consistently) and every stored file, with a manifest of SHA-256 sums."""
    from supervision.backup.services import BackupError, backup

    try:
        report = backup(out, progress=click.echo)
    except BackupError as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    m = report.manifest
    click.echo(json.dumps({"folder": str(report.folder), "database": m["database"], "tables": len(m["tables"]),
                           "rows": sum(m["tables"].values()), "files": report.files,
                           "bytes": sum(f["size"] for f in m["files"])}, ensure_ascii=False))


@click.command("restore")
@with_appcontext
@click.argument("folder", type=click.Path(exists=True, file_okay=False))
@click.option("--force", is_flag=True, help="Restore over a non-empty database or non-empty stores.")
def restore_cmd(folder, force):
    """Restore a backup after checking every file against its manifest; then verify row counts and
    every stored object against the SHA-256 recorded in the database. Exit 0 only when all match."""
    from supervision.backup.services import BackupError, restore

    try:
        report = restore(folder, force=force, progress=click.echo)
    except BackupError as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    click.echo(json.dumps({"verified": True, "tables": len(report.tables), "rows": sum(report.tables.values()),
                           "files": report.files, "bytes": report.bytes,
                           "recorded_objects_checked": report.recorded_checked}, ensure_ascii=False))
