"""``supervision ingest`` forks its parsing child from the command (supervision.filings.forked) instead
of starting a second interpreter: the child runs in a session of its own under the memory limit, and
killing it leaves the version FAILED with nothing of its content stored (as a started child)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from supervision.extensions import db
from supervision.filings.content_models import ComplaintRow
from supervision.filings.models import FilingVersion
from supervision.filings.runner import child_env
from tests.filings.test_source_guard import _workbook


def _forked_child(cli_pid: int) -> int | None:
    """The command's child with a session of its own (its guard helper has none)."""
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == cli_pid and int(fields[3]) == int(pid):
            return int(pid)
    return None


def _limit_of(pid: int) -> str:
    for line in Path(f"/proc/{pid}/limits").read_text().splitlines():
        if line.startswith("Max address space"):
            return line.split()[3]
    return ""


def test_killing_the_forked_child_fails_the_version_and_stores_nothing(ctx, tmp_path):
    _app, world = ctx
    env = child_env()
    inst, period = world.inst_c, world.current.code
    path = _workbook(world, tmp_path / "forked.xlsx", 20_000, inst=inst)
    exe = Path(sys.executable).with_name("supervision")
    cli = subprocess.Popen([str(exe), "ingest", str(path), "--institution", inst.code, "--period", period,
                            "--kind", "CMP", "--format", "json"], env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE)
    child, deadline = None, time.monotonic() + 120
    while child is None and time.monotonic() < deadline and cli.poll() is None:
        child = _forked_child(cli.pid)
        time.sleep(0.01)
    assert child is not None, "no child seen"
    assert b"supervision.filings.child" not in Path(f"/proc/{child}/cmdline").read_bytes()  # forked, not started
    assert _limit_of(child).isdigit()  # the memory limit of a started child (not "unlimited")
    os.kill(child, signal.SIGKILL)
    out, err = cli.communicate(timeout=120)
    report = json.loads(out.decode().strip().splitlines()[-1])
    assert cli.returncode == 1 and report["status"] == "FAILED", (report, err.decode()[-2000:])
    assert "SIGKILL" in report["failure"]
    db.session.rollback()
    version = db.session.execute(select(FilingVersion).where(FilingVersion.id == select(
        func.max(FilingVersion.id)).scalar_subquery())).scalar_one()
    assert version.status == "FAILED"
    assert db.session.scalar(select(func.count()).select_from(ComplaintRow)
                             .where(ComplaintRow.version_id == version.id)) == 0
