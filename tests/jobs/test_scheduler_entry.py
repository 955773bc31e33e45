"""``python -m scheduler`` starts the scheduler process from the environment alone and stops cleanly,
even when the stop signal arrives twice (Ctrl-C reaches the whole process group of ``make run``,
whose script then sends SIGTERM as well)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from tests.conftest import make_app


def _scheduler_env(tmp_path):
    """A migrated SQLite app under ``tmp_path`` and the environment a scheduler process needs for it."""
    app = make_app("sqlite", tmp_path / "inst")
    with app.app_context():
        from supervision.extensions import db

        url = str(db.engine.url)
        db.engine.dispose()
    env = dict(os.environ, SUPERVISION_DATABASE_URL=url, SUPERVISION_INSTANCE_PATH=str(tmp_path / "inst"),
               SUPERVISION_SECRET_KEY="scheduler-entry-" + "q7w8e9" * 8, SUPERVISION_TASK_BACKEND="sync")
    env.pop("SUPERVISION_ENV", None)
    return app, env


def test_python_m_scheduler_starts_and_stops_cleanly(tmp_path):
    _app, env = _scheduler_env(tmp_path)
    log = tmp_path / "scheduler.log"
    with log.open("w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "scheduler"], stdout=out, stderr=subprocess.STDOUT, env=env,
                                cwd=str(tmp_path))
    try:
        deadline = time.monotonic() + 60
        while "scheduler started" not in log.read_text() and time.monotonic() < deadline:
            assert proc.poll() is None, log.read_text()
            time.sleep(0.2)
        assert "scheduler started" in log.read_text(), log.read_text()
        proc.send_signal(signal.SIGINT)
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    text = log.read_text()
    assert code == 0 and "Traceback" not in text, text


def test_a_stop_during_the_catch_up_ends_the_process(tmp_path):
    """SIGTERM while missed runs are caught up (before the scheduler runs) ends the process once the
    catch-up is done, with its heartbeat marked stopped, instead of being ignored."""
    app, env = _scheduler_env(tmp_path)
    script = (  # the real entry point, with a stop signal sent from inside the catch-up
        "import os, signal, sys\n"
        "from scheduler import process\n"
        "real = process.catch_up\n"
        "def catch_up(app, now=None):\n"
        "    os.kill(os.getpid(), signal.SIGTERM)\n"
        "    return real(app, now)\n"
        "process.catch_up = catch_up\n"
        "from scheduler.__main__ import main\n"
        "sys.exit(main([]))\n")
    proc = subprocess.run([sys.executable, "-c", script], env=env, cwd=str(tmp_path), capture_output=True,
                          text=True, timeout=120)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0 and "Traceback" not in out, out
    assert "scheduler stopping (signal 15)" in out and "scheduler stopped" in out, out
    assert "scheduler started" not in out, out
    with app.app_context():
        from sqlalchemy import select

        from supervision.extensions import db
        from supervision.jobs.models import SchedulerProcess

        [row] = db.session.scalars(select(SchedulerProcess)).all()
        assert row.stopped_at is not None
        db.engine.dispose()
