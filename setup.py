"""Build hook for the two compiled modules: the guards' fast path (``supervision/ingest/_cscan.c``) and
the column reader's (``supervision/ingest/_csheet.c``).

Everything else about the package is declared in ``setup.cfg``. Both are optional: where no C
compiler is at hand the build goes on without them and the guards and the reader run their Python
paths (the same verdicts and values, slower; docs/performance.md). ``SUPERVISION_PURE_PYTHON=1``
leaves them out on purpose (a ``py3-none-any`` wheel; the offline release, ``scripts/release.sh``,
is a wheel for its platform with both modules in it).
"""

import os

from setuptools import Extension, setup

pure = os.environ.get("SUPERVISION_PURE_PYTHON") == "1"
setup(ext_modules=[] if pure else [
    Extension("supervision.ingest._cscan", ["supervision/ingest/_cscan.c"], optional=True),
    Extension("supervision.ingest._csheet", ["supervision/ingest/_csheet.c"], optional=True),
])
