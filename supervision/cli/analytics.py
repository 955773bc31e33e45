"""Analytics commands (spec §10.4)::

    supervision analytics --period 2024Q1 --rows province [--cols business_category] [--sector CF]
        [--institution USCC …] [--filter cause=C05,C13 …] --format json
    supervision analytics-backfill [--all]

The first prints ``{"period", "rows_dim", "cols_dim", "cells": [...]}`` read from the cube of the
versions that count (the console operator sees every institution), the same numbers as the
explorer page. The second derives the cube of stored versions that have none (idempotent).
"""

from __future__ import annotations

import json
import sys

import click
from flask.cli import with_appcontext

from supervision.extensions import db


@click.command("analytics")
@with_appcontext
@click.option("--period", "period", required=True, help="Period code, e.g. 2024Q1.")
@click.option("--period-to", default=None, help="Last period of a range (the cells sum the range).")
@click.option("--rows", "rows", required=True, help="Row dimension (§10.1).")
@click.option("--cols", "cols", default=None, help="Column dimension (§10.1).")
@click.option("--sector", default=None)
@click.option("--institution", "institutions", multiple=True, help="USCC (repeatable).")
@click.option("--filter", "filters", multiple=True, help="DIM=CODE[,CODE…] on a complaint dimension (repeatable).")
@click.option("--format", "fmt", type=click.Choice(["json"]), default="json")
def analytics(period, period_to, rows, cols, sector, institutions, filters, fmt):
    """Print a §10.4 breakdown of complaints as JSON."""
    from supervision.analytics.queries import View, ViewError, read_view
    from supervision.analytics.schemas import view_json

    parsed: dict[str, list[str]] = {}
    for f in filters:
        dim, _, vals = f.partition("=")
        if not vals:
            click.echo(f"筛选格式为 DIM=CODE / a filter is DIM=CODE: {f}", err=True)
            sys.exit(2)
        parsed.setdefault(dim.strip(), []).extend(v.strip() for v in vals.split(",") if v.strip())
    view = View(period=period, period_to=period_to, rows=rows, cols=cols, sector=sector,
                institutions=list(institutions), filters=parsed)
    try:
        result = read_view(view, None)
    except ViewError as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)
    click.echo(json.dumps(view_json(result), ensure_ascii=False, indent=1))


@click.command("analytics-backfill")
@with_appcontext
@click.option("--all", "rederive", is_flag=True, help="Derive again for every version (replacing its cube).")
def analytics_backfill(rederive: bool):
    """Derive the complaint cube (§10.1) of stored versions that have none (safe to re-run)."""
    from supervision.analytics.services import backfill

    n = backfill(rederive=rederive)
    db.session.commit()
    click.echo(f"cube derived for {n} versions")
