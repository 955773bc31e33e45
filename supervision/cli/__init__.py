"""The ``supervision`` console command: Flask's CLI group bound to :func:`create_app`."""

from __future__ import annotations

import sys

import click
from flask.cli import FlaskGroup


def _create(*_args, **_kwargs):
    from supervision.app import create_app

    if sys.argv[1:2] == ["ingest"]:
        # ``supervision ingest FILE …`` needs the configuration, the database and that one command:
        # the application without its pages starts in two thirds of the time (bench/ingest.py)
        from supervision.cli.filings import ingest

        app = create_app(web=False)
        app.cli.add_command(ingest)
        return app
    return create_app()


def _print_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    from supervision.version import platform_version

    click.echo(f"supervision {platform_version()}")
    ctx.exit()


@click.group(cls=FlaskGroup, create_app=_create, add_version_option=False, load_dotenv=False,
             set_debug_flag=False)
@click.option("--version", is_flag=True, expose_value=False, is_eager=True, callback=_print_version,
              help="Print the platform version and exit.")
def main():
    """大消保 filing platform — operator commands (db upgrade, demo, institutions, periods, users …)."""
