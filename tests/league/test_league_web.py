"""League pages on both backends: who sees what (published for all, drafts for regulators within
their league scope, the filer's own row highlighted), the same numbers on the page, in CSV and JSON,
the drill-down down to the complaint rows, the 通报 order, charts and publication from the web."""

from __future__ import annotations

import csv
import html
import io
import json
import re

from sqlalchemy import select

from supervision.extensions import db
from supervision.filings.content_models import DerivedFigures
from supervision.league import services
from supervision.league.inputs import COUNTS
from supervision.league.models import LeagueSnapshot, LeagueSnapshotVersion
from tests.conftest import PASSWORD, csrf_from, login
from tests.league.helpers import ensure_published

ROW_RE = re.compile(r'<tr data-code="([0-9A-Z]{18})"[^>]*>(.*?)</tr>', re.S)


def client_as(lw, role: str):
    """A test client logged in as one of the world's users."""
    client = lw.app.test_client()
    assert login(client, lw.users[role], PASSWORD).status_code == 302
    return client


def rows_on(page: str) -> dict[str, str]:
    """institution code → the HTML of its table row."""
    return dict(ROW_RE.findall(page))


def test_filer_sees_published_table_only_with_own_row(lctx):
    lw = lctx
    snap = ensure_published(lw, "2024Q1")
    q1, empty = lw.periods["2024Q1"], lw.periods["2023Q3"]
    client = client_as(lw, "filer_a")
    assert client.get(f"/league/{q1}?draft=1").status_code == 403
    assert client.get(f"/league/{empty}").status_code == 404  # nothing published: no draft for filers
    assert client.get(f"/league/{empty}/table.json").status_code == 404
    page = client.get(f"/league/{q1}").get_data(as_text=True)
    assert 'data-source="published"' in page and f'data-snapshot="{snap.number}"' in page
    own = lw.inst["A"].code
    assert page.count('id="own-row"') == 1
    assert re.search(rf'<tr data-code="{own}" data-status="ranked" class="table-primary own-row" id="own-row"', page)
    assert set(rows_on(page)) == {i.code for i in lw.inst.values()}  # published tables are public
    assert 'id="grade-history"' in page and "2024Q1" in page
    assert client.get(f"/league/{q1}/institutions/{lw.inst['B'].id}").status_code == 404
    assert client.get(f"/league/{q1}/institutions/{lw.inst['A'].id}").status_code == 200
    assert client.get(f"/league/institutions/{lw.inst['C'].id}").status_code == 404
    assert client.get(f"/league/institutions/{lw.inst['A'].id}").status_code == 200


def test_draft_is_limited_to_the_league_scope(lctx):
    from supervision.findings.models import Finding

    lw = lctx
    ensure_published(lw, "2024Q1")
    q1 = lw.periods["2024Q1"]
    # a change since publication on a CF institution: listed to NFRA, never to a PBOC (PAY) analyst
    db.session.add(Finding(rule="D02", level="high", status="OPEN", institution_id=lw.inst["C"].id, period_id=q1,
                           subject="league-test-pending", message_zh="测试", message_en="test", ruleset_version="1"))
    db.session.commit()
    pay = {i.code for i in lw.inst.values() if i.sector == "PAY"}
    for role, expected in (("analyst_pboc", pay), ("analyst_nfra", {i.code for i in lw.inst.values()}),
                           ("analyst_nfra_bj", {lw.inst["A"].code})):
        client = client_as(lw, role)
        page = client.get(f"/league/{q1}?draft=1").get_data(as_text=True)
        assert 'data-source="draft"' in page
        assert set(rows_on(page)) == expected, role
        pending = re.search(r'id="pending-changes"(.*?)</section>', page, re.S).group(1)
        assert set(re.findall(r'data-code="([0-9A-Z]{18})"', pending)) <= expected
        assert "metrics." not in pending and "medians." not in pending  # no field paths (issue 10 item 9)
        if lw.inst["C"].code not in expected:
            assert lw.inst["C"].code not in pending and lw.inst["C"].name not in pending
        doc = client.get(f"/league/{q1}/table.json?draft=1").get_json()
        assert doc["snapshot"] is None and {r["institution_code"] for r in doc["rows"]} == expected
        assert set(doc["medians"]) == {lw.inst[k].sector for k in lw.inst if lw.inst[k].code in expected}
        published = client.get(f"/league/{q1}").get_data(as_text=True)
        assert len(rows_on(published)) == len(lw.inst)
    assert client_as(lw, "admin").get(f"/league/{q1}?draft=1").status_code == 403


