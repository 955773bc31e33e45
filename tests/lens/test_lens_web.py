"""Topic, drill-down, search and lens pages on ingested filings: figures equal independent counts,
and each role sees exactly its scope (filer A: A only; PBOC analyst: B only; NFRA analyst: both)."""

from __future__ import annotations

import re

from supervision.demo import workbooks as gen
from supervision.demo.summaries import COLLECTION
from supervision.extensions import db
from tests.checks.helpers import ingest, profile
from tests.conftest import PASSWORD, login
from tests.lens import independent as ind


def _get(client, path) -> str:
    resp = client.get(path)
    assert resp.status_code == 200, (path, resp.status_code)
    return resp.get_data(as_text=True)


def test_pages_show_the_scoped_counts(ctx, periods, tmp_path, monkeypatch):
    app, world = ctx
    _prev, cur = periods
    a, b = world.inst_a, world.inst_b
    qa = gen.generate_cmp(profile(a, 81, active_customers=1_000_000, received=250), cur.code, topics={COLLECTION: 6})
    qb = gen.generate_cmp(profile(b, 82, active_customers=1_000_000, received=250), cur.code)
    assert ingest(tmp_path, a, cur, "CMP", qa, "web-a").status == "ACCEPTED"
    assert ingest(tmp_path, b, cur, "CMP", qb, "web-b").status == "ACCEPTED"
    count_a, count_b = ind.topic_counts(qa), ind.topic_counts(qb)
    both = {k: count_a[k] + count_b[k] for k in count_a}
    word = "催收"
    hits = {"A": {r["complaint_id"] for r in ind.received_rows(qa) if word in (r["summary"] or "")},
            "B": {r["complaint_id"] for r in ind.received_rows(qb) if word in (r["summary"] or "")}}
    assert hits["A"]
    for role, counts, seen in (("filer_a", count_a, {"A"}), ("analyst_pboc", count_b, {"B"}),
                               ("analyst_nfra", both, {"A", "B"})):
        client = app.test_client()
        assert login(client, getattr(world.users, role).email, PASSWORD).status_code == 302
        html = _get(client, f"/topics/{cur.id}")
        shown = dict(re.findall(r'data-topic="(\w+)" data-count="(\d+)"', html))
        assert {k: int(v) for k, v in shown.items()} == counts, role
        rows_html = _get(client, f"/topics/{cur.id}/rows/{COLLECTION}")
        ids = set(re.findall(r'data-complaint-id="([^"]+)"', rows_html))
        want = {r["complaint_id"] for q, key in ((qa, "A"), (qb, "B")) if key in seen
                for r in ind.received_rows(q) if COLLECTION in ind.topics_of(r["summary"])}
        total = int(re.search(r'id="topic-rows-count"[^>]*data-total="(\d+)"', rows_html).group(1))
        assert total == len(want) and ids <= want and (len(ids) == min(50, len(want)))
        found = _get(client, f"/topics/{cur.id}/search?q={word}")
        total = int(re.search(r'id="search-rows-count"[^>]*data-total="(\d+)"', found).group(1))
        assert total == sum(len(hits[k]) for k in seen), role
        assert set(re.findall(r'data-complaint-id="([^"]+)"', found)) <= set().union(*(hits[k] for k in seen))
        # LIKE's wildcards are searched literally
        literal = _get(client, f"/topics/{cur.id}/search?q=24%25")
        total = int(re.search(r'id="search-rows-count"[^>]*data-total="(\d+)"', literal).group(1))
        assert total == sum(1 for q, key in ((qa, "A"), (qb, "B")) if key in seen
                            for r in ind.received_rows(q) if "24%" in (r["summary"] or ""))
        # the institution pages outside the scope answer 404
        for inst, key in ((a, "A"), (b, "B")):
            status = client.get(f"/topics/{cur.id}/institutions/{inst.id}").status_code
            assert status == (200 if key in seen else 404), (role, key)
            status = client.get(f"/vulnerable/{cur.id}/institutions/{inst.id}").status_code
            assert status == (200 if key in seen else 404), (role, key)
    # the lens of A for its filer: group counts equal the rows' (no sector comparison for filers)
    client = app.test_client()
    assert login(client, world.users.filer_a.email, PASSWORD).status_code == 302
    html = _get(client, f"/vulnerable/{cur.id}/institutions/{a.id}")
    groups = ind.group_measures(qa)
    shown = {g: (int(r), int(c), int(o)) for g, r, c, o in re.findall(
        r'data-group="(\w+)" data-received="(\d+)" data-closed="(\d+)" data-on-time="(\d+)"', html)}
    for g, m in groups.items():
        assert shown[g] == (m["received"], m["closed"], m["on_time"])
    assert "行业占比" not in html and "Share in the sector" not in html
    # the drill-down's pages, walked to the end with small pages: every mention once, by institution
    # code then sheet order (the mentions picked first, then their rows read: two look-ups)
    from supervision.topics import queries

    want = [r["complaint_id"] for inst, q in sorted(((a, qa), (b, qb)), key=lambda p: p[0].code)
            for r in ind.received_rows(q) if COLLECTION in ind.topics_of(r["summary"])]
    monkeypatch.setattr(queries, "PAGE_SIZE", 7)
    first = queries.topic_rows(None, cur, COLLECTION)
    assert first.total == len(want) and first.pages == -(-len(want) // 7) > 2
    walked = [r.complaint_id for n in range(1, first.pages + 1)
              for r in queries.topic_rows(None, cur, COLLECTION, page=n).rows]
    assert walked == want
    assert [r.inst_code for r in first.rows] == sorted(r.inst_code for r in first.rows)
    assert queries.topic_rows(None, cur, COLLECTION, page=first.pages + 5).page == first.pages  # clamped
    only_b = queries.topic_rows(None, cur, COLLECTION, institution_id=b.id)
    assert only_b.total == sum(1 for r in ind.received_rows(qb) if COLLECTION in ind.topics_of(r["summary"]))
    db.session.rollback()
