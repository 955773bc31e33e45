"""The ``supervision`` console command: Flask's CLI group bound to :func:`create_app`."""

from __future__ import annotations

import click
from flask.cli import FlaskGroup


def _create(*_args, **_kwargs):
    from supervision.app import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create, add_version_option=False, load_dotenv=False,
             set_debug_flag=False)
def main():
    """大消保 filing platform — operator commands (db upgrade, demo, institutions, periods, users …)."""
