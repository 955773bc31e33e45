"""Lead's decisions 6 and 7 on the league world (both databases, filings ingested through the real
pipeline): administrators change the §6/§8 parameters on a page (validated, audited, effective for
drafts and checks at once, recorded and shown with each snapshot); a supervisor publishes the
sectors of its own scope as a sector-scoped snapshot, and the published table of a sector is its
latest snapshot covering it (change list and movement follow the sectors). Runs after the other
league modules: it publishes and returns filings."""

from __future__ import annotations

import re

from sqlalchemy import select

from supervision.audit.models import AuditEvent
from supervision.extensions import db
from supervision.league import services
from supervision.league.models import LeagueSnapshot
from supervision.parameters.models import Parameter
from tests.conftest import csrf_from
from tests.league.helpers import ensure_published
from tests.league.test_league_web import client_as, rows_on


def _post(client, **values):
    page = client.get("/admin/parameters/").get_data(as_text=True)
    fields = dict(re.findall(r'<input[^>]*name="([a-z0-9_]+)"[^>]*value="([^"]*)"', page))
    fields.update(values)
    return client.post("/admin/parameters/", data={**fields, "csrf_token": csrf_from(page)})


def test_admin_changes_parameters_on_a_page_audited_and_effective_at_once(lctx):
    from supervision.checks.engine import run_institution

    lw = lctx
    period = lw.period("2024Q1")
    admin = client_as(lw, "admin")
    page = admin.get("/admin/parameters/").get_data(as_text=True)
    for key in ("apr_cap", "min_active_customers", "composite_weights", "grade_thresholds"):
        assert f'name="{key}"' in page
    assert 'value="A:80,B:60,C:40"' in page and "默认（环境配置）" in page
    assert client_as(lw, "supervisor").get("/admin/parameters/").status_code == 403
    # an invalid value: the page again, the error beside the field, the input kept, nothing stored
    resp = _post(admin, grade_thresholds="A:60,B:80")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and 'id="grade_thresholds-err"' in html and 'value="A:60,B:80"' in html
    assert _post(admin, composite_weights="per_10k:30").status_code == 200
    db.session.rollback()
    assert db.session.scalars(select(Parameter)).all() == []
    ranked_before = sum(1 for r in services.compute_draft(period, cached=True).table["rows"] if r["status"] == "ranked")
    assert ranked_before > 0
    try:
        resp = _post(admin, min_active_customers="1,000,000,000,000", apr_cap="1")
        assert resp.status_code == 302
        db.session.rollback()
        events = {e.detail["key"]: e.detail for e in db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "parameter_set"))}
        assert events["MIN_ACTIVE_CUSTOMERS"]["before"] == "10000"
        assert events["MIN_ACTIVE_CUSTOMERS"]["after"] == "1000000000000"
        assert events["APR_CAP"] == {"key": "APR_CAP", "before": "24", "after": "1"}
        # drafts use it at once (the cached draft is not reused: its configuration changed)
        rows = services.compute_draft(period, cached=True).table["rows"]
        assert {r["status"] for r in rows} <= {"not_ranked", "not_filed"}
        # the checks use the new cap: every loan product above 1 % is a D02 now
        counts = run_institution(lw.institution("E"), period, ["D02"])
        db.session.commit()
        assert counts.get("created", 0) + counts.get("updated", 0) + counts.get("reopened", 0) >= 1
        # a snapshot records the values it used, and its page shows them
        snap = services.publish(None, period)
        db.session.commit()
        assert snap.config["min_active_customers"] == 10**12 and snap.config["apr_cap"] == "1"
        history = client_as(lw, "filer_a").get(f"/league/{lw.periods['2024Q1']}/snapshots").get_data(as_text=True)
        section = history[history.index(f'data-number="{snap.number}"'):]
        assert "排名门槛 1000000000000" in section[:3000] and "综合融资成本上限 1%" in section[:3000]
    finally:
        for key in ("MIN_ACTIVE_CUSTOMERS", "APR_CAP"):
            token = csrf_from(admin.get("/admin/parameters/").get_data(as_text=True))
            assert admin.post("/admin/parameters/", data={"csrf_token": token, "reset": key}).status_code == 302
        db.session.rollback()
    assert db.session.scalars(select(Parameter)).all() == []
    assert [e.detail["key"] for e in db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "parameter_reset").order_by(AuditEvent.id))] == ["MIN_ACTIVE_CUSTOMERS", "APR_CAP"]
    rows = services.compute_draft(period, cached=True).table["rows"]
    assert sum(1 for r in rows if r["status"] == "ranked") == ranked_before
    run_institution(lw.institution("E"), period, ["D02"])
    db.session.commit()


