"""UX review items 8, 13, 15, 18, 19, 20, 21 and 25 (small UI fixes), on both databases."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.conftest import login

ROOT = Path(__file__).resolve().parents[2] / "supervision"


def _recorded() -> tuple[set[str], set[str]]:
    """Every audit action and object type the code records (literal arguments of ``record`` and
    ``record_now``)."""
    actions, objects = set(), set()
    for path in ROOT.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for m in re.finditer(r'\brecord(?:_now)?\(\s*"([a-z_]+)"(?:\s+if[^,]*?else\s+"([a-z_]+)")?', text):
            actions.update(x for x in m.groups() if x)
        objects.update(re.findall(r'object_type="([a-z_]+)"', text))
    return actions, objects


def test_every_recorded_audit_action_and_object_has_a_label():
    """Item 13: no raw audit code (analytics_download, api_token) on /admin/audit."""
    from supervision.audit.present import ACTION_LABELS, OBJECT_LABELS

    actions, objects = _recorded()
    assert {"analytics_download", "api_token_created", "login"} <= actions  # the scan finds them
    assert not actions - set(ACTION_LABELS), sorted(actions - set(ACTION_LABELS))
    assert not objects - set(OBJECT_LABELS), sorted(objects - set(OBJECT_LABELS))


def test_schedule_reads_in_words(app):
    """Item 13: /admin/scheduler shows "every 5 minutes", not cron:0 */5 * * * *."""
    from flask_babel import force_locale

    from supervision.jobs.readable import schedule_text

    with app.test_request_context("/"):
        with force_locale("en"):
            assert schedule_text("cron:0 */5 * * * *") == "every 5 minutes"
            assert schedule_text("cron:0 */1 * * * *") == "every 1 minute"
            assert schedule_text("02:30") == "every day at 02:30"
            assert schedule_text("cron:0 15 3 * * *") == "every day at 03:15"
            assert schedule_text("cron:0 7 * * * *") == "every hour at minute 7"
            assert "cron:0 0 1 1 * mon" in schedule_text("cron:0 0 1 1 * mon")
        with force_locale("zh"):
            assert schedule_text("cron:0 */5 * * * *") == "每 5 分钟"


def test_admin_pages_show_names_not_codes(client, world):
    """Item 13: sharing shows sector/kind names and a translated default note; scheduler no cron text."""
    login(client, world.users.admin.email, world.password)
    sharing = client.get("/admin/sharing").get_data(as_text=True)
    assert "filings, findings, league" not in sharing and "§1.4 default" not in sharing
    assert "规范 §1.4 默认共享" in sharing and "League tables" not in sharing
    jobs = client.get("/admin/scheduler/")
    if jobs.status_code == 200:
        html = jobs.get_data(as_text=True)
        assert "<code>cron:" not in html and "<code>0" not in html


def test_compare_defaults_to_the_previous_published_period():
    """Item 8: the earlier period defaults to the published period before the later one."""
    from supervision.league.views import default_pair

    p = [SimpleNamespace(id=i, code=c) for i, c in ((4, "2026Q3"), (3, "2026Q2"), (2, "2026Q1"), (1, "2025Q4"))]
    assert default_pair(p, {4, 2, 1}, None, None) == (2, 4)
    assert default_pair(p, {4, 2, 1}, None, 2) == (1, 2)
    assert default_pair(p, {4, 2}, 3, 4) == (3, 4)  # the reader's choice stands
    assert default_pair(p, {4}, None, None) == (None, 4)
    a, b = default_pair(p, set(), None, None)
    assert a != b


def test_home_queues_count_filings_under_a_filings_heading(client, world):
    """Item 15: the late/missing queues list (institution, kind) pairs: they are headed as filings."""
    login(client, world.users.analyst_nfra.email, world.password)
    html = client.get("/").get_data(as_text=True)
    assert "逾期报送机构" not in html and "未报送机构" not in html
    assert "未报送的报表" in html


def test_token_scopes_offered_and_refused_by_role(client, world, db):
    """Item 18: 只读 label; an analyst is not offered (nor given) a submit token; the docs are a link."""
    from supervision.tokens.services import TokenError, create_token, scopes_for

    assert scopes_for("analyst") == ("read", "manage") and scopes_for("filer") == ("read", "submit")
    with pytest.raises(TokenError):
        create_token(world.users.analyst_nfra, world.users.analyst_nfra, "submit", 30, "x")
    login(client, world.users.analyst_nfra.email, world.password)
    html = client.get("/account").get_data(as_text=True)
    assert 'value="submit"' not in html and "只读" in html and "仅已读" not in html
    assert re.search(r'<a href="/api/v1/docs">/api/v1/docs</a>', html)


def test_rules_page_headers_are_distinct(client, world):
    """Item 19: /rules/ no longer has two columns both headed 级别."""
    login(client, world.users.analyst_nfra.email, world.password)
    html = client.get("/rules/").get_data(as_text=True)
    head = re.search(r"<thead>(.*?)</thead>", html, re.S).group(1)
    labels = [re.sub(r"<[^>]+>", "", x).strip() for x in re.findall(r"<th\b.*?</th>", head, re.S)]
    assert len(labels) == len(set(labels)), labels


def test_separators_follow_the_locale(app):
    """Item 20: ： and 、 in Chinese, ": " and ", " in English."""
    from flask_babel import force_locale

    from supervision.main.helpers import colon, joined, list_sep

    with app.test_request_context("/"):
        with force_locale("en"):
            assert (colon(), list_sep(), joined(["A 1", "B 14"])) == (": ", ", ", "A 1, B 14")
        with force_locale("zh"):
            assert (colon(), list_sep(), joined(["A 1", "B 14"])) == ("：", "、", "A 1、B 14")


def test_version_page_rows_are_separated_in_english(client, world):
    """Item 20: no full-width colon on an English version page."""
    login(client, world.users.analyst_nfra.email, world.password)
    version = world.filing_a.versions[0]
    html = client.get(f"/filings/versions/{version.id}?lang=en").get_data(as_text=True)
    assert "：" not in re.sub(r"<[^>]+>", "", html.split('id="row-counts"')[-1].split("</dd>")[0])


def test_counts_use_plural_forms(app):
    """Item 21: "up 1 place", "up 2 places"; no doubled stop after a quoted answer."""
    from flask_babel import force_locale

    from supervision.league.present import movement_view
    from supervision.notifications.events import ended

    with app.test_request_context("/"), force_locale("en"):
        assert movement_view(1)[2] == "up 1 place"
        assert movement_view(2)[2] == "up 2 places"
        assert movement_view(-1)[2] == "down 1 place"
    assert ended("handled by a sister company.", ".") == "handled by a sister company."
    assert ended("已处理。", "。") == "已处理。"
    assert ended("handled", ".") == "handled."


def test_favicon_footer_and_sort_option(client, world):
    """Item 25: /favicon.ico answers, pages link it, the footer names spec v1.1, no 按按."""
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.data[:4] == b"\x00\x00\x01\x00"
    icon.close()
    login(client, world.users.analyst_nfra.email, world.password)
    html = client.get("/").get_data(as_text=True)
    assert 'rel="icon"' in html and "第1.1版" in html and "第1版" not in html
    from flask_babel import force_locale, gettext

    with client.application.test_request_context("/"), force_locale("zh"):
        assert not gettext("by %(m)s, best first", m="按时办结率").startswith("按按")
