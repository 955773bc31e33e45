"""The shell scripts CI and users run parse: ``bash -n`` on ``.ci/run``, ``scripts/*.sh`` and
``deploy/*.sh``.

A comment edit once broke ``.ci/run`` (a line of prose ended up as a command and the script failed
before running anything). ``bash -n`` reads the whole script without executing it.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = sorted(
    [ROOT / ".ci" / "run", *ROOT.glob("scripts/*.sh"), *ROOT.glob("deploy/*.sh")],
    key=lambda p: str(p),
)


def test_scripts_found():
    """The list is not empty: CI's entry point and the set-up scripts are there."""
    names = {p.relative_to(ROOT).as_posix() for p in SCRIPTS}
    assert {".ci/run", "scripts/services.sh", "scripts/run.sh"} <= names


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_script_parses(script: Path):
    """``bash -n`` accepts the script (syntax only; nothing is executed)."""
    bash = shutil.which("bash")
    assert bash, "bash is required"
    proc = subprocess.run([bash, "-n", str(script)], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, f"{script.relative_to(ROOT)}: {proc.stderr.strip()}"


def test_ci_runs_the_readme_test_command():
    """``.ci/run`` ends with ``make test``, the README's test command, as a command line of its own."""
    lines = [ln.strip() for ln in (ROOT / ".ci" / "run").read_text().splitlines()]
    commands = [ln for ln in lines if ln and not ln.startswith("#")]
    assert commands[-1] == "make test"
    readme = (ROOT / "README.md").read_text()
    assert "make test" in readme.split("\n## ", 1)[0]
