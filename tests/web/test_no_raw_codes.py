"""Issue 10, "No raw codes or JSON in the UI": every page every role can reach — following the
navigation and then every link on the pages, one page of each URL shape — is walked in Chinese on
the review world (tests/review_world.py); no page may show a word of the platform's own codes and
status names (tests/web/raw_words.py), JSON, a duplicate element id or a field without a label,
and no link shown to a role may answer an error."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import urlsplit

import pytest

from tests.conftest import PASSWORD, IsolatedClient, login, make_app
from tests.web.raw_words import RAW_WORDS, json_on, raw_words_on, visible_lines

ROLES = ["filer_a", "filer_b", "analyst_nfra", "analyst_nfra_bj", "analyst_pboc", "supervisor", "admin"]
SKIP = ("/lang/", "logout", "download", ".csv", ".json", ".xlsx", "/template", "/original", "/annotated",
        "/static/", "/attachment")
HREF = re.compile(r'<a\b[^>]*\bhref="([^"#]*)(?:#[^"]*)?"')
IDS = re.compile(r'\bid="([^"]+)"')
MAX_PAGES = 150
PER_SHAPE = 3


@pytest.fixture(scope="module")
def review(tmp_path_factory):
    """The review world on SQLite (committed), served by the test client."""
    tmp = tmp_path_factory.mktemp("review")
    app = make_app("sqlite", tmp / "instance", TASK_BACKEND="sync")
    app.test_client_class = IsolatedClient
    with app.app_context():
        from supervision.extensions import db
        from tests.review_world import build_review_world

        facts = build_review_world(db, tmp)
        db.session.remove()
    yield app, facts
    with app.app_context():
        from supervision.extensions import db

        db.engine.dispose()


def shape(path: str) -> str:
    """One page of each URL shape (``/findings/12`` and ``/findings/13`` are one shape)."""
    return re.sub(r"\d+", "N", path)


def unlabelled_fields(html: str) -> list[str]:
    """Form fields with neither a <label for>, an enclosing label, nor aria-label(ledby)."""
    labelled = set(re.findall(r'<label[^>]*\bfor="([^"]+)"', html))
    out = []
    for tag in re.findall(r"<(?:input|select|textarea)\b[^>]*>", html):
        if re.search(r'type="(hidden|submit|button)"', tag):
            continue
        fid = re.search(r'\bid="([^"]+)"', tag)
        if (fid and fid.group(1) in labelled) or "aria-label" in tag:
            continue
        out.append((re.search(r'\bname="([^"]+)"', tag) or fid or re.match(r"<\w+", tag)).group(0))
    return out


def links(html: str) -> list[str]:
    """The local links of a page (attribute values unescaped)."""
    return [unescape(h) for h in HREF.findall(html) if h.startswith("/")]


def walk(client) -> tuple[dict[str, str], list[str]]:
    """Every page of the role (BFS, up to :data:`PER_SHAPE` of each URL shape): path → HTML, and
    the problems seen."""
    queue = ["/"]
    shapes: dict[str, int] = {}
    visited, pages, problems = set(), {}, []
    while queue and len(pages) < MAX_PAGES:
        href = queue.pop(0)
        path = urlsplit(href).path
        if any(s in href for s in SKIP) or href in visited or shapes.get(shape(path), 0) >= PER_SHAPE:
            continue
        visited.add(href)
        shapes[shape(path)] = shapes.get(shape(path), 0) + 1
        resp = client.get(href)
        if resp.status_code in (301, 302):
            continue
        if resp.status_code >= 400:
            problems.append(f"{href}: HTTP {resp.status_code} on a link shown to this role")
            continue
        if "html" not in resp.content_type:
            continue
        html = resp.get_data(as_text=True)
        pages[href] = html
        queue.extend(links(html))
    return pages, problems


@pytest.mark.parametrize("role", ROLES)
def test_no_page_shows_raw_codes_json_or_broken_markup(review, role):
    app, facts = review
    client = app.test_client()
    assert login(client, facts.emails[role], PASSWORD).status_code == 302
    client.get("/lang/zh")
    pages, problems = walk(client)
    assert len(pages) >= 8, f"{role} reached only {sorted(pages)}"
    for href, html in pages.items():
        words = raw_words_on(html)
        if words:
            lines = [line for line in visible_lines(html) if any(re.search(rf"(?<![A-Za-z_]){re.escape(w)}"
                                                                       rf"(?![A-Za-z_])", line) for w in words)]
            problems.append(f"{href}: raw words {words} in {lines[:3]}")
        if json_on(html):
            problems.append(f"{href}: JSON on screen")
        ids = IDS.findall(html)
        dup = sorted({i for i in ids if ids.count(i) > 1})
        if dup:
            problems.append(f"{href}: duplicate ids {dup}")
        bare = unlabelled_fields(html)
        if bare:
            problems.append(f"{href}: fields without a label {bare}")
    assert not problems, "\n".join(problems)


def test_the_checker_catches_what_it_looks_for():
    """The walk's own detectors fail on what they must catch (so a clean walk means something)."""
    assert raw_words_on("<p>状态：ACCEPTED</p>") == ["ACCEPTED"]
    assert raw_words_on("<p>已采纳</p><input type=hidden value=ACCEPTED><span hidden>OPEN</span>") == []
    assert raw_words_on("<p>不能从“待答复”变为“已关闭” / cannot move from OPEN to CLOSED here</p>") == []
    assert raw_words_on("<p>已办结（CLOSED）须有办结日期</p>") == []
    assert raw_words_on("<td>favourable: <a>UPHELD</a>, PARTIAL</td>") == ["PARTIAL", "UPHELD"]
    assert json_on('<pre>{"periods": {}}</pre>') and not json_on("<p>{ 不是 JSON }</p>")
    assert unlabelled_fields('<input name="note" id="note">') == ['name="note"']
    assert unlabelled_fields('<label for="n">x</label><input name="note" id="n">') == []
    assert {"OPEN", "ACCEPTED", "UPHELD", "queued", "reminder", "finding_opened"} <= set(RAW_WORDS)
