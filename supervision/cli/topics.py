"""Topics command (spec §10.4)::

    supervision topics --period 2024Q1 [--institution USCC] --format json

Prints ``{"period", "topics": [{"code", "count", "previous", "institutions": [{"institution_code",
"count"}]}]}`` for the §10.2 lexicon topics over every institution (the console operator's scope),
from the versions that count; ``previous`` is the count of P−1, null without a counting CMP.
"""

from __future__ import annotations

import json
import sys

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from supervision.extensions import db


def _fail(message: str, code: int = 2):
    click.echo(message, err=True)
    sys.exit(code)


@click.command("topics")
@with_appcontext
@click.option("--period", "period_code", required=True, help="Period code, e.g. 2024Q1.")
@click.option("--institution", "uscc", default=None, help="One institution (统一社会信用代码).")
@click.option("--format", "fmt", type=click.Choice(["json"]), default="json", show_default=True)
def topics_cmd(period_code: str, uscc: str | None, fmt: str) -> None:
    """Lexicon topic counts of a period (§10.2) as JSON."""
    from supervision.orgs.models import Institution
    from supervision.topics import queries

    period = queries.period_by_code(period_code)
    if period is None:
        _fail(f"报送期不存在 / period not found: {period_code}")
    inst_id = None
    if uscc:
        inst_id = db.session.scalar(select(Institution.id).where(Institution.code == uscc.strip().upper()))
        if inst_id is None:
            _fail(f"机构不存在 / institution not found: {uscc}")
    click.echo(json.dumps(queries.as_json(period, queries.period_topics(None, period, inst_id)), ensure_ascii=False))
