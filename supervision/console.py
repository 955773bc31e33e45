"""The ``supervision`` console script's entry point, kept free of Flask and click.

``supervision ingest FILE …`` spends its first 0.2 s importing click and Flask, and the guards of FILE
(F01–F07) are the longest item before the first read (issue 12; docs/performance.md). So the entry
point forks their helper (:func:`supervision.filings.child.guard_source`) before it imports anything
else, then runs the command group (:data:`supervision.cli.main`), whose application factory takes
that helper's pipe (:func:`take_guard`) instead of starting another. Every other command goes
straight to the group.
"""

from __future__ import annotations

import os
import sys

#: options of ``supervision ingest`` that take a value (to find FILE among its arguments)
INGEST_VALUED = ("--institution", "--period", "--kind", "--format")

#: the guard helper started by :func:`main`: ``(absolute FILE, pipe)``, until taken
_started: list[tuple[str, int]] = []


def ingest_file(args: list[str]) -> str | None:
    """FILE of ``supervision ingest …`` (None for a dry run, help or anything unexpected)."""
    if "--dry-run" in args or "--help" in args:
        return None
    positional, skip = [], False
    for a in args:
        if skip:
            skip = False
        elif a in INGEST_VALUED:
            skip = True
        elif not a.startswith("-"):
            positional.append(a)
    return positional[0] if len(positional) == 1 else None


def start_guard(argv: list[str]) -> None:
    """For ``supervision ingest FILE …`` (``argv`` as :data:`sys.argv`), fork the guard helper on FILE
    now and keep its pipe for :func:`take_guard`; anything else starts nothing."""
    source = ingest_file(argv[2:]) if argv[1:2] == ["ingest"] else None
    if not source:
        return
    from supervision.filings.child import guard_source

    fd = guard_source(source)
    if fd is not None:
        _started.append((os.path.abspath(source), fd))


def take_guard(source: str) -> int | None:
    """The pipe of the helper :func:`start_guard` started on ``source`` (once; None if there is none,
    and any helper on another file has its pipe closed)."""
    fd = None
    while _started:
        path, pipe = _started.pop()
        if fd is None and path == os.path.abspath(source):
            fd = pipe
        else:
            os.close(pipe)
    return fd


def main() -> None:
    """Run the ``supervision`` command group, with the guards of ``ingest``'s FILE already started.

    ``ingest`` runs with Python's cyclic garbage collector off: this short-lived command imports
    and builds the application (collections there cost 0.1-0.15 s and find nothing to free), then
    forks its child, which turns the collector on for its work
    (:func:`supervision.filings.child.collector_for_work`), as do the helpers it forks. The
    command itself then only waits for the child and prints its report."""
    if sys.argv[1:2] == ["ingest"]:
        import gc

        gc.disable()
    start_guard(sys.argv)
    from supervision.cli import main as group

    group()
