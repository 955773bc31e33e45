"""Start the parsing child of ``supervision ingest`` by ``fork`` instead of a fresh interpreter.

The console command has the application (Flask, SQLAlchemy, every model) imported and configured
already; a fresh ``python -m supervision.filings.child`` spends ~1.5 s of CPU importing and building
it again before it reads a byte. Forked from the command at a clean point — no database connection
open (the engine is disposed first, so no socket crosses the fork), no thread of its own, polars and
the Rust readers not yet imported (they start their thread pools in the child) — the child starts at
once and runs the same :func:`supervision.filings.child.run_work` under the same limits
(``RLIMIT_AS``, its own session, killed with its parent), its standard output discarded and its
standard error piped back as today. It sees the same configuration the fresh child is given through
its environment (:func:`supervision.filings.runner.child_env`), nothing more of the command's state
than that: the command has not read anything else before submitting.

Only the console command uses this (a web process has threads; an RQ job already runs in a forked
work horse): :class:`ForkedChild` is the small part of :class:`subprocess.Popen` that
:func:`supervision.filings.runner.wait_child` uses.
"""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time


class ForkedChild:
    """Handle of a forked child: ``pid``, ``returncode`` (negative signal number when killed, as
    :class:`subprocess.Popen`), :meth:`communicate` collecting its standard error."""

    def __init__(self, pid: int, stderr_fd: int):
        self.pid = pid
        self.args = ["supervision.filings.child", "(forked)"]
        self.returncode: int | None = None
        self.input_copy: str | None = None
        self._fd: int | None = stderr_fd
        self._err: list[bytes] = []

    def communicate(self, timeout: float | None = None) -> tuple[None, bytes]:
        """Read the child's standard error until it closes and reap the child; raise
        :class:`subprocess.TimeoutExpired` after ``timeout`` seconds (call again to go on waiting)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while self._fd is not None:
            remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
            ready, _, _ = select.select([self._fd], [], [], remaining)
            if not ready:
                raise subprocess.TimeoutExpired(self.args, timeout)
            chunk = os.read(self._fd, 65536)
            if chunk:
                self._err.append(chunk)
            else:
                os.close(self._fd)
                self._fd = None
        if self.returncode is None:
            _pid, status = os.waitpid(self.pid, 0)
            self.returncode = os.waitstatus_to_exitcode(status)
        return None, b"".join(self._err)


def fork_child(version_id: int, path: str, guard_fd: int | None, apply_limits) -> ForkedChild:
    """Fork the parsing child of ``version_id`` reading ``path`` (``guard_fd``: the pipe of the
    command's guard helper, or None); ``apply_limits`` runs first in the child (the same limits a
    started child gets). The caller's connections are closed before the fork (it reconnects on its
    next query)."""
    from flask import current_app

    from supervision.extensions import db

    app = current_app._get_current_object()
    db.session.remove()
    db.engine.dispose()  # no connection (socket, SQLite handle) is shared with the child
    sys.stdout.flush()
    sys.stderr.flush()
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        code = 4
        try:
            os.close(read_end)
            devnull = os.open(os.devnull, os.O_RDWR)
            os.dup2(devnull, 0)
            os.dup2(devnull, 1)
            os.dup2(write_end, 2)
            os.close(write_end)
            os.close(devnull)
            for sig in (signal.SIGINT, signal.SIGTERM):
                signal.signal(sig, signal.SIG_DFL)
            apply_limits()
            from supervision.filings.child import early_guard, guard_result, run_work

            guard = (lambda: guard_result(guard_fd)) if guard_fd is not None else early_guard(path)
            code = run_work(app, [sys.argv[0], str(version_id), path], guard)
        except MemoryError:
            code = 3
        except BaseException:  # reported on the pipe; the parent marks the version FAILED
            import traceback

            traceback.print_exc()
        finally:
            try:
                sys.stdout.flush()
                sys.stderr.flush()
            finally:
                os._exit(code)
    os.close(write_end)
    return ForkedChild(pid, read_end)
