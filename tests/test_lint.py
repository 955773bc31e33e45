"""The code is ``ruff`` clean (the developers' guide): the check runs with the suite, so a lint error
fails ``make test`` and CI like any other defect."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_ruff_clean():
    """``ruff check .`` (configuration in pyproject.toml) reports nothing."""
    ruff = Path(sys.executable).with_name("ruff")
    assert ruff.exists(), f"ruff is part of the dev extras; not found beside {sys.executable}"
    proc = subprocess.run([str(ruff), "check", ".", "--output-format", "concise"], cwd=ROOT, capture_output=True,
                          text=True, check=False)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
