"""Cross-checks on real ingested workbooks: each family positive and negative, idempotence,
supersession closing a fixed finding, peers against an independent modified z-score, T01, and the
workflow with a referral between agencies and an institution's answer."""

from __future__ import annotations

import datetime as dt
import io
import statistics
from decimal import Decimal
from fractions import Fraction

import pytest
from sqlalchemy import select

from supervision.checks.engine import run_period
from supervision.demo import workbooks as gen
from supervision.domain.uscc import generate_uscc
from supervision.extensions import db
from supervision.findings.models import Finding
from supervision.orgs import services as orgs
from supervision.periods.services import add_period, get_period
from tests.checks.helpers import ingest, profile, resummarise
from tests.conftest import PASSWORD, csrf_from, login


def _findings(inst, period, rule=None):
    db.session.rollback()
    q = select(Finding).where(Finding.institution_id == inst.id, Finding.period_id == period.id)
    if rule:
        q = q.where(Finding.rule == rule)
    return db.session.scalars(q.order_by(Finding.rule, Finding.subject)).all()


@pytest.fixture()
def periods(ctx):
    _app, world = ctx
    cur = world.current
    prev_code = cur.quarter_period.previous().code
    prev = get_period(prev_code) or add_period(None, prev_code)
    db.session.commit()
    return prev, cur


def test_p01_idempotence_and_supersession(ctx, periods, tmp_path):
    _app, world = ctx
    prev, cur = periods
    inst = world.inst_a
    prof = profile(inst, 11, active_customers=2_000_000)
    q1 = gen.generate_cmp(prof, prev.code)
    assert q1.open_at_end, "the generator should leave some complaints open"
    assert ingest(tmp_path, inst, prev, "CMP", q1, "p01-prev").status == "ACCEPTED"
    q2 = gen.generate_cmp(prof, cur.code, carried_over=q1.open_at_end)
    dropped = next(r for r in q2.rows if r["received_date"] < cur.start_date)
    bad = dataclasses_replace_rows(q2, [r for r in q2.rows if r is not dropped])
    v1 = ingest(tmp_path, inst, cur, "CMP", bad, "p01-bad")
    assert v1.status == "ACCEPTED"
    p01 = _findings(inst, cur, "P01")
    assert len(p01) == 1 and p01[0].status == "OPEN" and p01[0].holds
    assert dropped["complaint_id"] in str(p01[0].evidence)
    # running every check twice changes nothing
    run_period(cur)
    db.session.commit()
    first = [(f.id, f.rule, f.subject, f.status, f.evidence) for f in _findings(inst, cur)]
    run_period(cur)
    db.session.commit()
    assert [(f.id, f.rule, f.subject, f.status, f.evidence) for f in _findings(inst, cur)] == first
    # a corrected resubmission closes the finding it fixes, with the reason
    v2 = ingest(tmp_path, inst, cur, "CMP", q2, "p01-fixed")
    assert v2.status == "ACCEPTED" and v2.number == 2
    fixed = _findings(inst, cur, "P01")[0]
    assert fixed.status == "CLOSED" and not fixed.holds and fixed.closed_reason.startswith("auto:")
    assert any(e.action == "auto_closed" for e in fixed.events)


def dataclasses_replace_rows(filing, rows):
    """A copy of a generated CMP filing with other rows (summary recomputed)."""
    import dataclasses

    out = dataclasses.replace(filing, rows=rows)
    resummarise(out)
    return out


def test_first_period_has_no_p01_and_reappearing_complaint(ctx, periods, tmp_path):
    _app, world = ctx
    _prev, cur = periods
    inst = world.inst_c
    prof = profile(inst, 12, active_customers=1_500_000)
    q2 = gen.generate_cmp(prof, cur.code)  # no previous filing at all: first period
    assert ingest(tmp_path, inst, cur, "CMP", q2, "first").status == "ACCEPTED"
    assert _findings(inst, cur, "P01") == []


