"""``C09`` (spec §4.2, §6; issue 9): ``repeat_of`` must name a complaint of the institution — in the
same filing or in an earlier period's version that counts. Positive and negative on ingested
workbooks, both databases."""

from __future__ import annotations

import datetime as dt

from supervision.demo import workbooks as gen
from supervision.domain.calendar import today_local
from supervision.extensions import db
from supervision.filings.content_models import ValidationIssue
from supervision.filings.models import FilingVersion
from supervision.periods.services import add_period, get_period, unlock_period
from tests.checks.helpers import profile
from tests.lifecycle.helpers import file_cmp, new_institution


def _c09(version) -> dict[int, str]:
    from sqlalchemy import select

    db.session.rollback()
    return {i.row: i.value for i in db.session.scalars(select(ValidationIssue).where(
        ValidationIssue.version_id == version.id, ValidationIssue.rule == "C09"))}


def _periods(world):
    cur = world.current
    code = cur.quarter_period.previous().code
    prev = get_period(code) or add_period(None, code)
    if prev.is_locked(today_local()):
        unlock_period(None, prev, today_local() + dt.timedelta(days=10))
    db.session.commit()
    return prev, cur


def _with_repeats(filing, refs: list[str]):
    """The first received rows of a generated filing, made repeats of ``refs`` (one each)."""
    received = [r for r in filing.rows if r["received_date"] >= filing.period.start]
    assert len(received) >= len(refs)
    for row, ref in zip(received, refs, strict=False):
        row["repeat_of"] = ref
    return filing


def test_repeat_of_an_earlier_periods_complaint_is_not_c09(ctx, tmp_path):
    _app, world = ctx
    prev, cur = _periods(world)
    inst = new_institution("重复投诉测试消费金融有限公司", "CF")
    other = new_institution("他家重复投诉测试消费金融有限公司", "CF")
    prof = profile(inst, 11, active_customers=2_000_000)
    q1 = gen.generate_cmp(prof, prev.code)
    earlier = [r["complaint_id"] for r in q1.rows if r["received_date"] >= prev.start_date][:2]
    assert file_cmp(tmp_path, inst, prev, 0, "c09-prev", filing=q1).status == "ACCEPTED"
    q2 = gen.generate_cmp(prof, cur.code, carried_over=q1.open_at_end)
    # generated ids follow the dates, so another institution may use one of this institution's own:
    # the foreign id is one this institution never filed
    own = {r["complaint_id"] for r in (*q1.rows, *q2.rows)}
    foreign = gen.generate_cmp(profile(other, 12, active_customers=2_000_000), prev.code)
    foreign_id = next(r["complaint_id"] for r in foreign.rows if r["complaint_id"] not in own)
    assert file_cmp(tmp_path, other, prev, 0, "c09-other", filing=foreign).status == "ACCEPTED"

    same = next(r["complaint_id"] for r in q2.rows if r["received_date"] >= cur.start_date)
    refs = [earlier[0], earlier[1], same, "NO-SUCH-COMPLAINT", foreign_id]
    v = file_cmp(tmp_path, inst, cur, 0, "c09-cur", filing=_with_repeats(q2, refs))
    assert v.status == "ACCEPTED"
    flagged = set(_c09(v).values())
    # the earlier period's complaints and this filing's own are found; an unknown id and another
    # institution's complaint are not
    assert flagged == {"NO-SUCH-COMPLAINT", foreign_id}


def test_a_complaint_of_an_earlier_version_that_no_longer_counts_is_c09(ctx, tmp_path):
    from supervision.filings import services

    _app, world = ctx
    prev, cur = _periods(world)
    inst = new_institution("已退回重复投诉测试消费金融有限公司", "CF")
    prof = profile(inst, 21, active_customers=2_000_000)
    q1 = gen.generate_cmp(prof, prev.code)
    ref = next(r["complaint_id"] for r in q1.rows if r["received_date"] >= prev.start_date)
    v_prev = file_cmp(tmp_path, inst, prev, 0, "c09r-prev", filing=q1)
    services.return_version(None, db.session.get(FilingVersion, v_prev.id), "退回")
    db.session.commit()
    q2 = _with_repeats(gen.generate_cmp(prof, cur.code, carried_over=q1.open_at_end), [ref])
    own = {r["complaint_id"] for r in q2.rows}
    outside = {r["repeat_of"] for r in q2.rows if r.get("repeat_of") and r["repeat_of"] not in own}
    assert ref in outside
    v = file_cmp(tmp_path, inst, cur, 0, "c09r-cur", filing=q2)
    # every repeat of the returned quarter's complaints is flagged, not only the one set here
    assert v.status == "ACCEPTED" and set(_c09(v).values()) == outside


def test_the_dry_run_looks_at_earlier_periods_too(ctx, tmp_path):
    app, world = ctx
    prev, cur = _periods(world)
    inst = new_institution("试算重复投诉测试消费金融有限公司", "CF")
    prof = profile(inst, 31, active_customers=2_000_000)
    q1 = gen.generate_cmp(prof, prev.code)
    ref = next(r["complaint_id"] for r in q1.rows if r["received_date"] >= prev.start_date)
    assert file_cmp(tmp_path, inst, prev, 0, "c09d-prev", filing=q1).status == "ACCEPTED"
    q2 = _with_repeats(gen.generate_cmp(prof, cur.code, carried_over=q1.open_at_end), [ref, "GONE-1"])
    path = tmp_path / "c09d.xlsx"
    gen.write_cmp(path, q2)
    out = app.test_cli_runner().invoke(args=["ingest", str(path), "--institution", inst.code, "--period", cur.code,
                                             "--kind", "CMP", "--dry-run", "--format", "json"])
    assert out.exit_code == 0, out.output
    import json

    report = json.loads(out.output)
    assert [e["value"] for e in report["errors"] if e["rule"] == "C09"] == ["GONE-1"]
