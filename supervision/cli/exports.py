"""Export commands (spec §9); each file is also stored in the export archive::

    supervision export summary --period 2024Q1 --out FILE.xlsx
    supervision export feedback --period 2024Q1 --institution USCC --out FILE.xlsx
    supervision export league --period 2024Q1 --format csv|json --out FILE
    supervision export list [--period P] [--format json]

The console operator sees every institution; the latest published snapshot is used when there is
one, else the draft (the 说明 sheet says which). Prints the archive record as JSON.
"""

from __future__ import annotations

import json
import sys

import click
from flask.cli import AppGroup
from sqlalchemy import select

from supervision.extensions import db


def _fail(message: str, code: int = 2):
    click.echo(message, err=True)
    sys.exit(code)


def _period(code: str):
    from supervision.periods.services import get_period

    period = get_period(code)
    if period is None:
        _fail(f"报送期不存在 / period not found: {code}")
    return period


def export_dict(exp) -> dict:
    """An archive record as JSON."""
    from supervision.timeutil import as_utc

    return {"id": exp.id, "kind": exp.kind, "period": exp.period.code, "snapshot": exp.snapshot_number,
            "institution": exp.institution.code if exp.institution else None, "scope": exp.scope_label,
            "filename": exp.filename, "sha256": exp.sha256, "size": exp.size, "producer": exp.producer,
            "created_at": as_utc(exp.created_at).isoformat(), "ruleset_version": exp.ruleset_version}


def _finish(exp, out: str) -> None:
    from supervision.exports.services import copy_to

    db.session.commit()
    copy_to(exp, out)
    click.echo(json.dumps({**export_dict(exp), "out": out}, ensure_ascii=False, indent=2))


@click.group("export", cls=AppGroup)
def export():
    """Generate exports into the archive (and a copy at --out)."""


@export.command("summary")
@click.option("--period", "period_code", required=True)
@click.option("--out", required=True, type=click.Path(dir_okay=False, writable=True))
def export_summary(period_code, out):
    """The summary workbook of a period (every institution)."""
    from supervision.exports.services import build_summary

    _finish(build_summary(_period(period_code), producer="console"), out)


@export.command("feedback")
@click.option("--period", "period_code", required=True)
@click.option("--institution", "code", required=True, help="USCC of the institution.")
@click.option("--out", required=True, type=click.Path(dir_okay=False, writable=True))
def export_feedback(period_code, code, out):
    """The 机构反馈 sheet of one institution."""
    from supervision.exports.services import ExportError, build_feedback
    from supervision.orgs.models import Institution

    period = _period(period_code)
    inst = db.session.scalar(select(Institution).where(Institution.code == code.strip().upper()))
    if inst is None:
        _fail(f"机构不存在 / institution not found: {code}")
    try:
        exp = build_feedback(period, inst, producer="console")
    except ExportError as exc:
        _fail(str(exc), 1)
    _finish(exp, out)


@export.command("league")
@click.option("--period", "period_code", required=True)
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), required=True)
@click.option("--out", required=True, type=click.Path(dir_okay=False, writable=True))
def export_league(period_code, fmt, out):
    """The league table as CSV or JSON."""
    from supervision.exports.services import build_league_file

    _finish(build_league_file(_period(period_code), fmt, producer="console"), out)


@export.command("notice")
@click.option("--period", "period_code", required=True)
@click.option("--snapshot", "number", type=int, default=None, help="Snapshot number (default: the latest).")
@click.option("--out", required=True, type=click.Path(dir_okay=False))
def export_notice(period_code, number, out):
    """The 通报 document (.docx) of a published snapshot (every institution)."""
    from supervision.exports.services import ExportError
    from supervision.notice.services import build_notice

    try:
        exp = build_notice(_period(period_code), producer="console", number=number)
    except ExportError as exc:
        _fail(str(exc), 1)
    _finish(exp, out)


@export.command("list")
@click.option("--period", "period_code", default=None)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
def export_list(period_code, fmt):
    """The export archive, newest first."""
    from supervision.exports.models import Export
    from supervision.periods.models import Period

    q = select(Export).join(Period, Period.id == Export.period_id).order_by(Export.id.desc())
    if period_code:
        q = q.where(Period.code == period_code.strip().upper())
    rows = [export_dict(e) for e in db.session.scalars(q.limit(1000))]
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for r in rows:
        click.echo(f"{r['id']:>5} {r['kind']:<8} {r['period']} {r['scope']:<20} {r['sha256'][:12]} {r['filename']}")
