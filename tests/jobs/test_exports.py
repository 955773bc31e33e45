"""Exports (spec §9) from real filings: the summary workbook re-opened with openpyxl equals the
league table, the reporting figures and the findings, has its charts and no formula cell (even
with hostile names and messages); the archive keeps SHA-256, producer and snapshot; each user
lists and downloads only what their scope allows."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
from decimal import Decimal
from types import SimpleNamespace

import openpyxl
import pytest
from sqlalchemy import func, select

from tests.conftest import PASSWORD, login, page_token
from tests.factories import make_institution
from tests.jobs.conftest import at
from tests.jobs.helpers import HOSTILE_NAMES, file_period
from tests.reports.test_workbook_data import formula_cells, unescape

HOSTILE_MESSAGE = '=HYPERLINK("http://evil.example","看这里")'
SHEETS = ["说明", "排行榜", "非银行支付机构", "消费金融公司", "通报", "报送情况", "监管发现", "图表", "图表数据"]


@pytest.fixture(scope="module")
def xworld(jlive, tmp_path_factory):
    """Period 2024Q2 filed by A–G (C and E late, G without DSC), H never files; a finding of D with
    a hostile message, opened to D. Plain values."""
    app, world = jlive
    tmp = tmp_path_factory.mktemp("books")
    with app.app_context():
        from supervision.extensions import db
        from supervision.orgs.models import Institution
        from supervision.periods.services import add_period

        period = add_period(None, "2024Q2")
        extra = [make_institution(name, sector, agency, 300 + n, "44") for n, (name, sector, agency) in enumerate(
            zip(HOSTILE_NAMES, ("CF", "PAY", "CF", "PAY"), ("NFRA", "PBOC", "NFRA-BJ", "PBOC"), strict=True))]
        missing = make_institution("普通支付有限公司", "PAY", "PBOC", 310, "31")
        db.session.commit()
        base = [db.session.get(Institution, ref.id) for ref in (world.a, world.b, world.c)]
        insts = base + extra
        file_period(insts, period, tmp, late={insts[2].code, insts[4].code}, no_dsc={insts[6].code})
        d = db.session.get(Institution, extra[0].id)
        out = SimpleNamespace(period_id=period.id, period_code=period.code, codes=[i.code for i in insts],
                              hostile_codes=[i.code for i in extra], missing=missing.code, late=[insts[2].code,
                                                                                                   insts[4].code],
                              d=SimpleNamespace(id=d.id, code=d.code))
        out.finding = _hostile_finding(out, "P-EVIL")
        db.session.remove()
    return out


def _hostile_finding(xw, subject: str) -> int:
    """An open D03 finding of D with hostile texts, opened to D (the checks would close it on a re-run)."""
    from supervision.extensions import db
    from supervision.findings.services import open_to_institution, upsert

    draft = SimpleNamespace(rule="D03", level="medium", subject=subject, subject_label="-1+1",
                            evidence={"note": "@x"}, messages=lambda: (HOSTILE_MESSAGE, "+cmd|' /C calc'!A0"))
    finding, _ = upsert(draft, institution_id=xw.d.id, period_id=xw.period_id, version_ids=[])
    open_to_institution(None, finding)
    db.session.commit()
    return finding.id


def _rows(ws) -> list[dict]:
    values = list(ws.iter_rows(values_only=True))
    head = values[0]
    return [dict(zip(head, (unescape(v) if isinstance(v, str) else v for v in r), strict=False))
            for r in values[1:] if any(c is not None for c in r)]


def _post_deadline(world, xw):
    from supervision.jobs.services import execute

    result = execute("post_deadline", at(dt.date(2024, 7, 16), 2), period_code=None)
    assert result.status == "success", result.error
    return result


def _export(kind: str, scope: str, period_id: int):
    from supervision.exports.models import Export
    from supervision.extensions import db

    return db.session.scalar(select(Export).where(Export.kind == kind, Export.scope_label == scope,
                                                  Export.period_id == period_id))


def test_summary_workbook_equals_league_reporting_and_findings(jctx, xworld):
    from supervision.accounts.models import User
    from supervision.exports.services import file_path
    from supervision.extensions import db
    from supervision.findings.models import Finding
    from supervision.findings.queries import dashboard
    from supervision.league.services import compute_draft
    from supervision.periods.models import Period

    _app, world = jctx
    result = _post_deadline(world, xworld)
    assert list(result.output["periods"]) == ["2024Q2"]
    exp = _export("summary", "ALL", xworld.period_id)
    path = file_path(exp)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == exp.sha256 and exp.size == path.stat().st_size
    assert exp.snapshot_id is None and exp.producer == "job:post_deadline" and exp.job_run_id == result.id
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == SHEETS
    readme = {r[0]: r[1] for r in book["说明"].iter_rows(values_only=True) if r[0]}
    assert readme["报送期"] == "2024Q2" and readme["快照"] == "草稿（未发布）"
    assert readme["生成者"].startswith("job:post_deadline")
    from supervision.version import platform_version

    assert readme["平台版本"] == platform_version()

    period = db.session.get(Period, xworld.period_id)
    table = compute_draft(period).table
    by_code = {r["institution_code"]: r for r in table["rows"]}
    sheet = {r["机构代码"]: r for r in _rows(book["排行榜"])}
    assert set(sheet) == set(by_code) and len(sheet) == 8  # every active institution, H as 未报送
    assert sum(1 for r in table["rows"] if r["status"] == "ranked") >= 6
    for code, row in by_code.items():
        got = sheet[code]
        assert got["机构名称"] == row["name"]
        assert got["等级"] == row["grade"]
        assert (None if got["综合得分"] is None else Decimal(str(got["综合得分"]))) == \
            (None if row["composite"] is None else Decimal(row["composite"]))
        for label, metric in (("投诉量", "received"), ("万人投诉量", "per_10k_customers"),
                              ("按时办结率%", "on_time_rate")):
            want = row["metrics"][metric]["display"]
            assert (None if got[label] is None else Decimal(str(got[label]))) == \
                (None if want is None else Decimal(want)), (code, label)
    assert {r["机构名称"] for r in sheet.values()} >= set(HOSTILE_NAMES)

    findings = db.session.scalars(select(Finding).where(Finding.period_id == period.id)).all()
    listed = _rows(book["监管发现"])
    assert sorted((r["编号"], r["规则"], r["机构代码"]) for r in listed) == \
        sorted((f.id, f.rule, f.institution.code) for f in findings)
    assert any(r["说明"] == HOSTILE_MESSAGE for r in listed)

    nfra = db.session.get(User, world.users["analyst_nfra"][0])  # NFRA sees every institution of this world
    dash = dashboard(nfra, period)
    lines = []
    for r in list(book["报送情况"].iter_rows(values_only=True))[1:]:
        if r[0] is None:
            break
        lines.append(r)
    totals = {("CMP" if "投诉" in r[0] else "DSC"): r for r in lines if r[1] == "合计"}
    for kind, k in dash["per_kind"].items():
        row = totals[kind]
        late = sum(1 for _i, knd, _t in dash["late"] if knd == kind)
        missing = sum(1 for _i, knd in dash["missing"] if knd == kind)
        assert row[2:6] == (k["expected"], k["on_time"], late, missing)
        # reported (on time + late) is one definition on both sides (decision 4): the reporting rate too
        assert k["accepted"] == k["on_time"] + late and late == k["late"] and missing == k["missing"]
        assert Decimal(str(row[6])) == Decimal(k["reporting_rate"])
        assert Decimal(str(row[7])) == Decimal(k["on_time_rate"])
    assert len(book["图表"]._charts) == 3
    assert formula_cells(path) == []


def test_summaries_per_scope_and_who_may_download_them(jctx, xworld):
    from supervision.exports.services import file_path

    app, world = jctx
    _post_deadline(world, xworld)
    every, pboc, bj = (_export("summary", s, xworld.period_id) for s in ("ALL", "PBOC", "NFRA-BJ"))
    assert every and pboc and bj
    pay = set(r["机构代码"] for r in _rows(openpyxl.load_workbook(file_path(pboc))["排行榜"]))
    assert pay and all(c in (world.b.code, xworld.hostile_codes[1], xworld.hostile_codes[3], xworld.missing)
                       for c in pay)
    findings_sheet = _rows(openpyxl.load_workbook(file_path(pboc))["监管发现"])
    assert all(r["机构代码"] in pay for r in findings_sheet)

    def listing(email):
        """A logged-in client, and the status and text of its export list."""
        client = app.test_client()
        assert login(client, email, PASSWORD).status_code == 302
        page = client.get(f"/exports/?period={xworld.period_code}")
        return client, page.status_code, page.get_data(as_text=True)

    users = world.users
    expectations = {"analyst_nfra": {every, pboc, bj}, "supervisor": {every, pboc, bj}, "analyst_pboc": {pboc},
                    "analyst_nfra_bj": {bj}, "filer_a": set(), "filer_b": set()}
    for key, allowed in expectations.items():
        client, status, html = listing(users[key][1])
        assert status == 200
        for exp in (every, pboc, bj):
            link = f"/exports/download?id={exp.id}"
            assert (link in html) == (exp in allowed), (key, exp.scope_label)
            resp = client.get(link)
            assert resp.status_code == (200 if exp in allowed else 404), (key, exp.scope_label)
            if exp in allowed:
                assert hashlib.sha256(resp.data).hexdigest() == exp.sha256
            resp.close()
    admin, status, _ = listing(users["admin"][1])
    assert status == 403 and admin.get(f"/exports/download?id={every.id}").status_code == 403


def test_generate_on_demand_for_the_users_scope(jctx, xworld):
    from supervision.audit.models import AuditEvent
    from supervision.exports.models import Export
    from supervision.exports.services import file_path
    from supervision.extensions import db

    app, world = jctx
    client = app.test_client()
    assert login(client, world.users["analyst_pboc"][1], PASSWORD).status_code == 302
    token = page_token(client, "/exports/")
    audit_before = db.session.scalar(select(func.max(AuditEvent.id)))
    db.session.rollback()
    resp = client.post("/exports/", data={"csrf_token": token, "kind": "json", "period": xworld.period_code})
    assert resp.status_code == 302
    exp = db.session.scalar(select(Export).where(Export.kind == "json"))
    assert exp.producer == world.users["analyst_pboc"][1] and exp.scope_label == "PBOC"
    doc = json.loads(file_path(exp).read_text(encoding="utf-8"))
    assert doc["snapshot"] is None and {r["sector"] for r in doc["rows"]} == {"PAY"}
    got = client.get(f"/exports/download?id={exp.id}")
    assert got.status_code == 200 and hashlib.sha256(got.data).hexdigest() == exp.sha256
    got.close()
    db.session.rollback()
    actions = [a.action for a in db.session.scalars(select(AuditEvent).where(
        AuditEvent.object_type == "export", AuditEvent.object_id == str(exp.id), AuditEvent.id > audit_before)
        .order_by(AuditEvent.id))]
    assert actions == ["export_created", "export_download"]
    # feedback of an institution outside the PBOC scope is refused; inside it, made from the draft
    for code, made in ((world.a.code, False), (xworld.hostile_codes[1], True)):
        client.post("/exports/", data={"csrf_token": token, "kind": "feedback", "period": xworld.period_code,
                                       "institution": code})
        db.session.rollback()
        assert (db.session.scalar(select(Export).where(Export.kind == "feedback")) is not None) == made
    # a filer cannot make a feedback sheet from an unpublished table
    filer = app.test_client()
    assert login(filer, world.users["filer_a"][1], PASSWORD).status_code == 302
    assert 'id="generate-form"' not in filer.get("/exports/").get_data(as_text=True)


def test_cli_exports_into_the_archive(jctx, xworld, tmp_path):
    from supervision.exports.models import Export
    from supervision.extensions import db

    app, world = jctx
    _hostile_finding(xworld, "P-EVIL-CLI")
    runner = app.test_cli_runner()
    out = tmp_path / "summary.xlsx"
    res = runner.invoke(args=["export", "summary", "--period", xworld.period_code, "--out", str(out)])
    assert res.exit_code == 0, res.output
    record = json.loads(res.output)
    assert hashlib.sha256(out.read_bytes()).hexdigest() == record["sha256"]
    assert record["producer"] == "console" and record["snapshot"] is None and record["scope"] == "ALL"
    fb = tmp_path / "feedback.xlsx"
    res = runner.invoke(args=["export", "feedback", "--period", xworld.period_code, "--institution", xworld.d.code,
                              "--out", str(fb)])
    assert res.exit_code == 0, res.output
    book = openpyxl.load_workbook(fb)
    assert book.sheetnames == ["机构反馈"]
    cells = [unescape(c) for row in book.active.iter_rows(values_only=True) for c in row if isinstance(c, str)]
    assert HOSTILE_MESSAGE in cells and xworld.d.code in cells
    assert not ({world.a.code, world.b.code} & set(cells))  # no other institution in the file
    assert formula_cells(fb) == []
    from supervision.version import platform_version

    header = {r[0]: r[1] for r in book.active.iter_rows(values_only=True) if r[0]}
    assert header["平台版本"] == platform_version()
    assert db.session.query(Export).count() == 2
    doc = tmp_path / "league.json"
    res = runner.invoke(args=["export", "league", "--period", xworld.period_code, "--format", "json",
                              "--out", str(doc)])
    assert res.exit_code == 0, res.output
    assert json.loads(doc.read_text(encoding="utf-8"))["platform_version"] == platform_version()
    assert runner.invoke(args=["export", "summary", "--period", "1999Q1", "--out", str(out)]).exit_code == 2


def test_tampered_archive_file_is_refused(jctx, xworld):
    from supervision.exports.services import build_league_file, file_path
    from supervision.extensions import db
    from supervision.periods.models import Period

    app, world = jctx
    exp = build_league_file(db.session.get(Period, xworld.period_id), "csv", producer="console")
    db.session.commit()
    file_path(exp).write_bytes(b"changed")
    client = app.test_client()
    assert login(client, world.users["analyst_nfra"][1], PASSWORD).status_code == 302
    res = client.get(f"/exports/download?id={exp.id}")
    assert res.status_code == 409  # a clear error page (issue 16), never a 500 nor the changed bytes
    body = res.get_data(as_text=True)
    assert "已损坏" in body and "damaged" in body and "changed" not in body


def test_published_snapshot_is_preferred_and_filers_get_their_feedback(jctx, xworld):
    """Last in the module: publishing is permanent."""
    from supervision.exports.models import Export
    from supervision.exports.services import build_summary, file_path
    from supervision.extensions import db
    from supervision.league.services import publish
    from supervision.periods.models import Period

    app, world = jctx
    period = db.session.get(Period, xworld.period_id)
    draft_summary = build_summary(period, producer="console")
    publish(None, period)
    db.session.commit()
    published = build_summary(db.session.get(Period, xworld.period_id), producer="console")
    db.session.commit()
    assert draft_summary.snapshot_number is None and published.snapshot_number == 1 and published.snapshot_id
    readme = {r[0]: r[1] for r in openpyxl.load_workbook(file_path(published))["说明"].iter_rows(values_only=True)
              if r[0]}
    assert readme["快照"] == "第1版"

    filer = app.test_client()
    assert login(filer, world.users["filer_a"][1], PASSWORD).status_code == 302
    token = page_token(filer, "/exports/")
    resp = filer.post("/exports/", data={"csrf_token": token, "kind": "feedback", "period": xworld.period_code,
                                         "institution": world.b.code})  # ignored: a filer's is their own
    assert resp.status_code == 302
    db.session.rollback()
    mine = db.session.scalar(select(Export).where(Export.kind == "feedback"))
    assert mine.institution_id == world.a.id and mine.snapshot_number == 1
    page = filer.get("/exports/").get_data(as_text=True)
    assert f"download?id={mine.id}" in page and f"download?id={published.id}" not in page
    got = filer.get(f"/exports/download?id={mine.id}")
    assert got.status_code == 200
    data = got.data
    got.close()
    cells = [c for row in openpyxl.load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True)
             for c in row if isinstance(c, str)]
    assert world.a.code in cells and world.b.code not in cells
    other = app.test_client()
    assert login(other, world.users["filer_b"][1], PASSWORD).status_code == 302
    assert other.get(f"/exports/download?id={mine.id}").status_code == 404
    regulator = app.test_client()
    assert login(regulator, world.users["analyst_nfra_bj"][1], PASSWORD).status_code == 302
    allowed = regulator.get(f"/exports/download?id={mine.id}")
    assert allowed.status_code == 200  # A is led by NFRA-BJ
    allowed.close()
    pboc = app.test_client()
    assert login(pboc, world.users["analyst_pboc"][1], PASSWORD).status_code == 302
    assert pboc.get(f"/exports/download?id={mine.id}").status_code == 404
