"""Issue 15 in a real browser (Debian's Chromium): an NFRA analyst follows the navigation to the
period's complaint topics, drills down from a surging topic to its complaint rows (masked
summaries), opens the institution's topics and its vulnerable-consumer lens; the figures on the
pages equal independent counts over the generated rows, and axe-core finds no serious violation."""

from __future__ import annotations

import threading

import pytest
from werkzeug.serving import make_server

from supervision.demo.summaries import COLLECTION
from tests.conftest import make_app
from tests.factories import PASSWORD
from tests.lens import independent as ind
from tests.live import closing

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def lens_server(tmp_path_factory):
    """A SQLite app with institution A's CMP (a collection surge, slow elderly handling) ingested."""
    tmp = tmp_path_factory.mktemp("lens-browser")
    app = make_app("sqlite", tmp / "instance", TASK_BACKEND="sync")
    with app.app_context():
        from supervision.demo import workbooks as gen
        from supervision.domain.calendar import period_of, today_local
        from supervision.extensions import db
        from supervision.periods.services import add_period
        from tests.checks.helpers import ingest, profile
        from tests.factories import build_world
        from tests.lens.test_lens_rules import _slow_elderly

        world = build_world(db)
        current = add_period(None, period_of(today_local()).code)
        db.session.commit()
        filing = gen.generate_cmp(profile(world.inst_a, 91, active_customers=1_000_000, received=300), current.code,
                                  topics={COLLECTION: 8})
        _slow_elderly(filing)
        assert ingest(tmp, world.inst_a, current, "CMP", filing, "lens-a").status == "ACCEPTED"
        facts = {"email": world.users.analyst_nfra.email, "period_id": current.id, "period": current.code,
                 "inst_id": world.inst_a.id, "inst_name": world.inst_a.name, "filing": filing}
        db.session.remove()
    server = make_server("127.0.0.1", 0, closing(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield {"url": f"http://127.0.0.1:{server.server_port}", **facts}
    server.shutdown()
    thread.join(timeout=5)
    with app.app_context():
        from supervision.extensions import db

        db.engine.dispose()


def _axe(page) -> list[str]:
    page.add_script_tag(url="/static/vendor/axe/axe.min.js")
    return page.evaluate("""async () => (await axe.run()).violations
        .filter(v => ['serious', 'critical'].includes(v.impact))
        .map(v => v.id + ' ' + v.nodes[0].target.join(' '))""")


def test_topic_drill_down_and_lens(lens_server, page):
    s = lens_server
    counts = ind.topic_counts(s["filing"])
    groups = ind.group_measures(s["filing"])
    page.goto(s["url"] + "/login")
    page.fill("#email", s["email"])
    page.fill("#password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_url(s["url"] + "/")
    page.click("#nav-topics")
    page.click(f"#topic-periods a[href='/topics/{s['period_id']}']")
    row = page.locator(f"#topic-table tr[data-topic='{COLLECTION}']")
    assert row.get_attribute("data-count") == str(counts[COLLECTION])
    assert s["inst_name"] in row.inner_text()
    assert _axe(page) == []
    row.locator("a", has_text="暴力催收").click()
    page.wait_for_url(f"**/topics/{s['period_id']}/rows/{COLLECTION}")
    assert page.locator("#topic-rows-count").get_attribute("data-total") == str(counts[COLLECTION])
    shown = page.locator("#topic-rows tbody tr")
    assert shown.count() == min(50, counts[COLLECTION])
    want = {r["complaint_id"]: r["summary"] for r in ind.received_rows(s["filing"])
            if COLLECTION in ind.topics_of(r["summary"])}
    first = shown.first
    assert first.get_attribute("data-complaint-id") in want
    assert _axe(page) == []
    # the institution's topics, then its lens
    page.goto(f"{s['url']}/topics/{s['period_id']}/institutions/{s['inst_id']}")
    page.click("text=特殊群体消费者")
    page.wait_for_url(f"**/vulnerable/{s['period_id']}/institutions/{s['inst_id']}")
    elderly = page.locator("#lens-groups tr[data-group='ELDERLY']")
    assert elderly.get_attribute("data-received") == str(groups["ELDERLY"]["received"])
    assert elderly.get_attribute("data-on-time") == str(groups["ELDERLY"]["on_time"])
    assert "老年人" in elderly.inner_text()
    assert _axe(page) == []
    # the period ranking lists the institution for the elderly with its on-time gap
    page.goto(f"{s['url']}/vulnerable/{s['period_id']}")
    assert page.locator(".lens-ranking tr", has_text=s["inst_name"]).count() == 1
    assert _axe(page) == []
