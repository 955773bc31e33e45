"""The ``supervision`` console command: Flask's CLI group bound to :func:`create_app`."""

from __future__ import annotations

import sys

import click
from flask.cli import FlaskGroup


def _create(*_args, **_kwargs):
    if sys.argv[1:2] == ["ingest"]:
        # ``supervision ingest FILE …`` needs the configuration, the database and that one command:
        # the application without its pages starts in two thirds of the time (bench/ingest.py);
        # FILE is guarded meanwhile in a forked helper (its verdict counts only for the same bytes)
        import os

        from supervision.console import ingest_file, take_guard
        from supervision.filings.child import guard_source

        source = ingest_file(sys.argv[2:])
        # started by the console script before click and Flask were imported (supervision.console),
        # else now (the group run another way)
        fd = take_guard(source) if source else None
        if source and fd is None:
            fd = guard_source(source)
        from supervision.app import create_app
        from supervision.cli.filings import QUICK_EXIT, SOURCE_GUARD, ingest

        app = create_app(web=False)
        app.cli.add_command(ingest)
        app.extensions[QUICK_EXIT] = True
        from supervision.filings.runner import FORK_CHILD

        app.extensions[FORK_CHILD] = True  # the child forks from this process: no second app start
        if fd is not None:
            app.extensions[SOURCE_GUARD] = (os.path.abspath(source), fd)
        return app
    from supervision.app import create_app

    return create_app()


def _print_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    from supervision.version import platform_version

    click.echo(f"supervision {platform_version()}")
    ctx.exit()


class _Group(FlaskGroup):
    """Flask's group; ``supervision ingest`` skips the plugin commands of installed packages
    (Flask-Limiter's, which import rich: 0.03 s of the command's start), which it never runs."""

    def _load_plugin_commands(self) -> None:
        if sys.argv[1:2] == ["ingest"]:
            return
        super()._load_plugin_commands()


@click.group(cls=_Group, create_app=_create, add_version_option=False, load_dotenv=False,
             set_debug_flag=False)
@click.option("--version", is_flag=True, expose_value=False, is_eager=True, callback=_print_version,
              help="Print the platform version and exit.")
def main():
    """大消保 filing platform — operator commands (db upgrade, demo, institutions, periods, users …)."""
