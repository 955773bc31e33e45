"""Shared set-up of the analytics browser tests: a standard world with generated CMP filings of the
two CF institutions (A and C) ingested for the current quarter, served on a free port."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from werkzeug.serving import make_server

from tests.conftest import make_app
from tests.live import closing


@contextmanager
def ingested_world(tmp, seeds: tuple[int, int], received: int, prefix: str):
    """A migrated SQLite app (synchronous jobs) with the standard world and a generated CMP filing
    of A and of C (seeds, ``received`` rows each) accepted in the current quarter. Yields
    ``(app, world, period)`` inside the app context; the session is removed on leaving."""
    app = make_app("sqlite", tmp / "instance", TASK_BACKEND="sync")
    with app.app_context():
        from supervision.demo import workbooks as gen
        from supervision.domain.calendar import period_of, today_local
        from supervision.extensions import db
        from supervision.periods.services import add_period
        from tests.checks.helpers import ingest, profile
        from tests.factories import build_world

        world = build_world(db)
        current = add_period(None, period_of(today_local()).code)
        db.session.commit()
        for inst, seed in zip((world.inst_a, world.inst_c), seeds, strict=True):
            book = gen.generate_cmp(profile(inst, seed, received=received), current.code)
            v = ingest(tmp, inst, current, "CMP", book, f"{prefix}-{seed}")
            assert v.status == "ACCEPTED"
            current = db.session.merge(current)
        yield app, world, current
        db.session.remove()


@contextmanager
def served(app) -> Iterator[str]:
    """Serve ``app`` on a free port in a thread; yields its base URL; disposes the engine after."""
    server = make_server("127.0.0.1", 0, closing(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)
        with app.app_context():
            from supervision.extensions import db

            db.engine.dispose()
