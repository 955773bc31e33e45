"""More rules on real ingested workbooks, each with a positive and a negative case:
P02, P03, D03, D04, D05, D06, S02 and S03."""

from __future__ import annotations

import dataclasses
import datetime as dt
from fractions import Fraction

from supervision.checks.engine import peer_facts, run_period
from supervision.demo import workbooks as gen
from supervision.domain.uscc import generate_uscc
from supervision.extensions import db
from supervision.orgs import services as orgs
from tests.checks.helpers import ingest, profile, resummarise
from tests.checks.test_checks import _findings, _independent_z, periods  # noqa: F401 (fixture)


def _new_inst(n: int, sector: str, name: str):
    inst = orgs.create_institution(None, code=generate_uscc(900 + n, "44"), name=name, sector=sector,
                                   agency_code="PBOC" if sector == "PAY" else "NFRA", province="44",
                                   active_from="2020Q1")
    db.session.commit()
    return inst


def test_p02_and_p03(ctx, periods, tmp_path):  # noqa: F811
    prev, cur = periods
    inst = _new_inst(1, "CF", "历史核对消费金融有限公司")
    other = _new_inst(2, "CF", "对照消费金融有限公司")
    prof = profile(inst, 31, active_customers=1_000_000, received=300)
    q1 = gen.generate_cmp(prof, prev.code)
    assert ingest(tmp_path, inst, prev, "CMP", q1, "p-prev").status == "ACCEPTED"
    # current quarter: far fewer complaints with the same customers (P03), and a new row re-using an
    # id of last quarter with another received date (P02)
    small = dataclasses.replace(prof, complaint_rate_per_10k=prof.complaint_rate_per_10k / 4)
    q2 = gen.generate_cmp(small, cur.code, carried_over=q1.open_at_end)
    reused = next(r for r in q1.rows if r["status"] == "CLOSED" and r["received_date"] >= prev.start_date)
    new_row = next(r for r in q2.rows if r["received_date"] >= cur.start_date)
    new_row["complaint_id"] = reused["complaint_id"]
    resummarise(q2)
    assert ingest(tmp_path, inst, cur, "CMP", q2, "p-cur").status == "ACCEPTED"
    rules = {f.rule: f for f in _findings(inst, cur) if f.holds}
    assert "P03" in rules and rules["P03"].level == "high"
    assert "P02" in rules and reused["complaint_id"] in str(rules["P02"].evidence)
    # negative: a steady institution has neither
    prof2 = profile(other, 32, active_customers=1_000_000, received=200)
    o1 = gen.generate_cmp(prof2, prev.code)
    ingest(tmp_path, other, prev, "CMP", o1, "o-prev")
    ingest(tmp_path, other, cur, "CMP", gen.generate_cmp(prof2, cur.code, carried_over=o1.open_at_end), "o-cur")
    assert not {f.rule for f in _findings(other, cur) if f.holds} & {"P02", "P03"}


