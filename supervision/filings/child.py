"""Child-process entry point for ingest work, run with memory and time limits by
:mod:`supervision.filings.runner`:

* ``python -m supervision.filings.child VERSION_ID [PATH]`` — process a stored version; ``PATH`` is
  a local file with the version's original (the stored file of the local store, or a private copy
  the parent streamed from object storage and checked against its SHA-256); given it, the guards
  (F01–F07) start at once in a forked helper while this process loads the application (two
  cores: start-up and guards overlap); nothing parses the file before their verdict, which is
  checked to be about that very file;
* ``python -m supervision.filings.child --dry-run PATH INSTITUTION PERIOD KIND`` — validate a
  file without storing anything and print the report as one JSON object.

Exit codes: 0 done (any outcome), 3 out of memory, 4 unexpected error (the parent marks the
version FAILED; nothing of its content was committed).
"""

from __future__ import annotations

import json
import logging
import os
import sys
import tempfile
from pathlib import Path


def early_guard(path: str):
    """Fork a helper that runs the guards on ``path`` now; return a callable giving its
    :class:`~supervision.ingest.guards.GuardResult` (None if the helper died: the caller guards itself)."""
    import os
    import pickle

    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the helper: guards only, then exit without running any cleanup of the parent
        os.close(read_end)
        try:
            from supervision.config import load_config
            from supervision.ingest.guards import Limits, check_file

            c = load_config()
            limits = Limits(max_upload_bytes=int(c["MAX_UPLOAD_BYTES"]),
                            max_unpacked_bytes=int(c["MAX_UNPACKED_BYTES"]), max_ratio=int(c["MAX_COMPRESSION_RATIO"]),
                            max_rows=int(c["MAX_ROWS"]), max_columns=int(c["MAX_COLUMNS"]))
            data = pickle.dumps((path, limits, check_file(path, limits)))
            with os.fdopen(write_end, "wb") as out:
                out.write(data)
        finally:
            os._exit(0)
    os.close(write_end)

    def result():
        with os.fdopen(read_end, "rb") as src:
            data = src.read()
        os.waitpid(pid, 0)
        try:
            return pickle.loads(data)  # noqa: S301 (our own helper's pipe)
        except Exception:
            return None

    return result


def main(argv: list[str]) -> int:
    """Dispatch on the arguments inside a fresh application."""
    guard = early_guard(argv[2]) if len(argv) > 2 and argv[1] != "--dry-run" else None
    from supervision.app import create_app

    app = create_app(web=False)
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
            logging.getLogger(__name__).error("out of memory in %s", argv[1:])
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
