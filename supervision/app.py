"""Application factory: ``create_app(config=None)`` built from small ``register_*`` steps."""

from __future__ import annotations

import logging
import uuid
from pathlib import Path

from flask import Flask, g, request, session
from flask_login import current_user
from sqlalchemy import event

from supervision.config import load_config
from supervision.extensions import babel, csrf, db, limiter, login_manager
from supervision.transactions import begin_statement, begin_write

log = logging.getLogger(__name__)

#: The Alembic history ships inside the package, so an installed wheel can run ``supervision db upgrade``.
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def create_app(config: dict | None = None, *, web: bool = True) -> Flask:
    """Build the web application; ``config`` overrides values read from ``SUPERVISION_*``.

    ``web=False`` builds the same configuration, extensions and models without the pages, request
    hooks and commands (Flask-Migrate's included): the ingest command and its child need no more,
    and start faster.
    """
    cfg = load_config(config)
    app = Flask(__name__, instance_path=cfg["INSTANCE_PATH"], instance_relative_config=False)
    from supervision.main.limits import BoundedInt

    app.url_map.converters["int"] = BoundedInt  # before any blueprint registers a route
    app.config.update(cfg)
    # Flask defines MAX_CONTENT_LENGTH (as None), so it is set here, not defaulted: uploads may carry the
    # §3 upload limit plus form overhead; every other route far less (supervision.main.limits)
    app.config["MAX_CONTENT_LENGTH"] = int(cfg.get("MAX_CONTENT_LENGTH")
                                           or int(cfg["MAX_UPLOAD_BYTES"]) + 2 * 1024 * 1024)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    register_extensions(app, migrations=web)
    register_models()
    register_logging(app)
    if not web:
        return app
    register_blueprints(app)
    register_request_limits(app)
    register_ops(app)
    register_request_hooks(app)
    register_api(app)
    register_write_transactions(app)
    register_errorhandlers(app)
    register_template_helpers(app)
    register_commands(app)
    return app


def _select_locale():
    lang = request.args.get("lang") or session.get("lang")
    if not lang and current_user and getattr(current_user, "is_authenticated", False):
        lang = getattr(current_user, "locale", None)
    from flask import current_app

    return lang if lang in current_app.config["LANGUAGES"] else current_app.config["BABEL_DEFAULT_LOCALE"]


def _sqlite_pragmas(dbapi_connection, connection_record):
    # Let SQLAlchemy (not the sqlite3 module) manage transactions, so SAVEPOINT and
    # BEGIN IMMEDIATE work as documented; enforce foreign keys; WAL for concurrent readers.
    dbapi_connection.isolation_level = None
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def _sqlite_begin(conn):
    # deferred unless the connection asks to begin as a writer (supervision.transactions)
    conn.exec_driver_sql(begin_statement(conn.get_execution_options()))


def register_extensions(app: Flask, *, migrations: bool = True) -> None:
    """Bind the unbound extensions to ``app`` (SQLite gets correct transaction handling);
    ``migrations``: Flask-Migrate too (its ``db`` commands), which the ingest command and its child
    leave out (it imports Alembic: 0.1 s of their start)."""
    db.init_app(app)
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _sqlite_pragmas)
            event.listen(engine, "begin", _sqlite_begin)
            from supervision.sqlitestage import detach_staged

            event.listen(engine, "checkin", detach_staged)  # a bulk load's staging file, once out of its transaction
    if migrations:
        from supervision.extensions import migrate

        migrate.init_app(app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=_select_locale,
                   default_translation_directories=str(Path(__file__).parent / "translations"))
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.session_protection = "strong"
    from flask_babel import lazy_gettext

    login_manager.login_message = lazy_gettext("Please log in to see this page.")
    login_manager.login_message_category = "warning"

    from supervision.accounts.services import load_session_user

    login_manager.user_loader(load_session_user)


def register_models() -> None:
    """Import every model module so metadata (and Alembic) sees all tables."""
    from supervision import models  # noqa: F401


