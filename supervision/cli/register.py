"""Register commands: ``register import FILE`` and ``register list`` (spec §7)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import select

from supervision.domain.enums import RegisterUploadStatus
from supervision.extensions import db


@click.group("register", cls=AppGroup)
def register():
    """The regulator register of transferred complaints (监管转办登记)."""


@register.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def register_import(file, fmt):
    """Import FILE (.xlsx or .csv); exit 0 imported, 1 rejected, 2 usage error."""
    from supervision.register.services import RegisterError, import_register

    path = Path(file)
    if not path.is_file():
        click.echo(f"文件不存在 / file not found: {file}", err=True)
        sys.exit(2)
    try:
        with path.open("rb") as fh:
            upload = import_register(None, fh, path.name)
    except (RegisterError, ValueError) as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)
    db.session.commit()
    if upload.status == RegisterUploadStatus.IMPORTED and upload.touched:
        from supervision.checks.engine import run_register_job

        run_register_job([list(p) for p in upload.touched])
    body = {"upload_id": upload.id, "status": upload.status, "sha256": upload.sha256, "rows": upload.rows,
            "counts": upload.counts or {}, "errors": upload.issues}
    if fmt == "json":
        click.echo(json.dumps(body, ensure_ascii=False))
    else:
        click.echo(f"{upload.status}: {upload.rows} rows {body['counts']}")
        for e in upload.issues[:100]:
            click.echo(f"  [{e['rule']}] row {e['row']} {e['column'] or ''}: {e['message']}")
    sys.exit(0 if upload.status == RegisterUploadStatus.IMPORTED else 1)


@register.command("list")
@click.option("--period", default=None)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
def register_list(period, fmt):
    """List register entries."""
    from supervision.register.models import RegisterEntry

    q = select(RegisterEntry).order_by(RegisterEntry.transferred_date)
    if period:
        q = q.where(RegisterEntry.period_code == period)
    data = [{"transfer_ref": e.transfer_ref, "institution_code": e.institution.code, "period": e.period_code,
             "transferred_date": e.transferred_date.isoformat(), "hotline": e.hotline,
             "business_category": e.business_category, "cause": e.cause} for e in db.session.scalars(q)]
    if fmt == "json":
        click.echo(json.dumps(data, ensure_ascii=False, indent=1))
    else:
        for d in data:
            click.echo(f"{d['transfer_ref']}  {d['institution_code']}  {d['transferred_date']}  {d['hotline']}")
