"""A user's clone has no ``../shared``: the demo loader runs from a fresh clone with nothing beside it,
reads nothing outside the clone (and the Python installation), and the suite's own guard catches a
test that reads ``../shared`` without being marked ``realdata``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SHARED, SharedGuard

ROOT = Path(__file__).resolve().parents[1]

#: Run inside the clone: record every path opened or listed, build the demo world, print a report.
LOADER = r"""
import json, os, sys
opened = []
def hook(event, args):
    if event in ("open", "os.listdir", "os.scandir", "glob.glob") and args \
            and isinstance(args[0], (str, bytes, os.PathLike)):
        opened.append(os.path.abspath(os.fsdecode(args[0])))
sys.addaudithook(hook)
import supervision
from flask_migrate import upgrade
from supervision.app import create_app
from supervision.demo.services import load_demo
from supervision.extensions import db
app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite:///" + sys.argv[1], "ARGON2_TIME_COST": 1,
                  "ARGON2_MEMORY_COST": 1024, "ARGON2_PARALLELISM": 1})
with app.app_context():
    upgrade()
    info = load_demo(password="Demo-pass-123", limit=1)
    db.session.commit()
print(json.dumps({"package": supervision.__file__, "shared_dir": app.config["SHARED_DATA_DIR"],
                  "info": info, "opened": sorted(set(opened))}, ensure_ascii=False, default=str))
"""


def _clone(dest: Path) -> Path:
    """``git clone`` of this repository (plus its uncommitted changes to tracked files) into ``dest``."""
    subprocess.run(["git", "clone", "--quiet", "--no-hardlinks", str(ROOT), str(dest)], check=True,
                   capture_output=True)
    diff = subprocess.run(["git", "-C", str(ROOT), "diff", "HEAD", "--binary"], check=True,
                          capture_output=True).stdout
    if diff:
        subprocess.run(["git", "-C", str(dest), "apply", "--whitespace=nowarn", "-"], input=diff, check=True,
                       capture_output=True)
    return dest


def test_a_clone_without_shared_loads_the_demo(tmp_path):
    if subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--git-dir"], capture_output=True).returncode:
        pytest.skip("not a git checkout (nothing to clone)")
    clone = _clone(tmp_path / "x")
    assert not (clone.parent / "shared").exists()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUPERVISION_")}
    env.update({"PYTHONPATH": str(clone), "SUPERVISION_INSTANCE_PATH": str(tmp_path / "instance"),
                "PYTHONDONTWRITEBYTECODE": "1"})
    out = subprocess.run([sys.executable, "-c", LOADER, str(tmp_path / "demo.db")], cwd=clone, env=env,
                         capture_output=True, text=True, timeout=900)
    assert out.returncode == 0, out.stderr[-3000:]
    report = json.loads(out.stdout.strip().splitlines()[-1])
    assert Path(report["package"]).resolve().is_relative_to(clone.resolve())
    assert report["shared_dir"] is None
    info = report["info"]
    assert info["institutions"] == 58 and len(info["periods"]) == 4 and len(info["logins"]) == 8
    assert info["filings"]["filings"] >= 7 and info["filings"]["ACCEPTED"] >= 6
    python = Path(sys.prefix)  # the interpreter and its packages (the venv may sit inside the repository)
    outside = [p for p in report["opened"] if not Path(p).is_relative_to(python)
               and (Path(p).is_relative_to(ROOT) or "/shared/" in p + "/")]
    assert outside == [], f"the clone read outside itself: {outside[:10]}"
    assert any(p.endswith("institutions.csv") and Path(p).is_relative_to(clone) for p in report["opened"])


def test_the_guard_records_reads_under_its_root(tmp_path):
    root = tmp_path / "shared"
    (root / "data").mkdir(parents=True)
    (root / "data" / "x.csv").write_text("a\n")
    guard = SharedGuard(root)
    sys.addaudithook(guard)
    try:
        (root / "data" / "x.csv").read_text()
        assert guard.reads == []  # inactive
        guard.active = True
        (root / "data" / "x.csv").read_text()
        list(os.scandir(root / "data"))
        (tmp_path / "elsewhere.txt").write_text("b")
    finally:
        guard.active = False
    assert [r.split()[0] for r in guard.reads] == ["open", "os.scandir"]
    assert guard.hit(root) and guard.hit(str(root / "data")) and not guard.hit(str(tmp_path / "shared2"))
    assert not guard.hit(3) and not guard.hit(None)


def test_the_suite_guard_watches_the_real_shared_folder():
    assert ROOT.parent / "shared" == SHARED
    from tests.conftest import SHARED_GUARD

    assert SHARED_GUARD.active, "the guard is on for tests not marked realdata"
    assert SHARED_GUARD.hit(SHARED / "data" / "master" / "x.csv") and not SHARED_GUARD.hit(ROOT / "README.md")