def test_register_x01_x02(ctx, periods, tmp_path):
    app, world = ctx
    _prev, cur = periods
    inst = world.inst_b
    prof = profile(inst, 13, active_customers=50_000_000)
    q = gen.generate_cmp(prof, cur.code)
    reg_rows = [r for r in q.rows if r["source"] == "REGULATOR"]
    assert reg_rows, "PAY demo filings carry regulator transfers"
    v = ingest(tmp_path, inst, cur, "CMP", q, "x")
    assert v.status == "ACCEPTED"
    # nothing in the register yet: every REGULATOR row is X02, no X01
    assert [f.rule for f in _findings(inst, cur) if f.rule.startswith("X")] == ["X02"]
    # register: the institution's real refs plus one transfer missing from the filing
    known = reg_rows[0]
    missing_ref = "12363-MISSING-1"
    csv_text = "转办单号,机构代码,转办日期,来源热线,业务类别,投诉原因\n" + "\n".join(
        f"{r['transfer_ref']},{inst.code},{r['received_date'].isoformat()},12363,{r['business_category']},{r['cause']}"
        for r in reg_rows if r["received_date"] >= cur.start_date) + \
        f"\n{missing_ref},{inst.code},{(cur.start_date + dt.timedelta(days=3)).isoformat()},12363,B11,C07\n"
    path = tmp_path / "reg.csv"
    path.write_text(csv_text, encoding="utf-8")
    out = app.test_cli_runner().invoke(args=["register", "import", str(path)])
    assert out.exit_code == 0, out.output
    x = {f.rule: f for f in _findings(inst, cur) if f.rule.startswith("X")}
    assert missing_ref in str(x["X01"].evidence) and x["X01"].level == "high"
    carried_refs = [r for r in reg_rows if r["received_date"] < cur.start_date]
    if not carried_refs:
        assert not x["X02"].holds and x["X02"].status == "CLOSED"
    assert known["transfer_ref"] not in str(x["X01"].evidence)


def test_disclosure_d02_d07(ctx, periods, tmp_path):
    _app, world = ctx
    _prev, cur = periods
    inst = world.inst_a
    prof = profile(inst, 14, active_customers=3_000_000)
    dsc = gen.generate_dsc(prof, cur.code)
    loan = next(p for p in dsc.products if p["product_type"] in ("CONSUMER_LOAN", "CREDIT_PAY"))
    other = next(p for p in dsc.products if p is not loan)
    for p in dsc.products:
        if p.get("apr_max") is not None:
            p["apr_max"] = min(p["apr_max"], Decimal("23.9"))
            if p.get("apr_min") is not None and p["apr_min"] > p["apr_max"]:
                p["apr_min"] = p["apr_max"]
        p["auto_deduction"], p["deduction_notice"] = True, True
    loan["apr_max"] = Decimal("30.5")  # D02 positive
    other["auto_deduction"] = False  # D07 target
    assert ingest(tmp_path, inst, cur, "DSC", dsc, "dsc").status == "ACCEPTED"
    q = gen.generate_cmp(prof, cur.code)
    q.rows[0]["cause"], q.rows[0]["product_code"] = "C13", other["product_code"]
    resummarise(q)
    assert ingest(tmp_path, inst, cur, "CMP", q, "cmp-d07").status == "ACCEPTED"
    found = {(f.rule, f.subject) for f in _findings(inst, cur) if f.holds}
    assert ("D02", loan["product_code"]) in found
    assert ("D07", other["product_code"]) in found
    # negatives: no other product breaks the cap; products with notices give no D03
    assert not any(r == "D02" and s != loan["product_code"] for r, s in found)
    assert not any(r == "D03" for r, _ in found)
    d07 = next(f for f in _findings(inst, cur, "D07"))
    assert q.rows[0]["complaint_id"] in str(d07.evidence)


def _independent_z(values: dict[str, Fraction], code: str) -> Fraction | None:
    xs = sorted(values.values())
    med = statistics.median(xs)
    mad = statistics.median(sorted(abs(x - med) for x in xs))
    return None if mad == 0 else Fraction("0.6745") * (values[code] - med) / mad


def test_peer_outlier_s01_matches_independent_z(ctx, periods, tmp_path):
    _prev, cur = periods
    peers = []
    for i in range(6):
        inst = orgs.create_institution(None, code=generate_uscc(500 + i, "31"), name=f"同业测试支付{i}有限公司",
                                       sector="PAY", agency_code="PBOC", province="31", active_from="2020Q1")
        db.session.commit()
        peers.append(inst)
    per_10k = {}
    for i, inst in enumerate(peers):
        prof = profile(inst, 600 + i, active_customers=1_000_000, complaint_rate_per_10k=1.0 if i else 8.0)
        q = gen.generate_cmp(prof, cur.code)
        v = ingest(tmp_path, inst, cur, "CMP", q, f"peer{i}")
        assert v.status == "ACCEPTED"
        received = sum(1 for r in q.rows if r["received_date"] >= cur.start_date)
        per_10k[inst.code] = Fraction(received * 10000, 1_000_000)
    run_period(cur, rules=["S01", "S02", "S03"])
    db.session.commit()
    # all ranked PAY institutions of the period take part (the world's PAY filer too)
    from supervision.checks.engine import peer_facts

    values = {p.institution_code: p.per_10k_customers for p in peer_facts(cur)["PAY"]}
    assert set(per_10k) <= set(values) and all(values[c] == per_10k[c] for c in per_10k)
    outlier = peers[0]
    z = _independent_z(values, outlier.code)
    s01 = _findings(outlier, cur, "S01")
    assert z is not None and z > Fraction(7, 2)
    assert len(s01) == 1 and abs(Fraction(s01[0].evidence["z"]) - z) / z < Fraction(1, 10**7)
    for inst in peers[1:]:
        zi = _independent_z(values, inst.code)
        assert bool(_findings(inst, cur, "S01")) == (zi is not None and zi > Fraction(7, 2))


