"""§10.2/§10.3 on real ingested workbooks, both databases: topic counts and group measures against
independent counts over the generated rows; K01, G01 and G02 positive and negative."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import select

from supervision.demo import workbooks as gen
from supervision.demo.summaries import COLLECTION
from supervision.extensions import db
from supervision.filings.content_models import ComplaintRow
from supervision.topics.models import TopicCount, TopicRow, TopicTerm
from supervision.vulnerable.models import GroupCause, GroupFact
from tests.checks.helpers import ingest, profile, resummarise
from tests.checks.test_checks import _findings
from tests.checks.test_checks_more import _new_inst
from tests.lens import independent as ind


def _holding(inst, period, rule):
    return {f.subject: f for f in _findings(inst, period, rule) if f.holds}


def test_topic_counts_and_k01(ctx, periods, tmp_path):
    prev, cur = periods
    surging = _new_inst(11, "CF", "催收激增消费金融有限公司")
    steady = _new_inst(12, "CF", "主题平稳消费金融有限公司")
    prof = profile(surging, 71, active_customers=1_000_000, received=300)
    q1 = gen.generate_cmp(prof, prev.code, topics={COLLECTION: 0})
    v1 = ingest(tmp_path, surging, prev, "CMP", q1, "k-prev")
    q2 = gen.generate_cmp(prof, cur.code, carried_over=q1.open_at_end, topics={COLLECTION: 8})
    v2 = ingest(tmp_path, surging, cur, "CMP", q2, "k-cur")
    assert v1.status == v2.status == "ACCEPTED"
    before, now = ind.topic_counts(q1), ind.topic_counts(q2)
    assert now[COLLECTION] >= 20 and before[COLLECTION] < 5, (before, now)  # the scenario holds
    for version, expected, filing in ((v1, before, q1), (v2, now, q2)):
        stored = dict(db.session.execute(select(TopicCount.topic, TopicCount.count)
                                         .where(TopicCount.version_id == version.id)).all())
        assert stored == expected
        ids = {}
        for topic, cid in db.session.execute(
                select(TopicRow.topic, ComplaintRow.complaint_id)
                .join(ComplaintRow, (ComplaintRow.version_id == TopicRow.version_id)
                      & (ComplaintRow.row_no == TopicRow.row_no))
                .where(TopicRow.version_id == version.id)):
            ids.setdefault(topic, set()).add(cid)
        want = {}
        for r in ind.received_rows(filing):
            for code in ind.topics_of(r["summary"]):
                want.setdefault(code, set()).add(r["complaint_id"])
        assert ids == want
        terms = db.session.execute(select(TopicTerm.term, TopicTerm.count, TopicTerm.rank)
                                   .where(TopicTerm.version_id == version.id).order_by(TopicTerm.rank)).all()
        assert 0 < len(terms) <= 50
        lexicon_terms = {w for ws in ind.lexicon().values() for w in ws}
        for term, count, _rank in terms:
            assert len(term) >= 2 and term not in lexicon_terms
            assert count == sum(term in set(ind.tokenizer().lcut(r["summary"], HMM=False))
                                for r in ind.received_rows(filing))
        assert [c for _t, c, _r in terms] == sorted((c for _t, c, _r in terms), reverse=True)
    k01 = _holding(surging, cur, "K01")
    assert set(k01) == ind.k01_expected(now, before) and COLLECTION in k01
    ev = k01[COLLECTION].evidence
    assert ev["count"] == now[COLLECTION] and ev["previous"] == before[COLLECTION]
    assert 0 < len(ev["complaint_ids"]) <= 20
    mentioning = {r["complaint_id"] for r in ind.received_rows(q2) if COLLECTION in ind.topics_of(r["summary"])}
    assert set(ev["complaint_ids"]) <= mentioning
    # the first period has no counting CMP before it: "previous" is empty, the rule still applies
    assert set(_holding(surging, prev, "K01")) == ind.k01_expected(before, None)
    # negative: the same quarter without the surge
    p2 = profile(steady, 72, active_customers=1_000_000, received=300)
    s1 = gen.generate_cmp(p2, prev.code)
    ingest(tmp_path, steady, prev, "CMP", s1, "s-prev")
    s2 = gen.generate_cmp(p2, cur.code, carried_over=s1.open_at_end)
    ingest(tmp_path, steady, cur, "CMP", s2, "s-cur")
    expected = ind.k01_expected(ind.topic_counts(s2), ind.topic_counts(s1))
    assert set(_holding(steady, cur, "K01")) == expected
    assert COLLECTION not in expected
    # §10.4 command: the same counts per institution, previous = P−1's
    app, _world = ctx
    out = app.test_cli_runner().invoke(args=["topics", "--period", cur.code, "--institution", surging.code,
                                             "--format", "json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["period"] == cur.code
    assert {t["code"]: (t["count"], t["previous"]) for t in data["topics"]} == \
        {c: (now[c], before[c]) for c in now}
    line = next(t for t in data["topics"] if t["code"] == COLLECTION)
    assert line["institutions"] == [{"institution_code": surging.code, "count": now[COLLECTION]}]
    both = json.loads(app.test_cli_runner().invoke(args=["topics", "--period", cur.code]).output)
    steady_now = ind.topic_counts(s2)
    assert [t["code"] for t in both["topics"]] == list(ind.lexicon())  # every topic, lexicon order
    for t in both["topics"]:
        mine = {i["institution_code"]: i["count"] for i in t["institutions"]}
        assert mine.get(surging.code, 0) == now[t["code"]] and mine.get(steady.code, 0) == steady_now[t["code"]]


def _slow_elderly(filing, n: int = 60) -> None:
    """Make the first ``n`` received rows ELDERLY and close the closed ones among them late."""
    fresh = ind.received_rows(filing)[:n]
    for r in fresh:
        r["customer_group"] = "ELDERLY"
        if r["status"] == "CLOSED":
            late = r["received_date"] + dt.timedelta(days=40)
            if late <= filing.period.end:
                r["closed_date"], r["extension"] = late, "NONE"
    resummarise(filing)


def test_group_measures_g01_g02(ctx, periods, tmp_path):
    _prev, cur = periods
    slow = _new_inst(13, "CF", "适老服务欠佳消费金融有限公司")
    fair = _new_inst(14, "CF", "适老服务良好消费金融有限公司")
    prof = profile(slow, 73, active_customers=1_000_000, received=400)
    dsc = gen.generate_dsc(prof, cur.code)
    for c in dsc.channels:
        c["elderly_friendly"], c["accessible"] = False, True
    assert ingest(tmp_path, slow, cur, "DSC", dsc, "g-dsc").status == "ACCEPTED"
    q = gen.generate_cmp(prof, cur.code)
    _slow_elderly(q)
    v = ingest(tmp_path, slow, cur, "CMP", q, "g-cmp")
    assert v.status == "ACCEPTED"
    groups = ind.group_measures(q)
    stored = {g.customer_group: {"received": g.received, "closed": g.closed, "on_time": g.on_time,
                                 "favourable": g.favourable, "escalated": g.escalated}
              for g in db.session.scalars(select(GroupFact).where(GroupFact.version_id == v.id))}
    assert stored == groups
    causes: dict[tuple[str, str], int] = {}
    for r in ind.received_rows(q):
        causes[(r["customer_group"], r["cause"])] = causes.get((r["customer_group"], r["cause"]), 0) + 1
    assert {(c.customer_group, c.cause): c.received for c in db.session.scalars(
        select(GroupCause).where(GroupCause.version_id == v.id))} == causes
    g01 = _holding(slow, cur, "G01")
    assert "ELDERLY" in g01 and set(g01) == ind.g01_expected(groups)
    ev = g01["ELDERLY"].evidence
    assert ev["customer_group"] == "ELDERLY" and ev["closed"] == groups["ELDERLY"]["closed"]
    assert ev["none_closed"] == groups["NONE"]["closed"]
    # G02: elderly rows and no elderly-friendly channel; every channel accessible, so no DISABLED finding
    assert set(_holding(slow, cur, "G02")) == {"ELDERLY"}
    # negative: unaltered rows and the generator's disclosure (an elderly-friendly hotline)
    p2 = profile(fair, 74, active_customers=1_000_000, received=400)
    dsc2 = gen.generate_dsc(p2, cur.code)
    assert any(c["elderly_friendly"] for c in dsc2.channels)
    ingest(tmp_path, fair, cur, "DSC", dsc2, "f-dsc")
    q2 = gen.generate_cmp(p2, cur.code)
    ingest(tmp_path, fair, cur, "CMP", q2, "f-cmp")
    assert set(_holding(fair, cur, "G01")) == ind.g01_expected(ind.group_measures(q2))
    assert "ELDERLY" not in _holding(fair, cur, "G02")
    want_disabled = ind.group_measures(q2).get("DISABLED", {}).get("received", 0) > 0 \
        and not any(c["accessible"] for c in dsc2.channels)
    assert ("DISABLED" in _holding(fair, cur, "G02")) == want_disabled


def test_g02_is_skipped_without_a_disclosure(ctx, periods, tmp_path):
    _prev, cur = periods
    inst = _new_inst(15, "CF", "未报披露消费金融有限公司")
    q = gen.generate_cmp(profile(inst, 75, active_customers=1_000_000, received=200), cur.code)
    assert any(r["customer_group"] == "ELDERLY" for r in ind.received_rows(q))
    ingest(tmp_path, inst, cur, "CMP", q, "n-cmp")
    assert _holding(inst, cur, "G02") == {}
