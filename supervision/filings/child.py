"""Child-process entry point for ingest work, run with memory and time limits by
:mod:`supervision.filings.runner`:

* ``python -m supervision.filings.child VERSION_ID [PATH]`` — process a stored version; ``PATH`` is
  a local file with the version's original (the stored file of the local store, or a private copy
  the parent streamed from object storage and checked against its SHA-256); given it, the guards
  (F01–F07) start at once in a forked helper while this process loads the application (two
  cores: start-up and guards overlap); nothing parses the file before their verdict, which is
  checked to be about that very file. ``supervision ingest FILE`` starts
  the guards even earlier, on FILE while the command itself starts (:func:`guard_source`), and
  hands their pipe to this process (``SUPERVISION_EARLY_GUARD_FD``): that verdict counts only for
  the same bytes (SHA-256) and limits;
* ``python -m supervision.filings.child --dry-run PATH INSTITUTION PERIOD KIND`` — validate a
  file without storing anything and print the report as one JSON object.

Exit codes: 0 done (any outcome), 3 out of memory, 4 unexpected error (the parent marks the
version FAILED; nothing of its content was committed).
"""

from __future__ import annotations

import contextlib
import gc
import json
import logging
import os
import sys
import tempfile
from pathlib import Path

#: environment variable naming the inherited pipe of a guard helper started by ``supervision ingest``
GUARD_FD_ENV = "SUPERVISION_EARLY_GUARD_FD"


def _limits_of(c: dict):
    from supervision.ingest.guards import Limits

    return Limits(max_upload_bytes=int(c["MAX_UPLOAD_BYTES"]), max_unpacked_bytes=int(c["MAX_UNPACKED_BYTES"]),
                  max_ratio=int(c["MAX_COMPRESSION_RATIO"]), max_rows=int(c["MAX_ROWS"]),
                  max_columns=int(c["MAX_COLUMNS"]))


def collector_for_work() -> None:
    """Set Python's cyclic garbage collector for one short-lived piece of work in this process (a
    parsing child, or a helper forked from one): every object that exists now (the application,
    its modules, the configuration) is moved out of the collector's reach for good (``gc.freeze``:
    they live as long as the process anyway), and the collector is on (``supervision ingest``
    starts with it off, see :mod:`supervision.console`), at Python's default thresholds. Without
    this, the collections of a 200,000-row ingest child took 0.48-0.58 s of its one critical
    thread, traversing the application's objects again and again; with it, 0.15-0.22 s
    (docs/performance.md; higher thresholds took off 0.1 s more at 200,000 rows but looked slower
    at 500,000, so they were not kept). Never call it in a long-lived process (a web or queue
    worker): garbage that exists at the call is never collected."""
    gc.freeze()
    gc.enable()


def fork_helper(work) -> tuple[int, int]:
    """Fork a helper that writes the pickle of ``work()`` (or nothing) to a pipe and exits without
    running any cleanup of the parent; return its pid and the pipe's read end. An exception in
    ``work`` is written to stderr with its traceback (the helper then gives no answer)."""
    import pickle

    read_end, write_end = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(read_end)
        os.close(write_end)
        raise
    if pid == 0:
        os.close(read_end)
        try:
            collector_for_work()  # the helper's parent may be a web or queue worker: its heap is not ours
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 1)  # whoever reads the parent's output does not wait for this helper
            answer = work()
            if answer is not None:
                with os.fdopen(write_end, "wb") as out:
                    out.write(pickle.dumps(answer))
        except BrokenPipeError:  # the caller stopped waiting (a cancelled helper): nobody to tell
            pass
        except Exception:
            # the caller carries on without an answer (it guards the file itself, or segments the
            # stored rows): the cause goes to stderr, whatever logging this fork inherited
            with contextlib.suppress(Exception):
                import traceback

                name = getattr(work, "__qualname__", repr(work))
                os.write(2, f"supervision: helper {name} gave no answer\n{traceback.format_exc()}".encode())
        finally:
            os._exit(0)
    os.close(write_end)
    return pid, read_end


def guard_result(fd: int, pid: int | None = None):
    """Wait for a guard helper's answer on ``fd`` (closed here; ``pid``: the helper, if this process's
    own, is reaped): ``(key, limits, GuardResult)``, or None if the helper gave none (the caller then
    guards the file itself)."""
    return helper_answer(fd, pid)


def helper_answer(fd: int, pid: int | None = None):
    """Wait for the answer of a helper forked by :func:`fork_helper` on ``fd`` (closed here; ``pid``:
    the helper, if this process's own, is reaped): the unpickled object, or None if it gave none."""
    import pickle

    with os.fdopen(fd, "rb") as src:
        data = src.read()
    if pid is not None:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)
    try:
        return pickle.loads(data) if data else None  # noqa: S301 (our own helper's pipe)
    except Exception:
        return None


#: niceness of the guard helpers (and of the tail helper they fork): see :func:`yield_to_startup`
GUARD_NICENESS = 10


def yield_to_startup() -> None:
    """Lower this guard helper's CPU priority (:data:`GUARD_NICENESS`). The helper runs beside the
    command's start and the child's imports, which come first on the critical path: with the sheet's
    tail scanned by a second helper (:mod:`supervision.ingest.sheettail`), three processes want the
    two cores at once, and at normal priority the helpers delayed the child's start by as much as
    they saved (docs/performance.md). Niced, they take what the start leaves and both cores once
    the child waits for their verdict."""
    with contextlib.suppress(OSError, AttributeError):
        os.nice(GUARD_NICENESS)


