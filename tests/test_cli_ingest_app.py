"""``supervision ingest`` builds the application without its pages (it starts faster); every other
command gets the whole application."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys

from supervision import console
from supervision.cli import _create
from supervision.cli.filings import SOURCE_GUARD
from supervision.console import ingest_file
from supervision.filings import child
from tests.filings.workbooks import big_cmp_workbook


def _env(monkeypatch, tmp_path):
    monkeypatch.setenv("SUPERVISION_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("SUPERVISION_DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    monkeypatch.setenv("SUPERVISION_SECRET_KEY", "cli-test-" + "k" * 40)


def test_ingest_gets_the_app_without_pages(monkeypatch, tmp_path):
    _env(monkeypatch, tmp_path)
    monkeypatch.setattr(sys, "argv", ["supervision", "ingest", "x.xlsx"])
    app = _create()
    assert "ingest" in app.cli.commands and not app.blueprints


def test_other_commands_get_the_whole_app(monkeypatch, tmp_path):
    _env(monkeypatch, tmp_path)
    monkeypatch.setattr(sys, "argv", ["supervision", "filings", "list"])
    app = _create()
    assert {"ingest", "filings", "league"} <= set(app.cli.commands) and "filings" in app.blueprints


def test_ingest_file_is_found_among_the_options():
    assert ingest_file(["a.xlsx", "--institution", "X", "--period", "2026Q3", "--kind", "CMP"]) == "a.xlsx"
    assert ingest_file(["--institution", "X", "b.xlsx", "--format", "json"]) == "b.xlsx"
    assert ingest_file(["a.xlsx", "--dry-run"]) is None
    assert ingest_file(["a.xlsx", "b.xlsx"]) is None
    assert ingest_file(["--help"]) is None


def test_console_script_starts_the_guards_before_click_and_flask(tmp_path):
    """The console script's entry forks the guard helper of ``ingest FILE`` before importing click
    or Flask (issue 12: 0.2 s earlier on the path to the first read), and hands its pipe over once,
    for FILE only; the pipe answers for FILE's SHA-256. The helpers start together on a fresh
    instance: each gets the one generated secret key (a race there left a helper without an answer
    once in CI; tests/unit/test_config.py)."""
    good = tmp_path / "good.xlsx"
    big_cmp_workbook(good, code="91110000000000000X", name="甲", period="2026Q3",
                     period_start=dt.date(2026, 7, 1), n=5)
    probe = (
        "import os, sys\n"
        "from supervision.console import _started, start_guard, take_guard\n"
        f"start_guard(['supervision', 'ingest', {str(good)!r}, '--kind', 'CMP'])\n"
        "early = sorted(m for m in ('click', 'flask') if m in sys.modules)\n"
        "started = len(_started)\n"
        f"fd = take_guard({str(good)!r})\n"
        f"again = take_guard({str(good)!r})\n"
        "os.close(fd)\n"
        f"start_guard(['supervision', 'ingest', {str(good)!r}])\n"
        f"other = take_guard('elsewhere.xlsx'), take_guard({str(good)!r}), len(_started)\n"
        f"start_guard(['supervision', 'ingest', {str(good)!r}])\n"
        "from supervision.filings.child import guard_result\n"
        f"key, _limits, result = guard_result(take_guard({str(good)!r}))\n"
        "print(early, started, fd is not None, again, other, key[:7], result.ok)\n")
    env = {**os.environ, "SUPERVISION_INSTANCE_PATH": str(tmp_path / "instance")}
    out = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, check=False, timeout=120)
    assert out.returncode == 0, out.stderr.decode()[-2000:]
    assert out.stdout.decode().strip() == "[] 1 True None (None, None, 0) sha256: True"


def test_the_command_takes_the_helper_the_entry_started(monkeypatch, tmp_path):
    _env(monkeypatch, tmp_path)
    source = tmp_path / "x.xlsx"
    read_end, write_end = os.pipe()
    os.close(write_end)
    monkeypatch.setattr(console, "_started", [(str(source), read_end)])

    def no_second_helper(_source):
        raise AssertionError("a second guard helper was started")

    monkeypatch.setattr(child, "guard_source", no_second_helper)
    monkeypatch.setattr(sys, "argv", ["supervision", "ingest", str(source), "--kind", "CMP"])
    app = _create()
    assert app.extensions[SOURCE_GUARD] == (str(source), read_end)
    assert console._started == []
    os.close(read_end)


def _probe(code: str) -> str:
    """Run ``code`` in a fresh interpreter (the collector's state is per process) and return its output."""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_ingest_runs_without_the_cyclic_collector_and_other_commands_with_it(monkeypatch, tmp_path):
    """``supervision ingest`` turns Python's cyclic collector off before importing anything (its
    application is built once and lives as long as the command); ``--version`` keeps it on."""
    code = ("import gc, sys\n"
            "from supervision import console\n"
            "sys.argv = ['supervision', {argv}]\n"
            "try:\n    console.main()\nexcept SystemExit:\n    pass\n"
            "print(gc.isenabled())\n")
    _env(monkeypatch, tmp_path)
    assert _probe(code.format(argv="'ingest', '--help'")).splitlines()[-1] == "False"
    assert _probe(code.format(argv="'--version'")).splitlines()[-1] == "True"


def test_work_collector_freezes_what_exists_in_the_helper_only():
    """A helper forked for work (:func:`child.fork_helper`) runs with the collector on and its
    parent's objects frozen; the parent (maybe a long-lived worker, here with the collector off) is
    left exactly as it was: nothing frozen, still off."""
    code = ("import gc, os, pickle\n"
            "from supervision.filings import child\n"
            "gc.disable(); gc.set_threshold(700, 10, 10)\n"
            "kept = [[i] for i in range(1000)]\n"
            "work = lambda: (gc.isenabled(), gc.get_threshold(), gc.get_freeze_count() >= 1000)\n"
            "pid, fd = child.fork_helper(work)\n"
            "with os.fdopen(fd, 'rb') as f:\n    answer = pickle.loads(f.read())\n"
            "os.waitpid(pid, 0)\n"
            "print(answer, (gc.isenabled(), gc.get_threshold(), gc.get_freeze_count()))\n")
    assert _probe(code) == "(True, (700, 10, 10), True) (False, (700, 10, 10), 0)"


def test_parsing_child_work_runs_with_the_work_collector(monkeypatch, tmp_path):
    """:func:`child.run_work` (a fresh child, or the command's forked one) sets the collector for its
    work before anything else: on, the application frozen."""
    _env(monkeypatch, tmp_path)
    code = ("import gc\n"
            "from supervision.app import create_app\n"
            "from supervision.filings import child\n"
            "gc.disable()\n"
            "app = create_app(web=False)\n"
            "code = child.run_work(app, ['child', '--dry-run', 'missing.xlsx', 'X', '2026Q3', 'CMP'], None)\n"
            "print(gc.isenabled(), gc.get_threshold(), gc.get_freeze_count() > 10000)\n")
    assert _probe(code).splitlines()[-1] == "True (700, 10, 10) True"
