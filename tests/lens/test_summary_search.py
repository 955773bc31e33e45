"""The summary search (§10.2) reads the trigram-indexed copy of a version's summaries
(``complaint_summary``, filled after the version's commit on PostgreSQL, off the ingest's path:
issue 12) or, while a version has none there, its rows themselves: the results are the same
either way. The expected matches are computed here from the stored rows, in Python."""

from __future__ import annotations

from sqlalchemy import delete, select

from supervision.cli.filings import filings_recover
from supervision.demo import workbooks as gen
from supervision.demo.summaries import COLLECTION
from supervision.extensions import db
from supervision.filings.content_models import ComplaintRow
from supervision.filings.recovery import fill_missing_summaries
from supervision.topics.models import ComplaintSummary
from supervision.topics.queries import PAGE_SIZE, search_rows
from supervision.topics.search import indexed_versions
from tests.checks.helpers import ingest, profile


def _found(user, period, text: str) -> tuple[int, set[int]]:
    """The search's total and the row ids of all its pages."""
    first = search_rows(user, period, text)
    ids = {r.id for r in first.rows}
    for page in range(2, first.pages + 1):
        ids |= {r.id for r in search_rows(user, period, text, page=page).rows}
    assert len(first.rows) == min(PAGE_SIZE, first.total)
    return first.total, ids


def test_search_reads_the_index_or_the_rows_with_the_same_result(ctx, periods, tmp_path):
    app, world = ctx
    _prev, cur = periods
    postgres = db.engine.dialect.name == "postgresql"
    inst = world.inst_a
    book = gen.generate_cmp(profile(inst, 93, received=400), cur.code, topics={COLLECTION: 9})
    v = ingest(tmp_path, inst, cur, "CMP", book, "search-index")
    assert v.status == "ACCEPTED"
    stored = dict(db.session.execute(select(ComplaintRow.id, ComplaintRow.summary).where(
        ComplaintRow.version_id == v.id, ComplaintRow.summary.is_not(None))).all())
    copied = dict(db.session.execute(select(ComplaintSummary.row_id, ComplaintSummary.summary).where(
        ComplaintSummary.version_id == v.id)).all())
    assert stored
    # without a queue the copy is left to the recovery job (PostgreSQL); SQLite never has one
    assert copied == {} and indexed_versions(db.session, [v.id]) == set()
    user = world.users.analyst_nfra
    texts = ["催收", "24%", "的", "客户", "no such words here"]
    want = {t: {i for i, s in stored.items() if t in s} for t in texts}
    assert want["催收"] and want["的"]

    def check(state: str) -> None:
        for t in texts:
            total, ids = _found(user, cur, t)
            assert (total, ids) == (len(want[t]), want[t]), (state, t)

    check("not indexed yet")
    assert fill_missing_summaries() == ([v.id] if postgres else [])  # the recovery job's part
    db.session.commit()
    assert fill_missing_summaries() == []
    filled = dict(db.session.execute(select(ComplaintSummary.row_id, ComplaintSummary.summary).where(
        ComplaintSummary.version_id == v.id)).all())
    assert filled == (stored if postgres else {})
    assert indexed_versions(db.session, [v.id]) == ({v.id} if postgres else set())
    check("indexed" if postgres else "scanned")
    db.session.execute(delete(ComplaintSummary).where(ComplaintSummary.version_id == v.id))
    db.session.commit()
    result = app.test_cli_runner().invoke(filings_recover, catch_exceptions=False)  # the operator's command
    assert f"added the summaries of {1 if postgres else 0} version(s) to the search index" in result.output
    db.session.rollback()
    check("filled by recovery")
