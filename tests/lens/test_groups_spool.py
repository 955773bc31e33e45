"""The §10 customer-group figures grouped from the ingest's spool at the store (issue 12,
:func:`supervision.vulnerable.derive.groups_from_spool`) are those the set-based SQL derives from
the stored rows (:func:`~supervision.vulnerable.derive.derive_groups`), on both databases."""

from __future__ import annotations

from sqlalchemy import func, select

from supervision.demo import workbooks as gen
from supervision.extensions import db
from supervision.filings.content_models import ComplaintRow
from supervision.vulnerable.derive import derive_groups
from supervision.vulnerable.models import GroupCause, GroupFact
from tests.checks.helpers import ingest, profile
from tests.checks.test_checks_more import _new_inst


def _stored(vid: int) -> tuple:
    g, c = GroupFact, GroupCause
    facts = sorted(db.session.execute(select(g.customer_group, g.institution_id, g.period_id, g.received, g.closed,
                                             g.on_time, g.favourable, g.escalated, g.days_sum)
                                      .where(g.version_id == vid)).all())
    causes = sorted(db.session.execute(select(c.customer_group, c.cause, c.received).where(c.version_id == vid)).all())
    return facts, causes


def test_groups_from_the_spool_equal_the_sql(ctx, periods, tmp_path, monkeypatch):
    from supervision.vulnerable import derive

    inst = _new_inst(32, "CF", "客群旁算消费金融有限公司")
    prev, cur = periods
    q1 = gen.generate_cmp(profile(inst, 93, active_customers=800_000, received=300), prev.code)
    assert ingest(tmp_path, inst, prev, "CMP", q1, "groups-prev").status == "ACCEPTED"
    q2 = gen.generate_cmp(profile(inst, 94, active_customers=800_000, received=300), cur.code,
                          carried_over=q1.open_at_end)
    def no_sql(*_args):
        raise AssertionError("the ingest derived the groups from the stored rows")

    with monkeypatch.context() as m:
        m.setattr(derive, "derive_groups", no_sql)  # the ingest takes them from its spool
        v = ingest(tmp_path, inst, cur, "CMP", q2, "groups-cur")
    assert v.status == "ACCEPTED" and v.progress["checks"] == "ok", v.progress
    c = ComplaintRow
    kinds = db.session.execute(select(func.count(func.distinct(c.customer_group)), func.sum(c.carried_over.cast(
        db.Integer)), func.count()).where(c.version_id == v.id)).one()
    assert kinds[0] >= 2 and kinds[1] > 0 and kinds[2] > kinds[1]  # several groups, carried-over rows
    at_store = _stored(v.id)
    assert at_store[0] and at_store[1]
    assert sum(r.received for r in at_store[0]) == kinds[2] - kinds[1]
    derive_groups(v.id, inst.id, cur.id)  # the stored rows grouped again by SQL
    assert _stored(v.id) == at_store
    facts, causes = _from_file(tmp_path / "groups-cur.xlsx", inst, cur)
    assert sorted((r["customer_group"], inst.id, cur.id, r["received"], r["closed"], r["on_time"], r["favourable"],
                   r["escalated"], r["days_sum"]) for r in facts) == [tuple(r) for r in at_store[0]]
    assert sorted((r["customer_group"], r["cause"], r["received"]) for r in causes) == [tuple(r) for r in at_store[1]]
    db.session.rollback()


def _from_file(path, inst, period):
    """:func:`groups_from_spool` over the workbook at ``path`` validated as the ingest does."""
    from supervision.ingest.reader import open_workbook
    from supervision.ingest.validate import validate
    from supervision.vulnerable.derive import groups_from_spool

    with open_workbook(str(path)) as wb:
        result = validate(wb, kind="CMP", institution_code=inst.code, period=period.code,
                          period_start=period.start_date, period_end=period.end_date, sector=inst.sector)
        try:
            return groups_from_spool(result.spool)
        finally:
            result.close()