def test_page_csv_and_json_show_the_same_numbers(lctx):
    lw = lctx
    snap = ensure_published(lw, "2024Q1")
    table = services.snapshot_table(snap)
    q1 = lw.periods["2024Q1"]
    client = client_as(lw, "supervisor")
    page = rows_on(client.get(f"/league/{q1}?metric=on_time_rate").get_data(as_text=True))
    csv_response = client.get(f"/league/{q1}/table.csv")
    assert csv_response.headers["Content-Type"] == "text/csv; charset=utf-8"
    csv_text = csv_response.get_data().decode("utf-8-sig")
    by_csv = {r["institution_code"]: r for r in csv.DictReader(io.StringIO(csv_text))}
    doc = client.get(f"/league/{q1}/table.json").get_json()
    assert doc["snapshot"] == snap.number and doc["ruleset_version"] == snap.ruleset_version
    by_json = {r["institution_code"]: r for r in doc["rows"]}
    for row in table["rows"]:
        code = row["institution_code"]
        composite, on_time = row["composite"], row["metrics"]["on_time_rate"]["display"]
        assert by_csv[code]["composite"] == (composite or "") and by_csv[code]["on_time_rate"] == (on_time or "")
        assert by_json[code]["composite"] == composite
        assert by_json[code]["metrics"]["on_time_rate"]["display"] == on_time
        cells = page[code]
        assert (f">{composite}<" in cells) if composite else ">—<" in cells
        if on_time:
            assert f"{on_time}%" in cells


def test_drill_down_reaches_the_complaint_rows(lctx):
    lw = lctx
    snap = ensure_published(lw, "2024Q1")
    q1, inst = lw.periods["2024Q1"], lw.inst["E"]
    used = db.session.scalar(select(LeagueSnapshotVersion.version_id).where(
        LeagueSnapshotVersion.snapshot_id == snap.id, LeagueSnapshotVersion.institution_id == inst.id,
        LeagueSnapshotVersion.kind == "CMP"))
    client = client_as(lw, "supervisor")
    page = client.get(f"/league/{q1}/institutions/{inst.id}?metric=on_time_rate").get_data(as_text=True)
    assert 'id="metric-on_time_rate" data-metric="on_time_rate" class="table-warning"' in page
    links = re.findall(r'href="(/filings/versions/(\d+)/rows\?[^"]*)" class="figure-link" data-figure="on_time"', page)
    assert links and {int(v) for _, v in links} == {used}
    figures = {f.business_category: f.on_time for f in db.session.scalars(
        select(DerivedFigures).where(DerivedFigures.version_id == used))}
    for href, _ in links:
        url = html.unescape(href)
        assert "status=CLOSED" in url and "on_time=1" in url
        category = re.search(r"business_category=(B\d\d)", url)
        rows_page = client.get(url).get_data(as_text=True)
        total = int(re.search(r'id="row-total" data-total="(\d+)"', rows_page).group(1))
        assert total == figures[category.group(1) if category else None]
    assert client_as(lw, "filer_b").get(f"/league/{q1}/institutions/{inst.id}").status_code == 404
    assert client_as(lw, "admin").get(f"/league/{q1}/institutions/{inst.id}").status_code == 403


FIGURE_LINK_RE = re.compile(r'<a href="([^"]+)" class="figure-link" data-figure="(\w+)" data-value="(\d+)">(\d+)</a>')


def test_every_drill_down_number_opens_exactly_the_rows_it_counts(lctx):
    """Issue 10 item 7: each count on /league/<p>/institutions/<i> (every figure, every business
    category and the whole filing) links to one rows page whose total — for ``txn_involved`` the
    sum of transactions involved — equals the number shown, which is the stored §4.4 figure."""
    lw = lctx
    snap = ensure_published(lw, "2024Q1")
    q1 = lw.periods["2024Q1"]
    client = client_as(lw, "supervisor")
    checked = set()
    for key in ("E", "G"):
        inst = lw.inst[key]
        used = db.session.scalar(select(LeagueSnapshotVersion.version_id).where(
            LeagueSnapshotVersion.snapshot_id == snap.id, LeagueSnapshotVersion.institution_id == inst.id,
            LeagueSnapshotVersion.kind == "CMP"))
        stored = {f.business_category: f for f in db.session.scalars(
            select(DerivedFigures).where(DerivedFigures.version_id == used))}
        page = client.get(f"/league/{q1}/institutions/{inst.id}").get_data(as_text=True)
        links = FIGURE_LINK_RE.findall(page)
        assert len(links) == len(stored) * 10, "one link per figure and category, nothing else"
        for href, figure, value, shown in links:
            url = html.unescape(href)
            assert value == shown and f"/filings/versions/{used}/rows?" in url
            category = re.search(r"business_category=(B\d\d)", url)
            assert int(value) == getattr(stored[category.group(1) if category else None], figure)
            rows_page = client.get(url).get_data(as_text=True)
            if figure == "txn_involved":
                got = int(re.search(r'id="row-transactions" data-sum="(\d+)"', rows_page).group(1))
            else:
                got = int(re.search(r'id="row-total" data-total="(\d+)"', rows_page).group(1))
            assert got == int(value), f"{inst.code} {figure} {category and category.group(1)}: {got} ≠ {value}"
            checked.add(figure)
    assert checked == set(COUNTS)
    favourable = [u for u, f, *_ in FIGURE_LINK_RE.findall(page) if f == "favourable"]
    from urllib.parse import parse_qs, urlsplit

    assert favourable and all(parse_qs(urlsplit(html.unescape(u)).query)["outcome"] == ["UPHELD,PARTIAL,SETTLED"]
                              for u in favourable)


