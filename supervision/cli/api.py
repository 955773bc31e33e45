"""``supervision api-spec --out openapi.json``: write the API's OpenAPI document (the copy
committed as docs/openapi.json is checked against it by the tests)."""

from __future__ import annotations

import json

import click
from flask import current_app
from flask.cli import with_appcontext


def spec_text(app) -> str:
    """The OpenAPI document of ``app`` as stable, sorted JSON text (ends with a newline)."""
    with app.test_request_context():
        spec = app.extensions["supervision.api"].spec.to_dict()
    return json.dumps(spec, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


@click.command("api-spec")
@with_appcontext
@click.option("--out", default="-", type=click.Path(dir_okay=False, allow_dash=True),
              help="File to write (default: standard output).")
def api_spec(out):
    """Write the OpenAPI 3 document of /api/v1."""
    text = spec_text(current_app)
    if out == "-":
        click.echo(text, nl=False)
    else:
        with open(out, "w", encoding="utf-8") as fh:
            fh.write(text)
        click.echo(f"wrote {out}")
