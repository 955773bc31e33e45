"""Rule O01 (spec §10.3): rows OPEN at period end past their deadline (15/30/60 days by extension),
carried-over rows included — positive and negative cases on ingested workbooks, idempotent, and
closed when a corrected filing is accepted."""

from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy import inspect, select

from supervision.checks.engine import run_period
from supervision.demo import workbooks as gen
from supervision.extensions import db
from supervision.findings.models import Finding
from supervision.orgs.models import Institution
from supervision.periods.models import Period
from supervision.periods.services import add_period, get_period
from tests.checks.helpers import ingest, profile, resummarise


def _fresh(obj):
    return db.session.get(type(obj), inspect(obj).identity[0])


def _o01(inst_id: int, period_id: int) -> list[Finding]:
    return db.session.scalars(select(Finding).where(Finding.rule == "O01", Finding.institution_id == inst_id,
                                                    Finding.period_id == period_id)).all()


def _open(row: dict, received: dt.date, extension: str) -> dict:
    return {**row, "received_date": received, "status": "OPEN", "closed_date": None, "outcome": None,
            "redress": None, "escalated": None, "extension": extension}


def _closed_ok(row: dict, start: dt.date, end: dt.date) -> dict:
    """The row closed inside the period (so only the planted rows are open)."""
    received = row["received_date"]
    closed = min(max(received + dt.timedelta(days=3), start), end)
    return {**row, "status": "CLOSED", "closed_date": closed, "outcome": row.get("outcome") or "UPHELD",
            "escalated": row.get("escalated") or False, "extension": "NONE"}


def test_o01_deadline_per_extension_and_carried_over(ctx, tmp_path):
    _app, world = ctx
    inst = db.session.get(Institution, inspect(world.inst_c).identity[0])
    cur = _fresh(world.current)
    prev_code = cur.quarter_period.previous().code
    if get_period(prev_code) is None:
        add_period(None, prev_code)
    db.session.commit()
    cur = db.session.get(Period, cur.id)
    prof = profile(inst, 41, received=80)
    q1 = gen.generate_cmp(prof, prev_code)
    q2 = gen.generate_cmp(prof, cur.code, carried_over=q1.open_at_end)
    start, end = cur.start_date, cur.end_date
    fresh = [r for r in q2.rows if r["received_date"] >= start]
    carried = [r for r in q2.rows if r["received_date"] < start]
    base = [_closed_ok(r, start, end) if r["status"] == "OPEN" else r for r in fresh[:-6]]
    d = lambda n: end - dt.timedelta(days=n)  # noqa: E731
    planted = [  # (row, overdue?)
        (_open(fresh[-1], d(16), "NONE"), True),     # 16 + 15 days: past the deadline
        (_open(fresh[-2], d(15), "NONE"), False),    # received + 15 == period end: not before it
        (_open(fresh[-3], d(31), "EXT30"), True),
        (_open(fresh[-4], d(20), "EXT30"), False),
        (_open(fresh[-5], d(61), "EXT60"), True),
        (_open(fresh[-6], d(40), "EXT60"), False),
    ]
    # carried-over rows stay open with their original (earlier) received dates: all overdue under NONE
    carried_open = [_open(r, r["received_date"], "NONE") for r in carried if r["received_date"] < d(15)]
    rows = carried_open + base + [r for r, _ in planted]
    bad = dataclasses.replace(q2, rows=rows)
    resummarise(bad)
    v1 = ingest(tmp_path, inst, cur, "CMP", bad, "o01-bad")
    assert v1.status == "ACCEPTED", v1.rule_totals
    found = _o01(inst.id, cur.id)
    assert len(found) == 1 and found[0].holds and found[0].level == "medium" and found[0].subject == ""
    want = [r["complaint_id"] for r in carried_open] + [r["complaint_id"] for r, late in planted if late]
    ev = found[0].evidence
    assert ev["count"] == len(want) and sorted(ev["complaint_ids"]) == sorted(want[:100])
    assert not {r["complaint_id"] for r, late in planted if not late} & set(ev["complaint_ids"])
    assert carried_open, "the test needs carried-over open rows"
    # idempotent: the period checks change nothing
    before = [(f.id, f.status, f.evidence) for f in _o01(inst.id, cur.id)]
    run_period(cur, rules=["O01"], institution=inst)
    db.session.commit()
    assert [(f.id, f.status, f.evidence) for f in _o01(inst.id, cur.id)] == before
    # a corrected filing (every open row within its deadline) closes the finding
    good_rows = [_closed_ok(r, start, end) for r in carried_open] + base + [r for r, late in planted if not late]
    good = dataclasses.replace(q2, rows=good_rows)
    resummarise(good)
    v2 = ingest(tmp_path, inst, cur, "CMP", good, "o01-good")
    assert v2.status == "ACCEPTED" and v2.number == 2
    found = _o01(inst.id, cur.id)
    assert len(found) == 1 and not found[0].holds


def test_o01_in_the_rule_catalogue():
    from supervision.checks.engine import ALL_RULES
    from supervision.rules import catalog

    rule = catalog.get("O01")
    assert rule.severity == catalog.FINDING and "O01" in ALL_RULES
    zh, en = catalog.render("O01", count=3, ids="A, B, C", period_end="2024-03-31")
    assert "3" in zh and "A, B, C" in en