def test_d03_d04_d05_d06(ctx, periods, tmp_path):  # noqa: F811
    _prev, cur = periods
    inst = _new_inst(3, "CF", "披露核对消费金融有限公司")
    clean_inst = _new_inst(4, "CF", "披露规范消费金融有限公司")
    prof = profile(inst, 33, active_customers=800_000)
    dsc = gen.generate_dsc(prof, cur.code)
    for p in dsc.products:
        p["auto_deduction"], p["deduction_notice"] = True, True
    dsc.products[0]["deduction_notice"] = False  # D03
    collection = [p for p in dsc.partners if p["partner_type"] == "COLLECTION"]
    assert collection, "CF demo disclosures list collection agencies"
    for p in dsc.partners:
        p["published"] = True
    collection[0]["published"] = False  # D04
    dsc.channels[:] = [c for c in dsc.channels if c["channel_type"] != "HOTLINE"]  # D05 (no hotline)
    for c in dsc.channels:
        c["accessible"] = True
    assert ingest(tmp_path, inst, cur, "DSC", dsc, "dsc-bad").status == "ACCEPTED"
    q = gen.generate_cmp(prof, cur.code)
    q.rows[0]["product_code"] = "NOT-DISCLOSED-1"  # D06
    resummarise(q)
    assert ingest(tmp_path, inst, cur, "CMP", q, "cmp-d06").status == "ACCEPTED"
    found = {(f.rule, f.subject) for f in _findings(inst, cur) if f.holds}
    assert ("D03", dsc.products[0]["product_code"]) in found
    assert ("D04", collection[0]["partner_name"]) in found
    assert ("D05", "") in found
    assert ("D06", "NOT-DISCLOSED-1") in found
    # negative: a clean disclosure and complaints citing only disclosed products
    prof2 = profile(clean_inst, 34, active_customers=800_000)
    dsc2 = gen.generate_dsc(prof2, cur.code)
    for p in dsc2.products:
        p["deduction_notice"] = True
        if p.get("apr_max") is not None and p["apr_max"] > 24:
            p["apr_max"] = p["apr_min"] = min(p.get("apr_min") or p["apr_max"], p["apr_max"]).__class__("18")
    for p in dsc2.partners:
        p["published"] = True
    for c in dsc2.channels:
        c["accessible"] = True
    if not any(c["channel_type"] == "HOTLINE" for c in dsc2.channels):
        dsc2.channels.append({**dsc2.channels[0], "channel_type": "HOTLINE"})
    ingest(tmp_path, clean_inst, cur, "DSC", dsc2, "dsc-ok")
    q2 = gen.generate_cmp(prof2, cur.code)
    codes = {p["product_code"] for p in dsc2.products}
    for r in q2.rows:
        if r.get("product_code") and r["product_code"] not in codes:
            r["product_code"] = next(iter(sorted(codes)))
        if r["cause"] == "C13":
            r["cause"] = "C04"
    resummarise(q2)
    ingest(tmp_path, clean_inst, cur, "CMP", q2, "cmp-ok")
    assert not {f.rule for f in _findings(clean_inst, cur) if f.holds and f.rule.startswith("D")}


def test_s02_s03_low_outliers(ctx, periods, tmp_path):  # noqa: F811
    prev, _cur = periods
    insts = [_new_inst(10 + i, "CF", f"同业消费金融测试{i}有限公司") for i in range(6)]
    for i, inst in enumerate(insts):
        prof = profile(inst, 40 + i, active_customers=1_000_000, received=200 if i else 4)
        q = gen.generate_cmp(prof, prev.code)
        if i == 1:  # S03: a very low on-time rate
            for r in q.rows:
                if r["status"] == "CLOSED" and r["received_date"] >= prev.start_date:
                    r["extension"] = "NONE"
                    r["closed_date"] = min(r["received_date"] + dt.timedelta(days=40), prev.end_date)
            resummarise(q)
        assert ingest(tmp_path, inst, prev, "CMP", q, f"s-{i}").status == "ACCEPTED"
    run_period(prev, rules=["S01", "S02", "S03"])
    db.session.commit()
    peers = {p.institution_code: p for p in peer_facts(prev)["CF"]}
    per_10k = {c: p.per_10k_customers for c, p in peers.items()}
    on_time = {c: p.on_time_rate for c, p in peers.items() if p.on_time_rate is not None}
    for inst in insts:
        z = _independent_z(per_10k, inst.code)
        zt = _independent_z(on_time, inst.code) if inst.code in on_time else None
        got = {f.rule for f in _findings(inst, prev) if f.holds}
        assert ("S02" in got) == (z is not None and z < Fraction(-7, 2))
        assert ("S03" in got) == (zt is not None and zt < Fraction(-7, 2))
    assert "S02" in {f.rule for f in _findings(insts[0], prev)}
    assert "S03" in {f.rule for f in _findings(insts[1], prev)}

