"""Issue 10 item 9: publication is a two-step action. The supervisor first sees what publishing
would put on record in words — the institutions whose rank, grade or status changes, not field
paths — and publishes exactly the draft they reviewed; a draft that changed meanwhile is shown
again instead of being published."""

from __future__ import annotations

import re

from sqlalchemy import delete, select

from supervision.extensions import db
from supervision.findings.models import Finding
from supervision.league import services
from supervision.league.changes import summarize
from supervision.league.models import LeagueSnapshot
from tests.conftest import csrf_from
from tests.league.helpers import ensure_published
from tests.league.test_league_web import client_as


def test_summary_groups_field_changes_by_institution():
    changes = [
        {"institution_code": "A", "name": "甲", "field": "rank_composite", "before": 3, "after": 5},
        {"institution_code": "A", "name": "甲", "field": "grade", "before": "B", "after": "C"},
        {"institution_code": "A", "name": "甲", "field": "metrics.received.value", "before": "10", "after": "12"},
        {"institution_code": "A", "name": "甲", "field": "metrics.received.rank_all", "before": 2, "after": 3},
        {"institution_code": "B", "name": "乙", "field": "metrics.on_time_rate.value", "before": "90", "after": "91"},
        {"institution_code": "C", "name": "丙", "field": "row", "before": None, "after": "not_filed"},
        {"institution_code": "D", "name": "丁", "field": "status", "before": "ranked", "after": "not_ranked"},
        {"institution_code": None, "name": None, "field": "medians.CF.received", "before": "10", "after": "11"},
    ]
    s = summarize(changes)
    assert [c.code for c in s.headline] == ["A", "C", "D"] and [c.code for c in s.figures_only] == ["B"]
    a = s.headline[0]
    assert (a.rank, a.grade, a.metrics, a.other) == ((3, 5), ("B", "C"), [("received", "10", "12")], 1)
    assert s.headline[1].added and s.headline[1].status_after == "not_filed"
    assert s.headline[2].status == ("ranked", "not_ranked")
    assert s.medians == {"CF": [("received", "10", "11")]} and s.total == len(changes) and not s.empty
    assert summarize([]).empty


def _confirm(client, period_id):
    page = client.get(f"/league/{period_id}/publish")
    html = page.get_data(as_text=True)
    sha = re.search(r'name="table_sha256" value="([0-9a-f]{64})"', html)
    return page, html, sha.group(1) if sha else None


def test_confirmation_names_what_changes_and_publishes_the_reviewed_draft(lctx):
    lw = lctx
    snap = ensure_published(lw, "2024Q1")
    q1 = lw.periods["2024Q1"]
    period = lw.period("2024Q1")
    client = client_as(lw, "supervisor")
    assert client_as(lw, "analyst_nfra").get(f"/league/{q1}/publish").status_code == 403
    added = []
    number_before = db.session.scalar(select(LeagueSnapshot.number).where(LeagueSnapshot.period_id == q1)
                                      .order_by(LeagueSnapshot.number.desc()).limit(1))
    assert number_before >= snap.number
    db.session.rollback()  # a fresh transaction: the requests above committed (SQLite snapshots)
    try:
        # three high disclosure findings lower three institutions' disclosure score, composite and rank
        for key in ("D", "E", "G"):
            f = Finding(rule="D02", level="high", status="OPEN", institution_id=lw.inst[key].id, period_id=q1,
                        subject=f"confirm-test-{key}", message_zh="测试", message_en="test", ruleset_version="1")
            db.session.add(f)
            added.append(f)
        db.session.commit()
        # against what is published now for every sector (sector-scoped snapshots combined)
        published = services.published_table(q1)
        before = {k: published[k] for k in ("period", "snapshot", "rows", "medians")}
        diff = services.diff_tables(before, services.compute_draft(period).table)
        expected = {c["institution_code"] for c in diff
                    if c["field"] in ("rank_composite", "grade", "status", "row") and c["institution_code"]}
        assert expected, "the findings change some institution's rank, grade or status"
        page, html, sha = _confirm(client, q1)
        assert page.status_code == 200 and sha
        listed = re.search(r'<ul class="small headline-changes">(.*?)</ul>', html, re.S).group(1)
        assert set(re.findall(r'data-code="([0-9A-Z]{18})"', listed)) == expected
        assert "metrics." not in html and "rank_composite" not in html and "medians." not in html
        assert "→" in listed

        # the draft changes after the review: publishing it is refused and the new summary is shown
        db.session.rollback()
        extra = Finding(rule="D02", level="high", status="OPEN", institution_id=lw.inst["F"].id, period_id=q1,
                        subject="confirm-test-F", message_zh="测试", message_en="test", ruleset_version="1")
        db.session.add(extra)
        added.append(extra)
        db.session.commit()
        stale = client.post(f"/league/{q1}/publish", data={"csrf_token": csrf_from(html), "period_code": "2024Q1",
                                                            "table_sha256": sha})
        assert stale.status_code == 409 and 'id="publish-summary"' in stale.get_data(as_text=True)
        db.session.rollback()
        latest = db.session.scalar(select(LeagueSnapshot.number).where(LeagueSnapshot.period_id == q1)
                                   .order_by(LeagueSnapshot.number.desc()).limit(1))
        assert latest == number_before  # nothing was published
        _page, html2, sha2 = _confirm(client, q1)
        assert sha2 != sha
        done = client.post(f"/league/{q1}/publish", data={"csrf_token": csrf_from(html2), "period_code": "2024Q1",
                                                           "table_sha256": sha2})
        assert done.status_code == 302 and done.headers["Location"].endswith(f"snapshot={number_before + 1}")
    finally:
        db.session.rollback()
        db.session.execute(delete(Finding).where(Finding.id.in_([f.id for f in added if f.id])))
        db.session.commit()
