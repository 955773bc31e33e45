"""The curl-only round trip of docs/api.md runs against a live server (werkzeug in a thread on this
unit's port range, the embedded background runner, a real child-process ingest): a token created by
the CLI, a CMP workbook submitted, polled to ACCEPTED, the league read once a supervisor published
it, and 404 for another institution's version."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from tests.api.helpers import good_workbook
from tests.conftest import make_app
from tests.live import closing

DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"
PORTS = range(5170, 5180)


def doc_script() -> str:
    """The ```sh block of the section "A round trip with curl only"."""
    text = DOC.read_text(encoding="utf-8").split("## A round trip with curl only", 1)[1]
    match = re.search(r"```sh\n(.*?)```", text, re.S)
    assert match, "docs/api.md has no script"
    return match.group(1)


def _server(app):
    for port in PORTS:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                continue
        try:
            return make_server("127.0.0.1", port, closing(app), threaded=True), port
        except OSError:
            continue
    pytest.skip("no free port in 5170-5179")


def _publish(db, publish, period_cls, period_id) -> None:
    """Publish as the console operator; SQLite may refuse while the background checks write: retry."""
    from sqlalchemy.exc import OperationalError

    for _ in range(40):
        db.session.rollback()
        try:
            publish(None, db.session.get(period_cls, period_id))
            db.session.commit()
            return
        except OperationalError:
            time.sleep(0.25)
    raise AssertionError("could not publish")


@pytest.mark.slow
def test_doc_script_round_trip(tmp_path):
    from supervision.domain.calendar import period_of, today_local
    from supervision.extensions import db
    from supervision.filings.models import Filing, FilingVersion
    from supervision.league.services import publish
    from supervision.periods.services import add_period
    from tests.factories import build_world

    inst_dir = tmp_path / "instance"
    app = make_app("sqlite", inst_dir, TASK_BACKEND="thread")
    with app.app_context():
        world = build_world(db)
        period = add_period(None, period_of(today_local()).code)
        db.session.commit()
        workbook = good_workbook(tmp_path / "cmp.xlsx", world.inst_a, period)
        other_version = world.filing_b.versions[0].id
        email, inst_a_id, period_id = world.users.filer_a.email, world.inst_a.id, period.id
        server, port = _server(app)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        env = {**os.environ, "BASE": f"http://127.0.0.1:{port}", "EMAIL": email, "WORKBOOK": str(workbook),
               "PERIOD": period.code, "OTHER_VERSION": str(other_version),
               "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
               "SUPERVISION_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
               "SUPERVISION_INSTANCE_PATH": str(inst_dir)}
        proc = subprocess.Popen(["bash", "-c", doc_script()], cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)
        try:
            # the supervisor publishes once the version counts (the script waits for the table)
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and proc.poll() is None:
                db.session.rollback()
                status = db.session.scalar(select(FilingVersion.status).join(Filing).where(
                    Filing.institution_id == inst_a_id, Filing.period_id == period_id))
                if status == "ACCEPTED":
                    _publish(db, publish, type(period), period_id)
                    break
                time.sleep(0.5)
            out, _ = proc.communicate(timeout=180)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
            if proc.stdout:
                proc.stdout.close()
            server.shutdown()
            thread.join(timeout=10)
            db.session.remove()
            db.engine.dispose()
    assert proc.returncode == 0, out
    assert "status: ACCEPTED" in out and "league: HTTP 200, snapshot 1" in out, out
    assert "another institution's version: HTTP 404" in out, out
    assert re.search(r"analytics: [1-9][0-9]* figures", out), out
    assert re.search(r"submitted: /api/v1/versions/\d+", out), out