def test_t01_late_and_missing(ctx, periods, tmp_path):
    prev, _cur = periods
    inst = orgs.create_institution(None, code=generate_uscc(700, "11"), name="迟报测试消费金融有限公司", sector="CF",
                                   agency_code="NFRA", province="11", active_from="2020Q1")
    db.session.commit()
    prof = profile(inst, 701, active_customers=100_000)
    late_at = prev.due_at + dt.timedelta(days=2)
    assert ingest(tmp_path, inst, prev, "CMP", gen.generate_cmp(prof, prev.code), "late",
                  uploaded_at=late_at).status == "ACCEPTED"
    run_period(prev, rules=["T01"], now=prev.due_at + dt.timedelta(days=10))
    db.session.commit()
    t01 = {f.subject: f for f in _findings(inst, prev, "T01")}
    assert t01["CMP"].level == "low" and t01["DSC"].level == "medium"
    # seen before the due date, a missing filing is not (yet) a finding; a late one stays late
    run_period(prev, rules=["T01"], now=prev.due_at - dt.timedelta(days=1))
    db.session.commit()
    t01 = {f.subject: f for f in _findings(inst, prev, "T01")}
    assert t01["CMP"].holds and not t01["DSC"].holds and t01["DSC"].status == "CLOSED"


def test_referral_and_institution_answer(ctx, periods, tmp_path):
    app, world = ctx
    prev, _cur = periods
    run_period(prev, rules=["T01"], now=prev.due_at + dt.timedelta(days=30))
    db.session.commit()
    pay_finding = _findings(world.inst_b, prev, "T01")[0]
    pboc = app.test_client()
    login(pboc, world.users.analyst_pboc.email, PASSWORD)
    page = pboc.get(f"/findings/{pay_finding.id}")
    assert page.status_code == 200
    resp = pboc.post(f"/findings/{pay_finding.id}/refer", data={
        "csrf_token": csrf_from(page.get_data(as_text=True)), "agency": "NFRA-BJ", "note": "请北京局协助核查"})
    assert resp.status_code == 302
    bj = app.test_client()
    login(bj, world.users.analyst_nfra_bj.email, PASSWORD)
    page = bj.get(f"/findings/{pay_finding.id}")
    assert page.status_code == 200 and "请北京局协助核查" in page.get_data(as_text=True)
    assert bj.get(f"/institutions/{world.inst_b.id}").status_code == 404  # nothing else of the firm
    assert bj.get(f"/filings/{world.filing_b.id}").status_code == 404
    db.session.rollback()
    ref = db.session.get(Finding, pay_finding.id).referrals[0]
    token = csrf_from(page.get_data(as_text=True))
    assert bj.post(f"/findings/referrals/{ref.id}/accept", data={"csrf_token": token}).status_code == 302
    assert bj.post(f"/findings/referrals/{ref.id}/answer", data={"csrf_token": token,
                                                                "text": "已核查，情况属实"}).status_code == 302
    db.session.rollback()
    f = db.session.get(Finding, pay_finding.id)
    assert f.referrals[0].status == "ANSWERED" and f.status == "OPEN"
    assert [e.action for e in f.events][-3:] == ["referred", "referral_accepted", "referral_answered"]
    # the filer cannot see it until a regulator opens it, then answers with an attachment
    filer = app.test_client()
    login(filer, world.users.filer_b.email, PASSWORD)
    assert filer.get(f"/findings/{f.id}").status_code == 404
    assert pboc.post(f"/findings/{f.id}/open", data={"csrf_token": csrf_from(
        pboc.get(f"/findings/{f.id}").get_data(as_text=True))}).status_code == 302
    page = filer.get(f"/findings/{f.id}")
    assert page.status_code == 200 and "请北京局协助核查" not in page.get_data(as_text=True)
    resp = filer.post(f"/findings/{f.id}/answer", content_type="multipart/form-data", data={
        "csrf_token": csrf_from(page.get_data(as_text=True)), "text": "已补报，见附件",
        "attachment": (io.BytesIO(b"%PDF-1.4 test"), "说明.pdf")})
    assert resp.status_code == 302
    db.session.rollback()
    f = db.session.get(Finding, f.id)
    assert f.status == "EXPLAINED"
    answer = f.events[-1]
    assert answer.attachment_name == "说明.pdf" and answer.attachment_sha256
    download = filer.get(f"/findings/events/{answer.id}/attachment")
    assert download.data == b"%PDF-1.4 test"
    download.close()
    other = app.test_client()
    login(other, world.users.filer_a.email, PASSWORD)
    assert other.get(f"/findings/events/{answer.id}/attachment").status_code == 404
