"""Layering: the scheduler process depends on the web application, never the reverse — nothing under
supervision/ imports scheduler/ (statically, or by a dotted name handed to importlib); the scheduler
is started as ``python -m scheduler`` (or ``supervision-scheduler``)."""

from __future__ import annotations

import ast
import configparser
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _is_dynamic_import(func: ast.expr) -> bool:
    """``import_module(...)``, ``importlib.import_module(...)`` or ``__import__(...)``."""
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    return name in ("import_module", "__import__")


def _imports(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant) and \
                isinstance(node.args[0].value, str) and _is_dynamic_import(node.func) and \
                node.args[0].value == "scheduler":
            found.append((node.lineno, node.args[0].value))  # importlib.import_module("scheduler")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.startswith("scheduler."):
            found.append((node.lineno, node.value))  # import_module("scheduler.…"), a dotted job name and the like
    return found


def test_nothing_under_supervision_imports_the_scheduler():
    offenders = [f"{path.relative_to(ROOT)}:{line} {name}"
                 for path in sorted((ROOT / "supervision").rglob("*.py"))
                 for line, name in _imports(path) if name == "scheduler" or name.startswith("scheduler.")]
    assert not offenders, offenders


def test_the_walk_would_see_an_import(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text("import os\nfrom scheduler.process import run\nimportlib.import_module('scheduler.process')\n")
    assert [name for _line, name in _imports(probe)] == ["os", "scheduler.process", "scheduler.process"]


def test_the_scheduler_has_its_own_entry_points():
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "setup.cfg")
    scripts = cfg["options.entry_points"]["console_scripts"]
    assert "supervision-scheduler = scheduler.__main__:main" in scripts
    assert "python -m scheduler" in (ROOT / "scripts/run.sh").read_text(encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "scheduler", "--help"], capture_output=True, text=True, timeout=60,
                         check=False)
    assert out.returncode == 0 and "scheduler" in out.stdout, out.stderr