def register_blueprints(app: Flask) -> None:
    """Register each feature package's blueprint ``bp``."""
    from supervision.accounts.views import bp as accounts_bp
    from supervision.admin.views import bp as admin_bp
    from supervision.analytics.views import bp as analytics_bp
    from supervision.exports.views import bp as exports_bp
    from supervision.filings.views import bp as filings_bp
    from supervision.findings.views import bp as findings_bp
    from supervision.findings.views import rules_bp
    from supervision.jobs.views import bp as jobs_bp
    from supervision.league.views import bp as league_bp
    from supervision.main.views import bp as main_bp
    from supervision.notice.views import bp as notice_bp
    from supervision.notifications.views import bp as notifications_bp
    from supervision.orgs.views import bp as orgs_bp
    from supervision.parameters.views import bp as parameters_bp
    from supervision.periods.views import bp as periods_bp
    from supervision.register.views import bp as register_bp
    from supervision.tokens.views import bp as tokens_bp
    from supervision.topics.views import bp as topics_bp
    from supervision.vulnerable.views import bp as vulnerable_bp

    for bp in (main_bp, accounts_bp, periods_bp, orgs_bp, filings_bp, register_bp, findings_bp, rules_bp, league_bp,
               admin_bp, parameters_bp, exports_bp, notifications_bp, jobs_bp, analytics_bp, topics_bp, vulnerable_bp,
               notice_bp, tokens_bp):
        app.register_blueprint(bp)


def register_logging(app: Flask) -> None:
    """JSON log lines with the request id when ``SUPERVISION_LOG_FORMAT=json`` (issue 16)."""
    from supervision.ops.logs import configure

    configure(app)


def register_ops(app: Flask) -> None:
    """``/healthz``, ``/readyz``, ``/metrics`` and the request-latency metric (issue 16)."""
    from supervision.ops.views import register

    register(app)


def register_request_limits(app: Flask) -> None:
    """Body limits before anything reads the body; the client address behind
    ``SUPERVISION_TRUSTED_PROXIES`` reverse proxies (none by default, so it cannot be spoofed);
    NUL bytes and out-of-range ids in the URL answered 400/404 (supervision.main.limits)."""
    from supervision.main import limits

    limits.register(app)
    hops = int(app.config.get("TRUSTED_PROXIES") or 0)
    if hops > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=0, x_port=0, x_prefix=0)


def register_request_hooks(app: Flask) -> None:
    """Request id on every request and response; security headers; no caching of pages."""

    @app.before_request
    def _request_id():
        rid = request.headers.get("X-Request-ID", "")
        g.request_id = rid if rid and len(rid) <= 64 and rid.replace("-", "").isalnum() else uuid.uuid4().hex

    @app.after_request
    def _headers(response):
        response.headers["X-Request-ID"] = g.get("request_id", "")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "frame-ancestors 'none'; form-action 'self'",
        )
        if request.endpoint != "static":
            # set, not defaulted: send_file's own "no-cache" would let a shared cache keep downloads
            response.headers["Cache-Control"] = "no-store"
        if app.config.get("SUPERVISION_ENV") == "production":
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response

    @app.teardown_request
    def _rollback_on_error(exc):
        if exc is not None:
            db.session.rollback()


def register_api(app: Flask) -> None:
    """The REST API at ``/api/v1`` (flask-smorest, bearer tokens; :mod:`supervision.api`)."""
    from supervision.api import register_api as register

    register(app)


def register_write_transactions(app: Flask) -> None:
    """SQLite: a request that may write begins as a writer, so a commit made by an ingest between
    its first read and its write cannot fail it (:mod:`supervision.transactions`). The hook runs
    after every other one (API authentication commits a token's use), so a refused API request never
    waits for the lock. A web form's body has been read by then (the CSRF check); an API call that
    takes a file streams its body in the view, which must not hold the lock: those views (and
    their services) begin their write once the file is stored."""

    @app.before_request
    def _writes_begin_as_writers():
        if request.method in ("GET", "HEAD", "OPTIONS") or request.endpoint is None:
            return
        view = app.view_functions.get(request.endpoint)
        if view is not None and getattr(view, "accepts_upload", False) and request.path.startswith("/api/"):
            return
        begin_write(db.session)


def register_errorhandlers(app: Flask) -> None:
    """Friendly 400/403/404/405/413/429/500 pages in the site layout; 500 shows a reference id."""
    from supervision.main.errors import register

    register(app)


def register_template_helpers(app: Flask) -> None:
    """Jinja globals and filters (local time display, role navigation)."""
    from supervision.main.helpers import register

    register(app)


def register_commands(app: Flask) -> None:
    """Register the operator CLI commands (``supervision --help``)."""
    from supervision.cli.commands import register

    register(app)
