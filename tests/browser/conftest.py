"""Browser-test infrastructure: the app served on 127.0.0.1 from a thread, Debian's Chromium
driven by Playwright (never a downloaded browser)."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.conftest import make_app
from tests.live import closing

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
               "--disable-sync", "--no-first-run", "--disable-quic"]


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """A migrated SQLite app with the standard world, served on a free local port."""
    app = make_app("sqlite", tmp_path_factory.mktemp("browser"))
    with app.app_context():
        from supervision.extensions import db
        from tests.factories import build_world

        world = build_world(db)
        from supervision.domain.calendar import period_of, today_local
        from supervision.periods.services import add_period

        current = add_period(None, period_of(today_local()).code)
        emails = {k: getattr(world.users, k).email for k in vars(world.users)}
        institutions = {"a": (world.inst_a.code, world.inst_a.name), "b": (world.inst_b.code, world.inst_b.name)}
        period = (current.code, current.start_date)
        db.session.commit()
        db.session.remove()
    server = make_server("127.0.0.1", 0, closing(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield {"url": f"http://127.0.0.1:{server.server_port}", "emails": emails, "app": app,
           "institutions": institutions, "period": period}
    server.shutdown()
    thread.join(timeout=5)
    with app.app_context():
        from supervision.extensions import db

        db.engine.dispose()


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium under Playwright."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: run `make browser` (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture()
def page(browser):
    """A fresh browser context and page per test (no shared cookies)."""
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    yield pg
    context.close()
