"""Periods (spec §2, issue 9 "operator commands"): ``supervision periods lock|unlock`` through the
same audited service as the web; ``periods add`` of a historical quarter says it is locked; an
unlock lets a late filing in (console and web), a lock shuts it out again."""

from __future__ import annotations

import datetime as dt
import io

from sqlalchemy import select

from supervision.demo import workbooks as gen
from supervision.domain.calendar import today_local
from supervision.extensions import db
from supervision.filings.models import Filing, FilingVersion
from supervision.periods.models import Period
from tests.checks.helpers import profile
from tests.conftest import csrf_from
from tests.lifecycle.helpers import audit, client_as, new_institution, post_form


def _workbook(tmp_path, inst, code: str, seed: int):
    path = tmp_path / f"{inst.code}-{code}-{seed}.xlsx"
    gen.write_cmp(path, gen.generate_cmp(profile(inst, seed, active_customers=1_000_000), code))
    return path


def test_unlock_then_ingest_is_accepted_from_the_console(ctx, tmp_path):
    """Issue 9 "done when": `supervision periods unlock 2024Q1` then `supervision ingest … --period
    2024Q1` is accepted; `periods lock` shuts the period again."""
    app, _world = ctx
    runner = app.test_cli_runner()
    inst = new_institution("补录测试消费金融有限公司", "CF")
    path = _workbook(tmp_path, inst, "2024Q1", 1)
    args = ["ingest", str(path), "--institution", inst.code, "--period", "2024Q1", "--kind", "CMP"]
    refused = runner.invoke(args=args)
    assert refused.exit_code == 2 and "2024Q1" in refused.output and "unlock" in refused.output
    out = runner.invoke(args=["periods", "unlock", "2024Q1", "--reason", "历史数据补录"])
    assert out.exit_code == 0, out.output
    assert "unlocked until" in out.output
    db.session.rollback()
    period = db.session.scalar(select(Period).where(Period.code == "2024Q1"))
    assert period.unlocked_until == today_local() + dt.timedelta(days=30) and not period.is_locked(today_local())
    [event] = audit("period_unlock", period.id)
    assert event.actor_label == "console" and event.detail["reason"] == "历史数据补录"
    out = runner.invoke(args=args)
    assert out.exit_code == 0, out.output
    assert out.output.startswith("status: ACCEPTED")
    db.session.rollback()
    version = db.session.scalar(select(FilingVersion).join(Filing).where(Filing.institution_id == inst.id))
    assert version.status == "ACCEPTED" and version.on_time is False  # late: after the due date
    out = runner.invoke(args=["periods", "lock", "2024Q1", "--reason", "补录完成"])
    assert out.exit_code == 0 and "locked" in out.output
    db.session.rollback()
    period = db.session.get(Period, period.id)
    assert period.is_locked(today_local()) and not period.open and period.unlocked_until is None
    assert audit("period_lock", period.id)[-1].detail["reason"] == "补录完成"
    other = _workbook(tmp_path, inst, "2024Q1", 2)
    assert runner.invoke(args=["ingest", str(other), *args[2:]]).exit_code == 2
    assert runner.invoke(args=["periods", "lock", "2024Q1"]).exit_code == 1  # locked already
    assert runner.invoke(args=["periods", "unlock", "2099Q1"]).exit_code == 2
    out = runner.invoke(args=["periods", "unlock", "2024Q1", "--until", "2024-01-15"])
    assert out.exit_code == 1 and "2024-03-31" in out.output  # before the period end


def test_adding_a_historical_period_says_it_is_locked(ctx):
    app, _world = ctx
    runner = app.test_cli_runner()
    out = runner.invoke(args=["periods", "add", "2023Q2"])
    assert out.exit_code == 0, out.output
    assert "已锁定" in out.output and "locked" in out.output and "supervision periods unlock 2023Q2" in out.output
    code = today_local().year + 1
    out = runner.invoke(args=["periods", "add", f"{code}Q1"])
    assert out.exit_code == 0 and "open, locks on" in out.output
    out = runner.invoke(args=["periods", "list", "--format", "json"])
    import json

    rows = {r["code"]: r for r in json.loads(out.output)}
    assert rows["2023Q2"]["locked"] is True and rows[f"{code}Q1"]["locked"] is False


def test_web_lock_and_unlock_let_a_late_filing_in(ctx, tmp_path):
    app, world = ctx
    inst = world.inst_a
    code = "2023Q4"
    from supervision.periods.services import add_period, get_period

    period = get_period(code) or add_period(None, code)
    db.session.commit()
    filer = client_as(app, world.users.filer_a)
    path = _workbook(tmp_path, inst, code, 3)

    def upload():
        token = csrf_from(filer.get("/filings/upload").get_data(as_text=True))
        return filer.post("/filings/upload", content_type="multipart/form-data", data={
            "csrf_token": token, "period": code, "kind": "CMP", "file": (io.BytesIO(path.read_bytes()), path.name)})

    refused = upload()
    assert refused.status_code == 409 and "需审核员解锁" in refused.get_data(as_text=True)
    supervisor = client_as(app, world.users.supervisor)
    until = (today_local() + dt.timedelta(days=7)).isoformat()
    resp = post_form(supervisor, "/periods/", f"/periods/{period.id}/unlock", until=until, reason="机构补报")
    assert resp.status_code == 302
    db.session.rollback()
    assert audit("period_unlock", period.id)[-1].detail == {"code": code, "until": until, "reason": "机构补报"}
    resp = upload()
    assert resp.status_code == 302
    db.session.rollback()
    version = db.session.scalar(select(FilingVersion).join(Filing).where(
        Filing.institution_id == inst.id, Filing.period_id == period.id))
    assert version.status == "ACCEPTED" and version.on_time is False
    # the supervisor locks it again from the page; the filer's next upload is refused
    page = supervisor.get("/periods/").get_data(as_text=True)
    assert f'action="/periods/{period.id}/lock"' in page
    resp = post_form(supervisor, "/periods/", f"/periods/{period.id}/lock", reason="补报结束")
    assert resp.status_code == 302
    path = _workbook(tmp_path, inst, code, 4)
    assert upload().status_code == 409
    # analysts and filers may not lock or unlock
    analyst = client_as(app, world.users.analyst_nfra)
    assert post_form(analyst, "/periods/", f"/periods/{period.id}/lock").status_code == 403
