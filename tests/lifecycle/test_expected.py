"""Expected institutions (lead's decision 5, issue 10 item 8): ``active_from``/``active_until``
quarters decide who is expected in a period — a locked period's reporting rate does not change
when an institution is created today; deactivation ends the quarters instead of rewriting history;
filings outside the quarters are refused until an administrator back-fills; the migration fills
both columns and ``accepted_at`` from the data."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, text

from supervision.checks.engine import run_period
from supervision.domain.calendar import period_of, today_local
from supervision.domain.uscc import generate_uscc
from supervision.extensions import db
from supervision.filings import services
from supervision.filings.reporting import expected_institutions
from supervision.findings.queries import dashboard
from supervision.league.services import compute_draft
from supervision.orgs.models import Institution
from supervision.orgs.services import set_active_quarters
from tests.conftest import BACKENDS, PG_TEST_DB, make_app
from tests.lifecycle.helpers import client_as, file_cmp, findings_of, post_form


def _rates(user, period):
    data = dashboard(user, period)
    return {k: (v["expected"], v["accepted"], v["on_time"], v["reporting_rate"], v["on_time_rate"])
            for k, v in data["per_kind"].items()}


def test_an_institution_created_today_leaves_a_locked_period_alone(ctx, tmp_path):
    app, world = ctx
    period = world.period  # 2024Q1, locked
    supervisor = world.users.supervisor
    before = _rates(supervisor, period)
    rows_before = {r["institution_code"] for r in compute_draft(period).table["rows"]}
    admin = client_as(app, world.users.admin)
    code = generate_uscc(8801, "11")
    resp = post_form(admin, "/admin/institutions/new", "/admin/institutions/new", code=code,
                     name="今日新设消费金融有限公司", sector="CF", agency="NFRA")
    assert resp.status_code == 302, resp.get_data(as_text=True)
    db.session.rollback()
    inst = db.session.scalar(select(Institution).where(Institution.code == code))
    assert inst.active_from == period_of(today_local()).code and inst.active_until is None
    assert _rates(supervisor, period) == before
    assert {r["institution_code"] for r in compute_draft(period).table["rows"]} == rows_before
    run_period(period, rules=["T01"], now=period.due_at + dt.timedelta(days=400))
    db.session.commit()
    assert findings_of(inst, period, "T01") == []
    assert inst.code in {i.code for i in expected_institutions(world.current)}
    # back-filling is explicit: then it is expected (and missing) in 2024Q1
    set_active_quarters(world.users.admin, inst, "2024Q1", None)
    db.session.commit()
    after = _rates(supervisor, period)
    assert all(after[k][0] == before[k][0] + 1 and after[k][1] == before[k][1] for k in after)
    run_period(period, rules=["T01"], now=period.due_at + dt.timedelta(days=400))
    db.session.commit()
    assert {f.subject: f.level for f in findings_of(inst, period, "T01")} == {"CMP": "medium", "DSC": "medium"}


def test_filing_outside_the_expected_quarters_is_refused_until_back_filled(ctx, tmp_path):
    from supervision.periods.models import Period

    app, world = ctx
    period = db.session.get(Period, world.period.id)
    inst = Institution(code=generate_uscc(8802, "11"), name="新设未补录消费金融有限公司", sector="CF",
                       lead_agency_id=world.inst_a.lead_agency_id, active_from=period_of(today_local()).code)
    db.session.add(inst)
    db.session.commit()
    from supervision.periods.services import unlock_period

    unlock_period(None, period, today_local() + dt.timedelta(days=3))
    db.session.commit()
    with pytest.raises(services.FilingError) as refused:
        file_cmp(tmp_path, inst, period, 1, "outside")
    assert refused.value.status == 409 and "set-active" in refused.value.message
    db.session.rollback()
    out = app.test_cli_runner().invoke(args=["institutions", "set-active", inst.code, "--from", "2024Q1"])
    assert out.exit_code == 0 and "2024Q1" in out.output
    db.session.rollback()
    period = db.session.get(Period, world.period.id)
    assert file_cmp(tmp_path, db.session.get(Institution, inst.id), period, 1, "inside").status == "ACCEPTED"


def test_deactivating_ends_the_expected_quarters_without_rewriting_history(ctx):
    app, world = ctx
    admin = client_as(app, world.users.admin)
    inst = world.inst_c
    page = admin.get(f"/admin/institutions/{inst.id}/edit").get_data(as_text=True)
    assert 'name="active_from"' in page and 'value="2015Q1"' in page
    resp = post_form(admin, f"/admin/institutions/{inst.id}/edit", f"/admin/institutions/{inst.id}/edit",
                     code=inst.code, name=inst.name, sector=inst.sector, agency=inst.lead_agency.code,
                     active_from="2015Q1", active_until="")  # "active" unticked: deactivated
    assert resp.status_code == 302
    db.session.rollback()
    inst = db.session.get(Institution, inst.id)
    last = period_of(today_local()).previous().code
    assert not inst.active and inst.active_from == "2015Q1" and inst.active_until == last
    assert inst.expected_in(world.period.code) and not inst.expected_in(world.current.code)
    assert inst.code not in {i.code for i in expected_institutions(world.current)}
    resp = post_form(admin, f"/admin/institutions/{inst.id}/edit", f"/admin/institutions/{inst.id}/edit",
                     code=inst.code, name=inst.name, sector=inst.sector, agency=inst.lead_agency.code,
                     active="y", active_from="2015Q1", active_until=last)
    db.session.rollback()
    inst = db.session.get(Institution, inst.id)
    assert inst.active and inst.active_until == last  # an explicit last quarter is kept
    resp = post_form(admin, f"/admin/institutions/{inst.id}/edit", f"/admin/institutions/{inst.id}/edit",
                     code=inst.code, name=inst.name, sector=inst.sector, agency=inst.lead_agency.code,
                     active="y", active_from="2015Q1", active_until="")
    db.session.rollback()
    assert db.session.get(Institution, inst.id).active_until is None  # open-ended again
    resp = post_form(admin, f"/admin/institutions/{inst.id}/edit", f"/admin/institutions/{inst.id}/edit",
                     code=inst.code, name=inst.name, sector=inst.sector, agency=inst.lead_agency.code,
                     active="y", active_from="2024Q3", active_until="2024Q1")
    assert resp.status_code == 200 and "2024Q1" in resp.get_data(as_text=True)  # refused, input kept
    db.session.rollback()
    assert db.session.get(Institution, inst.id).active_from == "2015Q1"


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_migration_fills_active_quarters_and_accepted_at(backend, tmp_path):
    from flask_migrate import downgrade, upgrade

    app = make_app(backend, tmp_path / "mig", pg_db=f"{PG_TEST_DB}_lifecycle_mig")
    with app.app_context():
        downgrade(revision="0007_complaint_row_order")
        conn = db.session.connection()
        conn.execute(text("INSERT INTO agency (id, code, name, default_sectors, active, created_at) "
                          "VALUES (1, 'NFRA', 'x', '[]', true, :t)"), {"t": dt.datetime(2024, 1, 5)})
        for iid, code, active, created in ((1, generate_uscc(1, "11"), True, dt.datetime(2023, 11, 2)),
                                           (2, generate_uscc(2, "11"), True, dt.datetime(2024, 8, 1)),
                                           (3, generate_uscc(3, "11"), False, dt.datetime(2022, 2, 1))):
            conn.execute(text("INSERT INTO institution (id, code, name, sector, lead_agency_id, code_generated, "
                              "active, created_at) VALUES (:i, :c, :n, 'CF', 1, true, :a, :t)"),
                         {"i": iid, "c": code, "n": f"机构{iid}", "a": active, "t": created})
        for pid, pcode in ((1, "2023Q3"), (2, "2024Q1")):
            conn.execute(text("INSERT INTO period (id, code, year, quarter, start_date, end_date, due_date, "
                              "lock_date, open, created_at) VALUES (:i, :c, 2024, 1, :d, :d, :d, :d, true, :d)"),
                         {"i": pid, "c": pcode, "d": dt.date(2024, 1, 1)})
        conn.execute(text("INSERT INTO filing (id, institution_id, period_id, kind, created_at) "
                          "VALUES (1, 1, 2, 'CMP', :t), (2, 1, 1, 'DSC', :t)"), {"t": dt.datetime(2024, 4, 1)})
        changed = dt.datetime(2024, 4, 9, 8, 0)
        for vid, fid, number, status in ((1, 1, 1, "SUPERSEDED"), (2, 1, 2, "ACCEPTED"), (3, 1, 3, "REJECTED"),
                                         (4, 2, 1, "SUPERSEDED")):
            conn.execute(text(
                "INSERT INTO filing_version (id, filing_id, number, status, sha256, size, original_filename, "
                "storage_path, uploaded_at, status_changed_at, blocking_count, warning_count, row_counts, "
                "rule_totals, progress) VALUES (:i, :f, :n, :s, :h, 1, 'x.xlsx', 'x', :t, :t, 0, 0, '{}', '{}', "
                "'{}')"), {"i": vid, "f": fid, "n": number, "s": status, "h": f"{vid:064d}", "t": changed})
        accepted_v1 = dt.datetime(2024, 4, 2, 3, 0)
        conn.execute(text("INSERT INTO audit_event (at, actor_label, action, object_type, object_id, result, detail) "
                          "VALUES (:t, 'ingest', 'filing_status', 'filing_version', '1', 'ok', :d)"),
                     {"t": accepted_v1, "d": '{"from": "VALIDATED", "to": "ACCEPTED", "note": null}'})
        db.session.commit()
        upgrade()
        db.session.remove()
        rows = dict(db.session.execute(text("SELECT id, accepted_at FROM filing_version")).all())

        def naive(value):
            value = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
            return None if value is None else value.replace(tzinfo=None)

        assert naive(rows[2]) == changed  # ACCEPTED: its status_changed_at
        assert naive(rows[1]) == accepted_v1  # SUPERSEDED, accepted according to the audit log
        assert rows[3] is None and rows[4] is None  # rejected; superseded without an acceptance on record
        quarters = {i: (f, u) for i, f, u in db.session.execute(
            text("SELECT id, active_from, active_until FROM institution"))}
        last = period_of(today_local()).previous().code
        assert quarters == {1: ("2023Q3", None), 2: ("2024Q3", None), 3: ("2022Q1", last)}
        db.session.remove()
        db.engine.dispose()