def test_notice_view_orders_filers_by_complaints(lctx):
    lw = lctx
    snap = ensure_published(lw, "2024Q1")
    table = services.snapshot_table(snap)
    page = client_as(lw, "filer_b").get(f"/league/{lw.periods['2024Q1']}/notice").get_data(as_text=True)
    for sector in ("PAY", "CF"):
        section = re.search(rf'data-sector="{sector}">(.*?)</section>', page, re.S).group(1)
        shown = re.findall(r'data-code="([0-9A-Z]{18})" data-notice-rank="(\d+)"', section)
        expected = sorted(((r["institution_code"], r["notice_rank"]) for r in table["rows"]
                           if r["sector"] == sector and r["notice_rank"] is not None), key=lambda x: x[1])
        assert [(c, int(n)) for c, n in shown] == expected
        received = [int(next(r for r in table["rows"] if r["institution_code"] == c)["metrics"]["received"]["value"])
                    for c, _ in shown]
        assert received == sorted(received, reverse=True)
        assert lw.inst["REJ"].name in page  # listed apart: not filed (nothing counts)


def test_charts_history_and_compare_pages(lctx):
    lw = lctx
    table = services.snapshot_table(ensure_published(lw, "2024Q1"))
    q1, q2 = lw.periods["2024Q1"], lw.periods["2024Q2"]
    client = client_as(lw, "analyst_nfra")
    for url in (f"/league/{q1}/charts?metric=per_10k_customers&sector=CF", f"/league/institutions/{lw.inst['A'].id}",
                f"/league/compare?a={q1}&b={q2}&draft=1&metric=received"):
        resp = client.get(url)
        assert resp.status_code == 200, url
        page = resp.get_data(as_text=True)
        assert not re.findall(r"<script(?![^>]*\bsrc=)", page), "inline script under a script-src 'self' CSP"
        assert "https://" not in re.sub(r'href="https://[^"]*"', "", page.split("<main", 1)[1])
        for spec in re.findall(r"data-chart='([^']*)'", page):
            assert json.loads(html.unescape(spec))["type"] in ("bar", "distribution", "trend", "lines")
    charts = client.get(f"/league/{q1}/charts?metric=per_10k_customers&sector=CF").get_data(as_text=True)
    bar = json.loads(html.unescape(re.search(r"id=\"chart-bar\"[^>]*data-chart='([^']*)'", charts).group(1)))
    ranked_cf = [r for r in table["rows"] if r["sector"] == "CF" and r["status"] == "ranked"]
    assert bar["ranks"] == sorted(bar["ranks"]) and len(bar["names"]) == len(ranked_cf) == 5
    compare = client.get(f"/league/compare?a={q1}&b={q2}&draft=1").get_data(as_text=True)
    assert set(rows_on(compare)) == {i.code for i in lw.inst.values()}
    assert client_as(lw, "filer_a").get(f"/league/compare?a={q1}&b={q2}&draft=1").status_code == 403


def test_supervisor_publishes_from_the_web(lctx):
    lw = lctx
    q2 = lw.periods["2024Q2"]
    before = db.session.scalar(select(LeagueSnapshot.number).where(LeagueSnapshot.period_id == q2)
                               .order_by(LeagueSnapshot.number.desc()).limit(1)) or 0
    analyst = client_as(lw, "analyst_nfra")
    token = csrf_from(analyst.get(f"/league/{q2}?draft=1").get_data(as_text=True))
    assert analyst.post(f"/league/{q2}/publish", data={"csrf_token": token, "period_code": "2024Q2"}).status_code == 403
    client = client_as(lw, "supervisor")
    page = client.get(f"/league/{q2}?draft=1").get_data(as_text=True)
    assert 'id="publish-form"' in page and f'href="/league/{q2}/publish"' in page  # a link to the review step
    confirm = client.get(f"/league/{q2}/publish").get_data(as_text=True)
    assert 'id="publish-summary"' in confirm
    token = csrf_from(confirm)
    sha = re.search(r'name="table_sha256" value="([0-9a-f]{64})"', confirm).group(1)
    data = {"csrf_token": token, "period_code": "2024Q2", "table_sha256": sha}
    assert client.post(f"/league/{q2}/publish", data={**data, "period_code": "2024Q1"}).status_code == 400
    assert client.post(f"/league/{q2}/publish", data={**data, "table_sha256": ""}).status_code == 400
    resp = client.post(f"/league/{q2}/publish", data=data)
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/league/{q2}?snapshot={before + 1}")
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert 'data-source="published"' in page and "supervisor@nfra.test.cn" in page
    again = client.post(f"/league/{q2}/publish", data=data)  # the same draft again: nothing to publish
    assert again.status_code == 409 and 'id="no-changes"' in again.get_data(as_text=True)
    db.session.rollback()  # a fresh transaction sees what the requests committed
    numbers = db.session.scalars(select(LeagueSnapshot.number).where(LeagueSnapshot.period_id == q2)).all()
    assert max(numbers) == before + 1
    history = client_as(lw, "filer_a").get(f"/league/{q2}/snapshots").get_data(as_text=True)
    assert f'data-number="{before + 1}"' in history and "supervisor@nfra.test.cn" not in history
