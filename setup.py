"""Build hook for the one compiled module, the guards' fast path (``supervision/ingest/_cscan.c``).

Everything else about the package is declared in ``setup.cfg``. The module is optional: where no C
compiler is at hand the build goes on without it and the guards run their Python path (the same
verdicts, slower; docs/performance.md). ``SUPERVISION_PURE_PYTHON=1`` leaves it out on purpose (the
offline release's ``py3-none-any`` wheel, ``scripts/release.sh``).
"""

import os

from setuptools import Extension, setup

pure = os.environ.get("SUPERVISION_PURE_PYTHON") == "1"
setup(ext_modules=[] if pure else [
    Extension("supervision.ingest._cscan", ["supervision/ingest/_cscan.c"], optional=True),
])
