"""League command (spec §8)::

    supervision league --period 2024Q1 [--sector CF] [--published | --snapshot N] [--format table|csv|json]
    supervision league publish --period 2024Q1 [--sector PAY …]

The first prints the current draft (computed now from the accepted filings) or a published
snapshot (the latest with ``--published``); JSON is exactly ``{period, snapshot, rows, medians}`` as
:func:`reports.league.serialize_league` produces it, CSV the export writer's columns. The console
operator sees every institution. ``publish`` publishes the next numbered snapshot and commits.
"""

from __future__ import annotations

import csv
import json
import sys

import click
from flask.cli import AppGroup, with_appcontext

from supervision.domain.enums import Sector
from supervision.extensions import db

SHOWN = ("per_10k_customers", "on_time_rate", "favourable_rate", "escalation_rate", "disclosure_score")


def _fail(message: str, code: int = 1):
    click.echo(message, err=True)
    sys.exit(code)


def _period(code: str | None):
    from supervision.league.queries import period_by_code

    if not code:
        _fail("需要 --period / --period is required, e.g. --period 2024Q1", 2)
    period = period_by_code(code)
    if period is None:
        _fail(f"报送期不存在 / period not found: {code}", 2)
    return period


def _table(period, sector: str | None, published: bool, number: int | None) -> dict:
    from supervision.league import queries, services

    if number is not None:
        snap = queries.snapshot_number(period.id, number)
        if snap is None:
            _fail(f"{period.code} 没有第 {number} 版排行榜 / no published snapshot {number} for {period.code}", 1)
        return services.snapshot_table(snap, sector)
    if published:
        table = services.published_table(period.id, sector=sector)
        if table is None:
            _fail(f"{period.code} 没有已发布的排行榜 / no published league table for {period.code}", 1)
        return {k: table[k] for k in ("period", "snapshot", "rows", "medians")}
    table = services.compute_draft(period).table
    if sector:
        table = {**table, "rows": [r for r in table["rows"] if r["sector"] == sector],
                 "medians": {s: m for s, m in table["medians"].items() if s == sector}}
    return table


def _text(table: dict) -> str:
    head = f"{table['period']} " + (f"第{table['snapshot']}版 / snapshot {table['snapshot']}" if table["snapshot"]
                                    else "草稿（未发布）/ draft (not published)")
    lines = [head]
    cols = "rank move  code               grade composite " + " ".join(f"{c[:12]:>12}" for c in SHOWN) + "  name"
    for sector in dict.fromkeys(r["sector"] for r in table["rows"]):
        lines += ["", f"[{sector}]", cols]
        for r in (x for x in table["rows"] if x["sector"] == sector):
            metrics = " ".join(f"{(r['metrics'][c]['display'] or '—'):>12}" for c in SHOWN)
            move = "" if r["movement"] is None else f"{r['movement']:+d}"
            rank = r["rank_composite"] if r["rank_composite"] is not None else "—"
            note = "" if r["status"] == "ranked" else f"  [{r['reason']}]"
            lines.append(f"{rank!s:>4} {move:>4}  {r['institution_code']}  {r['grade'] or '—':>5} "
                         f"{r['composite'] or '—':>9} {metrics}  {r['name']}{note}")
        medians = table["medians"].get(sector, {})
        lines.append("  median" + " " * 37 + " ".join(f"{(medians.get(c) or '—'):>12}" for c in SHOWN))
    return "\n".join(lines)


@click.group("league", cls=AppGroup, invoke_without_command=True)
@click.option("--period", "period_code", default=None, help="Period code, e.g. 2024Q1.")
@click.option("--sector", default=None, type=click.Choice(Sector.values(), case_sensitive=False)
, help="One sector only.")
@click.option("--published", is_flag=True, help="The latest published snapshot instead of the draft.")
@click.option("--snapshot", "number", type=int, default=None, help="A given published snapshot number.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
@click.pass_context
@with_appcontext
def league(ctx, period_code, sector, published, number, fmt):
    """Print a period's league table (排行榜): the draft, or a published snapshot."""
    if ctx.invoked_subcommand:
        return
    period = _period(period_code)
    table = _table(period, sector.upper() if sector else None, published, number)
    if fmt == "json":
        click.echo(json.dumps(table, ensure_ascii=False, indent=1))
    elif fmt == "csv":
        from reports.workbook import csv_rows

        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerows(csv_rows(table))
    else:
        click.echo(_text(table))


@league.command("publish")
@click.option("--period", "period_code", required=True, help="Period code, e.g. 2024Q1.")
@click.option("--sector", "sectors", multiple=True, type=click.Choice(Sector.values(), case_sensitive=False),
              help="Publish only these sectors (repeatable; default: every sector).")
def league_publish(period_code, sectors):
    """Publish the period's current table as the next numbered snapshot (console operator)."""
    from supervision.league.services import LeagueError, publish

    period = _period(period_code)
    try:
        snap = publish(None, period, [s.upper() for s in sectors] or None)
    except LeagueError as exc:
        db.session.rollback()
        _fail(str(exc), 1)
    db.session.commit()
    click.echo(f"published {period.code} snapshot {snap.number} ({', '.join(snap.sectors)}): {snap.row_count} "
               f"institutions, {len(snap.changes)} changes, sha256 {snap.sha256}")
