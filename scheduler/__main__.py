"""``python -m scheduler`` (console script ``supervision-scheduler``): the one scheduler process.

Builds the application from the ``SUPERVISION_*`` environment like every other entry point and runs
:func:`scheduler.process.run` until SIGTERM / SIGINT. Run exactly one beside the web server (a second
one started by mistake does no harm: every run is claimed in the database first).
"""

from __future__ import annotations

import argparse
import logging
import sys


def main(argv: list[str] | None = None) -> int:
    """Parse the (empty) command line, configure logging to stdout and run the scheduler."""
    argparse.ArgumentParser(prog="python -m scheduler",
                            description="The scheduler process of the filing platform: fires the scheduled jobs "
                                        "until SIGTERM / SIGINT (run one per deployment).").parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s",
                        stream=sys.stdout, force=True)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    from scheduler.process import run
    from supervision.app import create_app
    from supervision.ops.metrics import serve_if_configured

    app = create_app()
    serve_if_configured(app.config)  # SUPERVISION_METRICS_PORT: job runs by outcome (docs/deploy.md §8)
    run(app)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