def test_pboc_publishes_pay_and_the_published_table_combines_sectors(lctx):
    lw = lctx
    q1 = lw.periods["2024Q1"]
    full = ensure_published(lw, "2024Q1")
    full_table = services.snapshot_table(full)
    assert set(services.snapshot_sectors(full)) == {"PAY", "CF", "BANK", "INS", "AUTO"}
    # a PAY institution's CMP is returned: the PAY part of the draft changes, CF does not
    from supervision.filings.counting import counting_version
    from supervision.filings.services import return_version

    pay = lw.inst["I"]
    return_version(None, counting_version(pay.id, q1, "CMP"), "请更正")
    db.session.commit()
    pboc = client_as(lw, "supervisor_pboc")
    page = pboc.get(f"/league/{q1}?draft=1").get_data(as_text=True)
    assert 'id="publish-form"' in page and "非银行支付机构" in page[page.index('id="publish-sectors"'):][:300]
    confirm = pboc.get(f"/league/{q1}/publish").get_data(as_text=True)  # the review step names the sectors
    assert "非银行支付机构" in confirm[confirm.index('id="publish-sectors"'):][:300]
    sha = re.search(r'name="table_sha256" value="([0-9a-f]{64})"', confirm).group(1)
    data = {"csrf_token": csrf_from(confirm), "period_code": "2024Q1", "table_sha256": sha}
    resp = pboc.post(f"/league/{q1}/publish", data=data)
    assert resp.status_code == 302
    db.session.rollback()
    snap = services.latest_snapshot(q1)
    assert snap.number == full.number + 1 and snap.sectors == ["PAY"]
    table = services.snapshot_table(snap)
    assert {r["sector"] for r in table["rows"]} == {"PAY"} and list(table["medians"]) == ["PAY"]
    # the change list compares with the published PAY rows only
    assert snap.changes and all(c["institution_code"] is None or c["institution_code"] in
                                {r["institution_code"] for r in table["rows"]} for c in snap.changes)
    assert any(c["institution_code"] == pay.code and c["field"] == "status" for c in snap.changes)
    # republishing the same PAY table is refused; the full snapshot never changed
    refused = pboc.post(f"/league/{q1}/publish", data=data)
    assert refused.status_code == 409 and 'id="no-changes"' in refused.get_data(as_text=True)
    db.session.rollback()
    assert services.latest_snapshot(q1).number == snap.number
    assert services.snapshot_table(db.session.get(LeagueSnapshot, full.id)) == full_table
    # the published table: PAY from the new snapshot, every other sector from the full one
    published = services.published_table(q1)
    assert published["snapshots"] == {"PAY": snap.number, "CF": full.number, "BANK": full.number,
                                      "INS": full.number, "AUTO": full.number}
    cf = [r for r in published["rows"] if r["sector"] == "CF"]
    assert cf == [r for r in full_table["rows"] if r["sector"] == "CF"]
    assert [r for r in published["rows"] if r["sector"] == "PAY"] == table["rows"]
    filer = client_as(lw, "filer_b").get(f"/league/{q1}").get_data(as_text=True)
    assert 'id="published-parts"' in filer
    assert set(rows_on(filer)) == {r["institution_code"] for r in published["rows"]}
    assert 'data-status="not_filed"' in rows_on(filer)[pay.code] or "not_filed" in rows_on(filer)[pay.code]
    # movement of the next period reads each sector's latest snapshot of this one
    ranks, basis = services.previous_published(lw.period("2024Q2"))
    assert basis["snapshots"] == {"PAY": snap.number, "CF": full.number, "BANK": full.number,
                                  "INS": full.number, "AUTO": full.number}
    expected = {r["institution_code"]: r["rank_composite"] for r in table["rows"] + full_table["rows"]
                if r["rank_composite"] is not None and (r["sector"] == "PAY") == (r in table["rows"])}
    assert ranks == expected and pay.code not in ranks
    # the console may publish one sector too (CF changed: the full snapshot was made with other parameters)
    db.session.rollback()
    out = lw.app.test_cli_runner().invoke(args=["league", "publish", "--period", "2024Q1", "--sector", "CF"])
    assert out.exit_code == 0 and "(CF)" in out.output, out.output
    db.session.rollback()
    cf_snap = services.latest_snapshot(q1)
    assert cf_snap.sectors == ["CF"] and services.published_table(q1)["snapshots"]["CF"] == cf_snap.number
    assert services.published_table(q1)["snapshots"]["PAY"] == snap.number
