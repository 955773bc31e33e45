"""Readiness checks: what ``/readyz`` answers and ``supervision doctor`` prints.

Each check is quick (short time-outs) and names what it found: the database answers, its schema is
at the newest migration, Redis answers (when the deployment uses it: rate limits, the RQ queue),
the task queue is reachable, and every blob store answers.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass

from flask import current_app
from sqlalchemy import text


@dataclass(frozen=True)
class Check:
    """One readiness check: its name, whether it passed, what was found, how long it took."""

    name: str
    ok: bool
    detail: str
    seconds: float

    def as_dict(self) -> dict:
        """JSON-ready."""
        return {**asdict(self), "seconds": round(self.seconds, 4)}


def _timed(name: str, fn) -> Check:
    start = time.monotonic()
    try:
        ok, detail = True, fn()
    except Exception as exc:  # every failure is reported, none escapes
        ok, detail = False, f"{type(exc).__name__}: {exc}"[:500]
        if name in ("database", "migrations"):
            from supervision.extensions import db

            db.session.rollback()
    return Check(name, ok, detail, time.monotonic() - start)


def _database() -> str:
    from supervision.extensions import db

    db.session.execute(text("SELECT 1"))
    return db.session.get_bind().dialect.name


def head_revisions() -> set[str]:
    """The newest revision(s) of the shipped Alembic history."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from supervision.app import MIGRATIONS_DIR

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return set(ScriptDirectory.from_config(cfg).get_heads())


def known_revisions() -> set[str]:
    """Every revision of the shipped Alembic history."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from supervision.app import MIGRATIONS_DIR

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return {s.revision for s in ScriptDirectory.from_config(cfg).walk_revisions()}


def _migrations() -> str:
    """At head: ready. Behind: not ready (this code needs a newer schema: run ``supervision db
    upgrade``). Ahead (a revision this code does not know): ready — during an upgrade the migrations
    run before the new code is rolled out, and the old nodes keep serving until they are replaced."""
    from supervision.extensions import db

    current = {r[0] for r in db.session.execute(text("SELECT version_num FROM alembic_version"))}
    heads = head_revisions()
    if current == heads:
        return ", ".join(sorted(current))
    if current and not current & known_revisions():
        return f"database at {sorted(current)}, newer than this code ({sorted(heads)}): upgrade in progress"
    raise RuntimeError(f"database at {sorted(current) or 'no revision'}, code expects {sorted(heads)}: "
                       "run `supervision db upgrade`")


def redis_urls() -> list[str]:
    """The Redis servers this deployment uses (queue, rate limits); empty for the embedded default."""
    cfg = current_app.config
    urls = []
    if cfg.get("REDIS_URL"):
        urls.append(cfg["REDIS_URL"])
    limiter = str(cfg.get("RATELIMIT_STORAGE_URI") or "")
    if limiter.startswith(("redis://", "rediss://")) and limiter not in urls:
        urls.append(limiter)
    return urls


def _redis() -> str:
    from redis import Redis

    urls = redis_urls()
    if not urls:
        return "not used (embedded default)"
    for url in urls:
        Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2).ping()
    return f"{len(urls)} server(s) answer"


def _queue() -> str:
    cfg = current_app.config
    if cfg.get("TASK_BACKEND") != "rq":
        return f"in-process ({cfg.get('TASK_BACKEND')})"
    from redis import Redis
    from rq import Queue, Worker

    conn = Redis.from_url(cfg["REDIS_URL"], socket_connect_timeout=2, socket_timeout=2)
    queue = Queue(cfg["TASK_QUEUE"], connection=conn)
    return f"{queue.name}: {queue.count} waiting, {Worker.count(queue=queue)} worker(s)"


def _storage(area: str):
    def check() -> str:
        from supervision.storage.service import storage

        store = storage(area)
        store.ping()
        return repr(store)

    return check


def readiness() -> list[Check]:
    """Every readiness check, in order."""
    checks = [_timed("database", _database), _timed("migrations", _migrations), _timed("redis", _redis),
              _timed("queue", _queue)]
    checks += [_timed(f"storage:{area}", _storage(area)) for area in ("uploads", "exports")]
    return checks
