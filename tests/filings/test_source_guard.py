"""``supervision ingest FILE`` guards FILE in a helper while it starts (issue 12): the helper's verdict
counts only for a stored version of the very bytes it guarded (same SHA-256) under the same limits;
any other verdict is ignored and the child guards the stored file itself."""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

from supervision.domain.enums import Severity
from supervision.extensions import db
from supervision.filings import services
from supervision.filings.child import guard_result, guard_source
from supervision.filings.models import FilingVersion
from supervision.filings.pipeline import limits_from_config
from supervision.filings.runner import child_env, run_version
from supervision.ingest.guards import GuardResult, Limits
from supervision.ingest.issues import Issue
from tests.filings.test_robustness import _zip_bomb
from tests.filings.workbooks import big_cmp_workbook


def _workbook(world, path: Path, n: int, inst=None) -> Path:
    inst = inst or world.inst_a
    p = world.current
    return big_cmp_workbook(path, code=inst.code, name=inst.name, period=p.code, period_start=p.start_date, n=n)


def _submit(world, inst, path: Path) -> int:
    with path.open("rb") as fh:
        stored = services.store_original(fh)
    sub = services.submit(None, inst, world.current, "CMP", stored, path.name)
    db.session.commit()
    return sub.version.id


def _forged(key: str, limits: Limits, rule: str) -> int:
    """A pipe carrying a guard verdict that refuses with ``rule`` whatever the file (as a helper would
    write it), to see whether the child takes that verdict or guards the stored file itself."""
    issue = Issue(rule=rule, severity=Severity.BLOCKING, sheet=None, row=None, column=None, field=None, value=None,
                  message_zh="伪造的判定", message_en="forged verdict")
    read_end, write_end = os.pipe()
    with os.fdopen(write_end, "wb") as out:
        out.write(pickle.dumps((key, limits, GuardResult(Path("elsewhere.xlsx"), issues=[issue]))))
    return read_end


def test_helper_answers_with_the_sha256_of_the_bytes_it_guarded(monkeypatch, tmp_path, ctx):
    _app, world = ctx
    monkeypatch.setenv("SUPERVISION_INSTANCE_PATH", str(tmp_path / "instance"))
    path = _workbook(world, tmp_path / "good.xlsx", 50)
    key, limits, result = guard_result(guard_source(str(path)))
    assert key == "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()
    assert isinstance(limits, Limits) and result.ok
    assert not list((tmp_path / "instance" / "tmp").iterdir())  # its private copy is gone
    bomb = tmp_path / "bomb.xlsx"
    bomb.write_bytes(_zip_bomb())
    _key, _limits, refused = guard_result(guard_source(str(bomb)))
    assert "F05" in refused.rules()
    assert guard_source(str(tmp_path / "missing.xlsx")) is None


def test_verdict_counts_only_for_the_same_bytes_and_limits(ctx, tmp_path):
    _app, world = ctx
    path = _workbook(world, tmp_path / "same.xlsx", 40)
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    limits = limits_from_config()
    # a verdict about these very bytes is the verdict (here: forged to refuse, so that its use shows)
    vid = _submit(world, world.inst_a, path)
    assert run_version(vid, guard_fd=_forged("sha256:" + sha, limits, "F05")) == "REJECTED"
    db.session.rollback()
    assert "F05" in db.session.get(FilingVersion, vid).rule_totals
    # about other bytes, or under other limits: ignored, the stored file is guarded and ingested
    other = _workbook(world, tmp_path / "other.xlsx", 41)
    vid = _submit(world, world.inst_a, other)
    assert run_version(vid, guard_fd=_forged("sha256:" + sha, limits, "F05")) == "ACCEPTED"
    again = _workbook(world, tmp_path / "again.xlsx", 42)
    vid = _submit(world, world.inst_a, again)
    wider = Limits(**{**limits.__dict__, "max_rows": limits.max_rows + 1})
    again_sha = hashlib.sha256(again.read_bytes()).hexdigest()
    assert run_version(vid, guard_fd=_forged("sha256:" + again_sha, wider, "F05")) == "ACCEPTED"


def _cli(env: dict, *args: str) -> tuple[int, dict]:
    exe = Path(sys.executable).with_name("supervision")
    res = subprocess.run([str(exe), "ingest", *args, "--format", "json"], env=env, capture_output=True, timeout=300,
                         check=False)
    return res.returncode, json.loads(res.stdout.decode().strip().splitlines()[-1])


def test_the_command_guards_its_file_and_still_refuses_hostile_ones(ctx, tmp_path):
    _app, world = ctx
    env = child_env()
    inst, period = world.inst_c, world.current.code
    good = _workbook(world, tmp_path / "cli.xlsx", 30, inst=inst)
    code, report = _cli(env, str(good), "--institution", inst.code, "--period", period, "--kind", "CMP")
    assert code == 0 and report["status"] == "ACCEPTED" and report["rows"]["detail"] == 30, report
    bomb = tmp_path / "cli-bomb.xlsx"
    bomb.write_bytes(_zip_bomb())
    code, report = _cli(env, "--institution", inst.code, str(bomb), "--period", period, "--kind", "CMP")
    assert code == 1 and report["status"] == "REJECTED" and {e["rule"] for e in report["errors"]} == {"F05"}, report
    assert not [p for p in (Path(env["SUPERVISION_INSTANCE_PATH"]) / "tmp").glob("sv-guard-*")]


def test_a_helper_that_fails_says_why_and_gives_no_answer(capfd):
    """A forked helper's exception is not swallowed: its traceback goes to stderr (the operator's
    log) and the caller gets no answer (it then does the work itself)."""
    from supervision.filings.child import fork_helper, helper_answer

    def work():
        raise RuntimeError("disk full while copying the upload")

    pid, fd = fork_helper(work)
    assert helper_answer(fd, pid) is None
    err = capfd.readouterr().err
    assert "gave no answer" in err and "work" in err
    assert "RuntimeError: disk full while copying the upload" in err
    assert "Traceback" in err

    pid, fd = fork_helper(lambda: {"verdict": 1})  # a helper that works says nothing
    assert helper_answer(fd, pid) == {"verdict": 1}
    assert capfd.readouterr().err == ""


def test_what_a_successful_child_writes_to_stderr_reaches_the_log(ctx, tmp_path, caplog):
    """The runner keeps what a child that finished wrote to stderr (a helper's traceback, say) in
    the worker's log instead of dropping it; a normal ingest writes nothing there."""
    import logging

    from supervision.filings.runner import wait_child

    _app, world = ctx
    path = _workbook(world, tmp_path / "quiet.xlsx", 30)
    vid = _submit(world, world.inst_a, path)
    with caplog.at_level(logging.WARNING, logger="supervision.filings.runner"):
        assert run_version(vid) == "ACCEPTED"
    assert not [r for r in caplog.records if "wrote to stderr" in r.getMessage()]
    said = "supervision: helper work gave no answer\nTraceback (most recent call last):\nRuntimeError: boom\n"
    proc = subprocess.Popen([sys.executable, "-c", f"import sys; sys.stderr.write({said!r})"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    with caplog.at_level(logging.WARNING, logger="supervision.filings.runner"):
        assert wait_child(proc, vid) == "ACCEPTED"
    logged = [r.getMessage() for r in caplog.records if "wrote to stderr" in r.getMessage()]
    assert len(logged) == 1 and f"version {vid}" in logged[0] and "RuntimeError: boom" in logged[0]
