"""Child-process entry point for ingest work, run with memory and time limits by
:mod:`supervision.filings.runner`:

* ``python -m supervision.filings.child VERSION_ID`` — process a stored version;
* ``python -m supervision.filings.child --dry-run PATH INSTITUTION PERIOD KIND`` — validate a
  file without storing anything and print the report as one JSON object.

Exit codes: 0 done (any outcome), 3 out of memory, 4 unexpected error (the parent marks the
version FAILED; nothing of its content was committed).
"""

from __future__ import annotations

import json
import logging
import sys


def main(argv: list[str]) -> int:
    """Dispatch on the arguments inside a fresh application."""
    from supervision.app import create_app

    app = create_app(web=False)
    with app.app_context():
        try:
            if argv[1] == "--dry-run":
                from supervision.filings.pipeline import dry_run

                print(json.dumps(dry_run(argv[2], argv[3], argv[4], argv[5]), ensure_ascii=False))
            else:
                from supervision.filings.pipeline import process_version

                process_version(int(argv[1]))
        except MemoryError:
            logging.getLogger(__name__).error("out of memory in %s", argv[1:])
            return 3
        except Exception:
            logging.getLogger(__name__).exception("ingest child failed: %s", argv[1:])
            return 4
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