def early_guard(path: str):
    """Fork a helper that runs the guards on ``path`` now; return a callable giving its
    ``(path, limits, GuardResult)`` (None if the helper died: the caller guards itself)."""
    def work():
        yield_to_startup()
        from supervision.config import load_config
        from supervision.ingest.guards import check_file

        limits = _limits_of(load_config())
        return path, limits, check_file(path, limits, split=True)

    pid, fd = fork_helper(work)
    return lambda: guard_result(fd, pid)


def guard_source(source: str) -> int | None:
    """``supervision ingest FILE``: guard FILE in a forked helper while the command starts (the
    application, the submission and the child's own start-up run beside it on the second core).

    The helper copies FILE to a private scratch file while hashing it and guards that copy, so its
    verdict is about exactly the bytes of that SHA-256: the child uses it only for the stored
    version of the same SHA-256 (and the same limits), else it guards the stored file itself.
    Returns the pipe's read end (give it to the child), or None when FILE is not a regular file.
    """
    if not os.path.isfile(source):
        return None

    def work():
        import hashlib
        import resource

        yield_to_startup()
        from supervision.config import load_config
        from supervision.ingest.guards import check_file

        config = load_config()
        # the limits of a parsing child (memory, and its time limit as CPU seconds)
        memory = int(config["INGEST_MEMORY_LIMIT_MB"]) * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        seconds = int(config["INGEST_TIME_LIMIT"])
        resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 5))
        limits = _limits_of(config)
        if os.path.getsize(source) > limits.max_upload_bytes:
            return None  # refused at submission anyway
        scratch = Path(config["INSTANCE_PATH"]) / "tmp"
        scratch.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        handle, copy = tempfile.mkstemp(prefix="sv-guard-", suffix=".xlsx", dir=scratch)
        try:
            with open(source, "rb") as src, os.fdopen(handle, "wb") as dst:
                while chunk := src.read(1 << 20):
                    digest.update(chunk)
                    dst.write(chunk)
            result = check_file(copy, limits, split=True)
        finally:
            os.unlink(copy)
        return "sha256:" + digest.hexdigest(), limits, result

    return fork_helper(work)[1]


def main(argv: list[str]) -> int:
    """Dispatch on the arguments inside a fresh application."""
    gc.disable()  # while the application is imported and built (no garbage worth collecting); see run_work
    fd = os.environ.pop(GUARD_FD_ENV, None)
    if fd is not None and argv[1] != "--dry-run":  # the command guarded the uploaded file already
        guard = lambda: guard_result(int(fd))  # noqa: E731
    else:
        guard = early_guard(argv[2]) if len(argv) > 2 and argv[1] != "--dry-run" else None
    from supervision.app import create_app

    return run_work(create_app(web=False), argv, guard)


#: glibc's ``M_MMAP_THRESHOLD`` and the value the parsing child fixes it at (see :func:`bounded_malloc`)
M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES = -3, 4 * 1024 * 1024


def bounded_malloc() -> None:
    """Fix glibc's mmap threshold at 4 MiB in this process (Linux; elsewhere nothing). The reader's
    windows pass through several threads as buffers of tens of MB; with glibc's default the threshold
    rises to the size of the last one freed (up to 32 MiB), later buffers then come from the threads'
    heaps and stay there, and the child's peak at 1,000,000 rows went over 1 GiB (1,050 against
    897 MiB measured; docs/performance.md). A fixed threshold gives every large buffer back at once."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)
    except (OSError, AttributeError):
        pass


def run_work(app, argv: list[str], guard) -> int:
    """Run the work ``argv`` names (as :func:`main` takes it) inside ``app``: a fresh application
    here, the command's own one in a forked child (:mod:`supervision.filings.forked`). ``guard``:
    the callable giving a guard helper's verdict, or None. Returns the exit code."""
    bounded_malloc()
    collector_for_work()
    # the reader's windows and the spool can take as many bytes as the sheet's XML: keep them beside
    # the uploads (instance/tmp), not on a possibly small /tmp
    scratch = Path(app.config["INSTANCE_PATH"]) / "tmp"
    scratch.mkdir(parents=True, exist_ok=True)
    tempfile.tempdir = str(scratch)
    with app.app_context():
        try:
            if argv[1] == "--dry-run":
                from supervision.filings.pipeline import dry_run

                print(json.dumps(dry_run(argv[2], argv[3], argv[4], argv[5]), ensure_ascii=False))
            else:
                from supervision.filings.pipeline import process_version

                process_version(int(argv[1]), early_guard=guard, path=argv[2] if len(argv) > 2 else None)
        except MemoryError:
            # the stage that ran out (its traceback) goes to the parent's log with the version
            logging.getLogger(__name__).exception("out of memory in %s", argv[1:])
            return 3
        except Exception:
            logging.getLogger(__name__).exception("ingest child failed: %s", argv[1:])
            return 4
        from supervision.extensions import db

        db.session.remove()
        db.engine.dispose()  # connections closed properly before a quick exit
    return 0


if __name__ == "__main__":
    code = main(sys.argv)
    if code == 0:  # everything is committed: leave without tearing down the readers' thread pools
        sys.stdout.flush()
        sys.stderr.flush()
        logging.shutdown()
        os._exit(0)
    sys.exit(code)
