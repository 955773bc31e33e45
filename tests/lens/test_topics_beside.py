"""The topic tally segmented beside the store (issue 12, :mod:`supervision.topics.beside`) is the
tally of the stored rows: a forked helper answers what the in-process tally gives, and a tally keyed
by ``row_no`` is stored exactly as the derivation that reads the stored rows again."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from sqlalchemy import select

from supervision.demo import workbooks as gen
from supervision.demo.summaries import COLLECTION
from supervision.extensions import db
from supervision.filings.content_models import ComplaintRow
from supervision.topics.models import TopicCount, TopicRow, TopicTerm
from tests.checks.helpers import ingest, profile
from tests.checks.test_checks_more import _new_inst


def _stored(vid: int) -> tuple:
    counts = sorted(db.session.execute(select(TopicCount.topic, TopicCount.count)
                                       .where(TopicCount.version_id == vid)).all())
    rows = sorted(db.session.execute(select(TopicRow.topic, TopicRow.row_no).where(TopicRow.version_id == vid)).all())
    terms = sorted(db.session.execute(select(TopicTerm.rank, TopicTerm.term, TopicTerm.count)
                                      .where(TopicTerm.version_id == vid)).all())
    return counts, rows, terms


def test_forked_helper_answers_the_in_process_tally():
    """In a process with one Python thread (as the ingest child) ``start`` forks; the merged answer
    of three helpers and that of one equal :func:`tally` computed here, and the spool's carried-over
    rows are left out."""
    script = textwrap.dedent("""
        import polars as pl
        from supervision.topics import beside
        from supervision.ingest.spool import Spool
        texts = ["客户投诉催收人员暴力催收，多次电话骚扰家人", "自动扣款未提前通知", None, "",
                 "利率过高，费用不透明"] * 40
        spool = Spool()
        for part in range(2):
            spool.add(pl.DataFrame({"_row": [part * 1000 + i + 2 for i in range(len(texts))],
                                    "summary": texts, "carried_over": [i % 7 == 0 for i in range(len(texts))]}))
        wait = beside.start(spool, helpers=3)  # three shares, merged
        assert wait is not None, "no helper forked"
        got = wait()
        single = beside.start(spool, helpers=1)()
        rows, summaries = beside.received_summaries(spool)
        assert len(rows) == sum(1 for p in range(2) for i in range(len(texts)) if i % 7)
        want = beside.tally(rows, summaries)
        assert got == want == single and got.topic_rows and got.top_terms, (got, want)
        assert wait() is got  # answered once, kept
        import os
        server = beside.serve(helpers=2)  # forked before the rows exist (the ingest's read), then given them
        assert server.send(spool)() == want
        idle = beside.serve()  # a version rejected before its rows were sent: the server is stopped and reaped
        idle.cancel()
        try:
            os.kill(idle.pid, 0)
            raise AssertionError("the cancelled topic server is still there")
        except ProcessLookupError:
            pass
        assert beside.serve().answer() is None  # asked before anything was sent: no answer, no wait
        def broken(rows, texts):  # a helper that dies gives no tally: the caller segments the stored rows
            raise MemoryError
        beside._part = broken
        assert beside.start(spool, helpers=2)() is None
        print("ok")
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr[-2000:]


def _ingested_with_topics(periods, tmp_path, n: int, name: str, seed: int, received: int, tag: str):
    """A new institution's accepted CMP version of the current period whose summaries name topics."""
    inst = _new_inst(n, "CF", name)
    _prev, cur = periods
    filing = gen.generate_cmp(profile(inst, seed, active_customers=500_000, received=received), cur.code,
                              topics={COLLECTION: 6})
    v = ingest(tmp_path, inst, cur, "CMP", filing, tag)
    assert v.status == "ACCEPTED"
    return inst, cur, v


def _received_rows(version_id: int) -> tuple[list[int], list[str | None]]:
    """``row_no`` and summary of the version's stored received rows, in sheet order."""
    c = ComplaintRow
    rows = db.session.execute(select(c.row_no, c.summary).where(c.version_id == version_id,
                                                                c.carried_over.is_(False)).order_by(c.row_no)).all()
    return [r for r, _ in rows], [t for _, t in rows]


def test_tally_by_row_no_is_stored_as_the_stored_rows_give(ctx, periods, tmp_path):
    from supervision.topics import beside
    from supervision.topics.derive import derive_topics

    inst, cur, v = _ingested_with_topics(periods, tmp_path, 31, "主题旁算消费金融有限公司", 91, 240, "beside")
    at_ingest = _stored(v.id)
    assert at_ingest[0] and at_ingest[1] and at_ingest[2]
    derive_topics(v.id, inst.id, cur.id)  # the stored rows read and segmented again
    assert _stored(v.id) == at_ingest
    derive_topics(v.id, inst.id, cur.id, beside.tally(*_received_rows(v.id)))
    assert _stored(v.id) == at_ingest
    db.session.rollback()


def test_tally_stored_in_small_batches_as_in_one(ctx, periods, tmp_path, monkeypatch):
    """The mentions written in batches of two (a topic split across several) are stored as in one,
    each named by its row's ``row_no``, and every one names a stored received row of the version."""
    from supervision.topics import beside, derive

    inst, cur, v = _ingested_with_topics(periods, tmp_path, 32, "主题分批消费金融有限公司", 92, 120, "parts")
    at_ingest = _stored(v.id)
    tally = beside.tally(*_received_rows(v.id))
    assert max(len(r) for r in tally.topic_rows.values()) > 5  # so that a topic is split below
    monkeypatch.setattr(derive, "_BATCH", 2)
    derive.derive_topics(v.id, inst.id, cur.id, tally)
    assert _stored(v.id) == at_ingest
    received = set(_received_rows(v.id)[0])
    mentions = [n for _t, n in at_ingest[1]]
    assert mentions and set(mentions) <= received
    assert sorted(at_ingest[1]) == sorted((t, n) for t, rows in tally.topic_rows.items() for n in rows)
    db.session.rollback()
