"""The set-based facts (:mod:`supervision.checks.facts`) give the pure rules exactly the findings they
give on every row of the filing, read the way the engine did before (all rows into Python): P01,
P02, P03, X01, X02, D02–D07 on an ingested filing built to trip each of them."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from sqlalchemy import select

from supervision.checks import facts as F
from supervision.checks import rules as R
from supervision.checks.engine import all_register_refs, dsc_facts, register_facts
from supervision.checks.rules_base import key
from supervision.demo import workbooks as gen
from supervision.extensions import db
from supervision.filings.content_models import ComplaintRow, CoverFigures, DerivedFigures
from supervision.filings.counting import counts_condition
from supervision.filings.models import FilingVersion
from supervision.periods.models import Period
from supervision.register.models import RegisterEntry, RegisterUpload
from tests.checks.helpers import ingest, profile, resummarise
from tests.checks.test_checks import periods  # noqa: F401 (fixture)
from tests.checks.test_checks_more import _new_inst


def _all_rows_facts(version: FilingVersion) -> R.CmpFacts:
    """Every row of the version, as the engine read them before the set-based facts."""
    inst, period = version.filing.institution, version.filing.period
    cover = db.session.scalar(select(CoverFigures).where(CoverFigures.version_id == version.id))
    total = db.session.scalar(select(DerivedFigures).where(DerivedFigures.version_id == version.id,
                                                           DerivedFigures.business_category.is_(None)))
    c = ComplaintRow
    rows = [R.ComplaintFacts(r.complaint_id, r.received_date, r.source, r.transfer_ref, r.status, bool(r.carried_over),
                             r.cause, r.product_code, r.row_no)
            for r in db.session.execute(select(c.complaint_id, c.received_date, c.source, c.transfer_ref, c.status,
                                               c.carried_over, c.cause, c.product_code, c.row_no)
                                        .where(c.version_id == version.id).order_by(c.row_no))]
    return R.CmpFacts(version.id, inst.code, inst.sector, period.code, cover.active_customers if cover else None,
                      total.received if total else 0, tuple(rows))


def _all_earlier(inst_id: int, period_code: str) -> dict:
    out: dict = {}
    for cid, received in db.session.execute(
            select(ComplaintRow.complaint_id, ComplaintRow.received_date)
            .join(FilingVersion, FilingVersion.id == ComplaintRow.version_id)
            .join(Period, Period.id == ComplaintRow.period_id)
            .where(ComplaintRow.institution_id == inst_id, counts_condition(FilingVersion),
                   Period.code < period_code).order_by(Period.code)).all():
        out.setdefault(cid, received)
    return out


def test_set_based_facts_give_the_same_findings(ctx, periods, tmp_path, monkeypatch):  # noqa: F811
    prev, cur = periods
    inst = _new_inst(11, "CF", "集合核对消费金融有限公司")
    prof = profile(inst, 41, active_customers=1_000_000, received=400)
    q1 = gen.generate_cmp(prof, prev.code)
    assert q1.open_at_end
    v1 = ingest(tmp_path, inst, prev, "CMP", q1, "f-prev")
    assert v1.status == "ACCEPTED"
    small = dataclasses.replace(prof, complaint_rate_per_10k=prof.complaint_rate_per_10k / 4)
    carried = q1.open_at_end[1:]  # P01: one missing ...
    q2 = gen.generate_cmp(small, cur.code, carried_over=carried)
    fresh = [r for r in q2.rows if r["received_date"] >= cur.start_date]
    closed_before = next(r for r in q1.rows if r["status"] == "CLOSED")
    fresh[0]["complaint_id"] = closed_before["complaint_id"]  # P02 (and an "extra" id for P01 if carried)
    for i, r in enumerate(fresh[1:40]):  # X01 / X02: references in and out of the register
        r["source"], r["transfer_ref"] = "REGULATOR", f"ZB-F-{i:03d}"
    for r in fresh[40:80]:  # D06 / D07: products absent from the DSC, auto-deduction complaints
        r["product_code"], r["cause"] = ("GHOST-1" if r is fresh[40] else r["product_code"] or "GHOST-2"), "C13"
    fresh[81]["product_code"] = "ghost-1"  # another spelling of GHOST-1's key (D06 counts them together)
    resummarise(q2)
    v2 = ingest(tmp_path, inst, cur, "CMP", q2, "f-cur")
    assert v2.status == "ACCEPTED"
    dsc = gen.generate_dsc(prof, cur.code)
    dsc.products[0]["auto_deduction"], dsc.products[0]["deduction_notice"] = False, None
    dsc.products[1]["apr_max"] = Decimal("35")
    vd = ingest(tmp_path, inst, cur, "DSC", dsc, "f-dsc")
    assert vd.status == "ACCEPTED"
    upload = RegisterUpload(sha256="0" * 64, size=1, original_filename="reg.xlsx", storage_path="none")
    db.session.add(upload)
    db.session.flush()
    for i in range(0, 60, 3):  # half of these are on the detail sheet, the rest are not (X01)
        db.session.add(RegisterEntry(upload_id=upload.id, transfer_ref=f"zb-f-{i:03d}", institution_id=inst.id,
                                     period_code=cur.code, transferred_date=cur.start_date, hotline="12378"))
    db.session.commit()

    v1, v2, vd = (db.session.get(FilingVersion, v.id) for v in (v1, v2, vd))
    full_cur, full_prev = _all_rows_facts(v2), _all_rows_facts(v1)
    expected_p = R.check_previous(full_cur, full_prev, _all_earlier(inst.id, cur.code))
    got_p = R.check_previous(*F.history_facts(F.cmp_facts(v2), v1, inst.id, cur.code))
    assert {d.rule for d in expected_p} >= {"P01", "P02", "P03"}
    assert got_p == expected_p
    with monkeypatch.context() as m:  # many ids (a large version filed again): one pass, P02's rows narrow
        m.setattr(F, "_PROBES_UP_TO", 0)
        assert R.check_previous(*F.history_facts(F.cmp_facts(v2), v1, inst.id, cur.code)) == expected_p

    refs = all_register_refs()
    entries = register_facts(inst, cur)
    expected_x = R.check_register(full_cur, entries, refs)
    got_x = R.check_register(F.register_facts_rows(F.cmp_facts(v2), refs), entries, refs)
    assert {d.rule for d in expected_x} == {"X01", "X02"}
    assert got_x == expected_x

    dsc_f = dsc_facts(vd)
    for d in (dsc_f, None):
        expected_d = R.check_disclosure(d, full_cur, Decimal("24"))
        got_d = R.check_disclosure(d, F.with_cited(F.cmp_facts(v2), d), Decimal("24"))
        assert got_d == expected_d
    assert {d.rule for d in R.check_disclosure(dsc_f, full_cur, Decimal("24"))} >= {"D02", "D06", "D07"}

    # the version's own facts taken from the ingest's spool (issue 12) are those the SQL reads from
    # the stored rows, and give the same findings
    own = _spooled(tmp_path / "f-cur.xlsx", inst, cur)
    from supervision.ingest import colnative, colread

    original, compiled = colread.fast_windows, colnative.native_windows
    with monkeypatch.context() as m:  # the same facts from a spool of many small windows (two passes) ...
        m.setattr(colread, "fast_windows", lambda *a, **k: original(*a, whole_cells=0, window_bytes=6000))
        m.setattr(colnative, "native_windows", lambda *a, **k: compiled(*a, chunk_bytes=6000))
        gathered = _spooled(tmp_path / "f-cur.xlsx", inst, cur)  # ... gathered into one frame of many chunks
        m.setattr("supervision.ingest.spool.SPOOL_FRAME_ROWS", 1)  # ... or kept as frames of their own
        windowed = _spooled(tmp_path / "f-cur.xlsx", inst, cur, windows=True)
    assert windowed == own and gathered == own
    sql = F.cmp_facts(v2)
    assert own.transfer_refs == sql.transfer_refs and own.transfer_refs
    assert F.cmp_facts(v2, spooled=own) == sql
    assert list(own.carried) == [r for r in full_cur.rows if r.carried_over] and own.carried
    listed = F.register_facts_rows(sql, ()).rows
    assert [(r, key(r.transfer_ref)) for r in listed] == list(own.regulator_rows) and own.regulator_rows
    for d in (dsc_f, None):
        assert F.with_cited(sql, d, own) == F.with_cited(sql, d)
    every = F.with_cited(sql, None)
    assert every.cited and "ghost-1" in every.cited and every.cited["ghost-1"].count >= 2
    assert F.with_cited(sql, dsc_f, own).cited_c13  # the C13 rows of a product disclosed without auto-deduction
    assert R.check_previous(*F.history_facts(F.cmp_facts(v2, spooled=own), v1, inst.id, cur.code, own)) == expected_p
    assert R.check_register(F.register_facts_rows(sql, refs, own), entries, refs) == expected_x
    # O01's facts: the count and the first ids of the overdue open rows, as the SQL reads them
    from supervision.checks import spooled
    from supervision.checks.facts_handling import overdue_facts

    late = overdue_facts(v2.id, cur.end_date)
    assert own.overdue == late and late.count > 3 and late.period_end == cur.end_date
    with monkeypatch.context() as m:  # fewer ids than overdue rows: the first ones in sheet order, both ways
        m.setattr("supervision.checks.facts_handling.EVIDENCE_CAP", 3)
        m.setattr(spooled, "EVIDENCE_CAP", 3)
        m.setattr(colread, "fast_windows", lambda *a, **k: original(*a, whole_cells=0, window_bytes=6000))
        m.setattr(colnative, "native_windows", lambda *a, **k: compiled(*a, chunk_bytes=6000))
        m.setattr("supervision.ingest.spool.SPOOL_FRAME_ROWS", 1)
        capped = _spooled(tmp_path / "f-cur.xlsx", inst, cur, windows=True).overdue
        assert capped == overdue_facts(v2.id, cur.end_date) and len(capped.complaint_ids) == 3
        assert capped.complaint_ids == late.complaint_ids[:3] and capped.count == late.count


def _spooled(path, inst, period, windows: bool = False):
    """The spooled facts of the workbook at ``path``, validated as the ingest does (``windows``: the
    spool must hold several windows)."""
    from supervision.checks.spooled import from_spool
    from supervision.ingest.reader import open_workbook
    from supervision.ingest.validate import validate

    with open_workbook(str(path)) as wb:
        result = validate(wb, kind="CMP", institution_code=inst.code, period=period.code,
                          period_start=period.start_date, period_end=period.end_date, sector=inst.sector)
        try:
            assert result.spool is not None
            assert not windows or len(list(result.spool.frames())) > 3
            return from_spool(result.spool, period.end_date)
        finally:
            result.close()


def _plans(statements) -> list[str]:
    """The plan lines of each captured (statement, parameters) that reads ``complaint_row``, with
    nested loops forced on PostgreSQL (as its planner chooses them for rows it has no statistics of
    yet: a version just copied)."""
    conn = db.session.connection()
    raw = conn.connection.dbapi_connection
    pg = conn.dialect.name == "postgresql"
    lines: list[str] = []
    cur = raw.cursor()
    try:
        if pg:
            for setting in ("enable_seqscan", "enable_hashjoin", "enable_mergejoin", "enable_bitmapscan"):
                cur.execute(f"SET LOCAL {setting} = off")
        for statement, params in statements:
            cur.execute(("EXPLAIN " if pg else "EXPLAIN QUERY PLAN ") + statement, params)
            lines += [str(r[0] if pg else r[-1]) for r in cur.fetchall()]
    finally:
        cur.close()
    return lines


def test_earlier_ids_are_probed_per_institution(ctx, periods, tmp_path):  # noqa: F811
    """P02 and P01's look-ups by complaint id (migration 0018): each id is a probe of
    ``(institution_id, complaint_id)``; none reads the version's rows once per id (found quadratic:
    minutes at 200,000 rows filed again next quarter, both databases)."""
    import sqlalchemy

    prev, cur = periods
    inst = _new_inst(12, "CF", "探查消费金融有限公司")
    prof = profile(inst, 43, active_customers=1_000_000, received=200)
    q1 = gen.generate_cmp(prof, prev.code)
    v1 = ingest(tmp_path, inst, prev, "CMP", q1, "p-prev")
    q2 = gen.generate_cmp(prof, cur.code, carried_over=q1.open_at_end)
    fresh = [r for r in q2.rows if r["received_date"] >= cur.start_date]
    fresh[0]["complaint_id"] = next(r for r in q1.rows if r["status"] == "CLOSED")["complaint_id"]  # P02
    resummarise(q2)
    v2 = ingest(tmp_path, inst, cur, "CMP", q2, "p-cur")
    assert (v1.status, v2.status) == ("ACCEPTED", "ACCEPTED")
    v1, v2 = db.session.get(FilingVersion, v1.id), db.session.get(FilingVersion, v2.id)
    seen: list = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        if "complaint_row" in statement and "complaint_id" in statement.split("WHERE", 1)[-1]:
            seen.append((statement, parameters))

    sqlalchemy.event.listen(db.engine, "before_cursor_execute", capture)
    try:
        got = R.check_previous(*F.history_facts(F.cmp_facts(v2), v1, inst.id, cur.code))
    finally:
        sqlalchemy.event.remove(db.engine, "before_cursor_execute", capture)
    assert "P02" in {d.rule for d in got}
    p02 = [s for s in seen if "row_number" in s[0]]
    by_id = [s for s in seen if "row_number" not in s[0] and " IN (" in s[0]]
    assert p02 and by_id, "P02's join and the look-ups by id were captured"
    lines = _plans(p02 + by_id)
    text = "\n".join(lines)
    assert "ix_complaint_row_complaint_id" not in text and "ix_complaint_row_inst_period" not in text
    if db.engine.dialect.name == "sqlite":
        assert "SEARCH now USING INDEX ix_complaint_row_inst_complaint (institution_id=? AND complaint_id=?)" in lines
        assert not any("ix_complaint_row_version_row" in line for line in _plans(by_id))
    else:
        probes = [line for line in lines if "ix_complaint_row_inst_complaint" in line]
        assert probes
        conds = [line for line in lines if "Index Cond" in line and "complaint_id" in line]
        assert conds and all("institution_id" in line for line in conds), text
