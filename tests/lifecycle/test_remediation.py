"""Remediation due dates (issue 9): the daily ``remediation_tracking`` job reminds the institution 7,
3 and 1 days before the due date (once each), marks the finding overdue after it (once, in its
history), the dashboard counts it, regulators list overdue remediations, and the summary export
says so. Both databases."""

from __future__ import annotations

import datetime as dt

import openpyxl
from sqlalchemy import select

from supervision.extensions import db
from supervision.findings.models import Finding
from supervision.jobs.services import execute
from supervision.notifications.models import Notification
from tests.jobs.conftest import at
from tests.lifecycle.helpers import client_as, post_form

DUE = dt.date(2030, 1, 20)


def _notes(user_id: int) -> list[Notification]:
    db.session.rollback()
    return db.session.scalars(select(Notification).where(Notification.user_id == user_id)
                              .order_by(Notification.id)).all()


def _run(day: dt.date, hour: int = 8):
    result = execute("remediation_tracking", at(day, hour, 10))
    assert result is not None and result.status == "success", result and result.error
    return result.output


def test_reminders_then_overdue_then_listed_and_exported(ctx):
    from supervision.exports.services import build_summary, file_path

    app, world = ctx
    finding = world.finding_a
    supervisor = client_as(app, world.users.supervisor)
    url = f"/findings/{finding.id}"
    assert post_form(supervisor, url, f"{url}/open").status_code == 302
    resp = post_form(supervisor, url, f"{url}/status", to_status="REMEDIATION", note="请整改",
                     remediation_due=DUE.isoformat())
    assert resp.status_code == 302
    filer_id = world.users.filer_a.id
    before = len(_notes(filer_id))

    outputs = {day: _run(day) for day in (DUE - dt.timedelta(days=7), DUE - dt.timedelta(days=5),
                                          DUE - dt.timedelta(days=3), DUE - dt.timedelta(days=1), DUE)}
    reminded = [day for day, out in outputs.items() if finding.id in out["reminded"]]
    assert reminded == [DUE - dt.timedelta(days=d) for d in (7, 3, 1)]
    assert _run(DUE - dt.timedelta(days=7), hour=9)["reminded"] == []  # a second run of a day: nothing new
    notes = _notes(filer_id)[before:]
    assert len(notes) == 3 and all(n.link == url and n.kind == "remediation_due" for n in notes)
    assert [n.subject_en.rsplit("in ", 1)[1] for n in notes] == ["7 day(s)", "3 day(s)", "1 day(s)"]
    assert all("整改" in n.subject_zh for n in notes)
    assert db.session.get(Finding, finding.id).remediation_overdue_at is None  # the due day itself is not late

    out = _run(DUE + dt.timedelta(days=1))
    assert out["overdue"] == [finding.id]
    assert _run(DUE + dt.timedelta(days=2))["overdue"] == []
    db.session.rollback()
    f = db.session.get(Finding, finding.id)
    assert f.remediation_overdue_at is not None and f.status == "REMEDIATION"
    assert [e.action for e in f.events].count("remediation_overdue") == 1
    overdue_notes = [n for n in _notes(filer_id) if n.dedupe_key.startswith("remediation_overdue:")]
    assert len(overdue_notes) == 1

    # regulators: the dashboard counts it and links to the list; the list shows it in scope only
    page = supervisor.get(f"/findings/dashboard?period={world.period.code}").get_data(as_text=True)
    assert 'id="overdue-remediations"' in page and "整改逾期 1 项" in page
    listing = supervisor.get("/findings/remediations/overdue").get_data(as_text=True)
    assert f'href="/findings/{finding.id}"' in listing and world.inst_a.name in listing
    other = client_as(app, world.users.analyst_pboc).get("/findings/remediations/overdue").get_data(as_text=True)
    assert f'href="/findings/{finding.id}"' not in other
    assert client_as(app, world.users.filer_a).get("/findings/remediations/overdue").status_code == 403

    # the summary export says so (整改期限, 整改逾期)
    db.session.rollback()  # a fresh transaction after the requests' commits (SQLite snapshots)
    export = build_summary(db.session.get(type(world.period), world.period.id), producer="test")
    db.session.commit()
    sheet = openpyxl.load_workbook(file_path(export))["监管发现"]
    head = [c.value for c in sheet[1]]
    row = next(r for r in sheet.iter_rows(min_row=2, values_only=True) if r[head.index("编号")] == finding.id)
    assert row[head.index("状态")] == "整改中" and row[head.index("整改期限")] == DUE.isoformat()
    assert row[head.index("整改逾期")] == "逾期"
    others = [r for r in sheet.iter_rows(min_row=2, values_only=True) if r[head.index("编号")] != finding.id]
    assert all(r[head.index("整改逾期")] is None for r in others)

    # reopened and given a new due date: the mark is cleared until the job decides again
    assert post_form(supervisor, url, f"{url}/status", to_status="OPEN", note="重新评估").status_code == 302
    resp = post_form(supervisor, url, f"{url}/status", to_status="REMEDIATION", note="延期",
                     remediation_due=(DUE + dt.timedelta(days=30)).isoformat())
    assert resp.status_code == 302
    db.session.rollback()
    f = db.session.get(Finding, finding.id)
    assert f.status == "REMEDIATION" and f.remediation_overdue_at is None
    assert f"/findings/{finding.id}" not in supervisor.get("/findings/remediations/overdue").get_data(as_text=True)
