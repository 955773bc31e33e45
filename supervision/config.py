"""Configuration from ``SUPERVISION_*`` environment variables (see README's configuration table).

Nothing here runs at import time: :func:`load_config` reads the environment when the app is built.
Values the spec marks *(config)* live here with the spec's defaults.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def default_instance() -> Path:
    """Where the embedded defaults live when ``SUPERVISION_INSTANCE_PATH`` is not set: ``instance/``
    of a source checkout, else (an installed wheel) ``<sys.prefix>/var/supervision-instance`` as
    Flask does for installed packages — never inside ``site-packages``."""
    from supervision.version import source_checkout

    if source_checkout():
        return PROJECT_ROOT / "instance"
    return Path(sys.prefix) / "var" / "supervision-instance"

#: (config) values of the filing specification with their defaults.
SPEC_DEFAULTS: dict[str, object] = {
    "DUE_DAYS": 15,  # §2 due date = period end + 15 calendar days
    "LOCK_DAYS": 90,  # §2 period locked 90 days after its end
    "MAX_UPLOAD_BYTES": 100 * 1024 * 1024,  # §3 upload ≤ 100 MiB
    "MAX_UNPACKED_BYTES": 1024 * 1024 * 1024,  # §3 unpacked ≤ 1 GiB
    "MAX_COMPRESSION_RATIO": 100,  # §3 ≤ 100:1 per part
    "MAX_ROWS": 1_000_000,  # §3 data rows per sheet
    "MAX_COLUMNS": 100,  # §3 columns
    "AUTO_ACCEPT": True,  # §7a auto-accept on by default
    "APR_CAP": 24,  # §6 D02 comprehensive financing cost cap, %
    "MIN_ACTIVE_CUSTOMERS": 10_000,  # §8 eligibility
    "COMPOSITE_WEIGHTS": (
        "per_10k_customers:30,on_time_rate:25,favourable_rate:15,escalation_rate:15,disclosure_score:15"
    ),
    "GRADE_THRESHOLDS": "A:80,B:60,C:40",  # §8 else D
    "GROWTH_MIN_RECEIVED": 30,  # §10.1 fastest growing: received in P at least
    "GROWTH_MIN_PREVIOUS": 10,  # §10.1 fastest growing: received in P−1 at least
    "G01_THRESHOLDS": "min_closed:20,on_time_gap:10,favourable_gap:15",  # §10.3 G01
    "K01_THRESHOLDS": "min_rows:20,rise_pct:100",  # §10.3 K01
    "ERROR_CAP_PER_RULE": 1000,  # issue list cap per rule (totals always exact)
}

#: scheduler, jobs and e-mail (README "Scheduled work"); times are Asia/Shanghai, "HH:MM" daily or
#: "cron:SEC MIN HOUR DAY MONTH DOW"
JOB_DEFAULTS: dict[str, object] = {
    "JOB_PERIOD_LOCK_AT": "00:30",  # period locking (§2 lock date)
    "JOB_OVERDUE_AT": "01:00",  # T01 overdue marking for periods past due
    "JOB_POST_DEADLINE_AT": "02:00",  # the day after a due date: checks, league draft, summary workbook
    "JOB_REMINDERS_AT": "08:00",  # reminders before a due date
    "JOB_REMEDIATION_AT": "08:10",  # remediation due dates: reminders before, overdue after
    "JOB_INGEST_RECOVERY_AT": "cron:0 */5 * * * *",  # versions stalled past their lease become FAILED
    "REMINDER_DAYS": "7,3,1",  # days before the due date
    "JOB_RETRIES": 2,  # retries of a failed job run
    "JOB_RETRY_DELAY": 60,  # seconds between attempts
    "JOB_MISFIRE_GRACE": 3600,  # seconds: a run missed while the scheduler was down is caught up
    "SCHEDULER_POLL_SECONDS": 10,  # "run now" requests, e-mail delivery
    "SCHEDULER_HEARTBEAT_SECONDS": 60,  # the scheduler process records that it is alive
    "SMTP_HOST": "",  # e-mail is sent only when set
    "SMTP_PORT": 25,
    "SMTP_USER": "",
    "SMTP_PASSWORD": "",
    "SMTP_STARTTLS": False,
    "SMTP_SSL": False,
    "SMTP_FROM": "noreply@localhost",
    "SMTP_TIMEOUT": 10,
}

_BOOL_TRUE = {"1", "true", "yes", "on", "y"}
_BOOL_FALSE = {"0", "false", "no", "off", "n", ""}

WEAK_SECRETS = {"dev", "secret", "changeme", "change-me", "development", "test", "password"}


class ConfigError(RuntimeError):
    """Raised when the configuration is invalid or insecure for the chosen environment."""


def _env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(f"SUPERVISION_{name}", default)


def _bool(name: str, value: str) -> bool:
    v = value.strip().lower()
    if v in _BOOL_TRUE:
        return True
    if v in _BOOL_FALSE:
        return False
    raise ConfigError(f"SUPERVISION_{name} 应为布尔值 / must be a boolean, got {value!r}")


def _int(name: str, value: str) -> int:
    try:
        return int(value)
    except ValueError as exc:
        raise ConfigError(f"SUPERVISION_{name} 应为整数 / must be an integer, got {value!r}") from exc


def _choice(name: str, choices: tuple[str, ...], default: str) -> str:
    value = (_env(name, default) or default).strip().lower()
    if value not in choices:
        raise ConfigError(f"SUPERVISION_{name} 应为 {'/'.join(choices)} 之一 / must be one of "
                          f"{', '.join(choices)}, got {value!r}")
    return value


def _instance_secret(instance: Path) -> str:
    """Secret key for the embedded default: generated once and stored under ``instance/``.

    Processes that start together on a fresh instance (web workers, the ingest command and its guard
    helper) must all get the one key: it is generated under an exclusive lock on the instance folder
    by the first of them, written to a private temporary file and renamed to ``secret_key`` in one
    step, so the file is never seen half-written and the others read that key. An empty file (left
    by a crash of an earlier release, which created the file before writing it) is replaced, never
    used."""
    import fcntl

    path = instance / "secret_key"
    key = _read_secret(path)
    if key:
        return key
    instance.mkdir(parents=True, exist_ok=True)
    folder = os.open(instance, os.O_RDONLY)
    try:
        fcntl.flock(folder, fcntl.LOCK_EX)  # released when the descriptor is closed
        key = _read_secret(path)
        if key:
            return key  # another process generated it meanwhile
        fd, temp = tempfile.mkstemp(prefix=".secret_key-", dir=instance)  # mode 0600
        try:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_urlsafe(48))
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(temp, path)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp)
        return _read_secret(path)
    finally:
        os.close(folder)


def _read_secret(path: Path) -> str:
    """The stored key, or "" when there is none (yet)."""
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        return ""


def load_config(overrides: dict | None = None) -> dict:
    """Build the Flask config mapping from the environment, then apply ``overrides``.

    Raises :class:`ConfigError` naming every insecure setting when the environment is
    ``production``.
    """
    overrides = dict(overrides or {})
    env = (overrides.pop("ENV", None) or _env("ENV", "development")).strip().lower()
    if env not in {"development", "production", "testing"}:
        raise ConfigError(
            f"SUPERVISION_ENV 应为 development 或 production / must be development or production: {env!r}")
    instance = Path(overrides.get("INSTANCE_PATH") or _env("INSTANCE_PATH") or default_instance()).resolve()
    cfg: dict[str, object] = {
        "SUPERVISION_ENV": env,
        "INSTANCE_PATH": str(instance),
        "SQLALCHEMY_DATABASE_URI": _env("DATABASE_URL") or f"sqlite:///{instance / 'supervision.db'}",
        "UPLOAD_FOLDER": _env("UPLOAD_FOLDER") or str(instance / "uploads"),
        "EXPORT_FOLDER": _env("EXPORT_FOLDER") or str(instance / "exports"),
        # object storage (issue 16): empty = the local folders above; s3://bucket[/prefix] = an
        # S3-compatible bucket shared by every node (docs/deploy.md)
        "STORAGE_URL": _env("STORAGE_URL", ""),
        "S3_ENDPOINT_URL": _env("S3_ENDPOINT_URL"),
        "S3_ACCESS_KEY_ID": _env("S3_ACCESS_KEY_ID"),
        "S3_SECRET_ACCESS_KEY": _env("S3_SECRET_ACCESS_KEY"),
        "S3_REGION": _env("S3_REGION", "us-east-1"),
        # /metrics: answered to these addresses (comma-separated) or to "Authorization: Bearer <token>"
        "METRICS_ALLOW": _env("METRICS_ALLOW", "127.0.0.1,::1"),
        "METRICS_TOKEN": _env("METRICS_TOKEN"),
        # queue workers and the scheduler (no web pages): their own metrics port, if any
        "METRICS_PORT": _env("METRICS_PORT"),
        "METRICS_BIND": _env("METRICS_BIND", "127.0.0.1"),
        "TIMEZONE": "Asia/Shanghai",
        "BABEL_DEFAULT_LOCALE": "zh",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai",
        "LANGUAGES": ["zh", "en"],
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_NAME": "supervision_session",
        "WTF_CSRF_TIME_LIMIT": None,
        "RATELIMIT_STORAGE_URI": _env("RATELIMIT_STORAGE_URL", "memory://"),
        "RATELIMIT_HEADERS_ENABLED": False,
        "LOGIN_RATE_LIMIT": _env("LOGIN_RATE_LIMIT", "10 per minute;50 per hour"),
        # per-account back-off (supervision.accounts.throttle): free attempts, then 1, 2, 4 … seconds
        "LOGIN_FREE_ATTEMPTS": int(_env("LOGIN_FREE_ATTEMPTS", "5")),
        "LOGIN_ACCOUNT_MAX_DELAY": int(_env("LOGIN_ACCOUNT_MAX_DELAY", "5")),
        "LOGIN_PAIR_MAX_DELAY": int(_env("LOGIN_PAIR_MAX_DELAY", "900")),
        # remember-me cookie lifetime and the idle timeout of a signed-in session
        "REMEMBER_COOKIE_DURATION": timedelta(days=int(_env("REMEMBER_DAYS", "30"))),
        "SESSION_IDLE_MINUTES": int(_env("SESSION_IDLE_MINUTES", str(8 * 60))),
        "API_RATE_LIMIT": _env("API_RATE_LIMIT", "300 per minute"),  # per API token (issue 13)
        "REDIS_URL": _env("REDIS_URL"),
        # backups on PostgreSQL: folder of pg_dump/pg_restore of the server's major version (optional)
        "PG_BIN_DIR": _env("PG_BIN_DIR"),
        # optional: real third-party data (complaint texts) for the demo; nothing needs it
        "SHARED_DATA_DIR": _env("SHARED_DATA_DIR") or None,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "TASK_BACKEND": _env("TASK_BACKEND", "thread"),
        "TASK_QUEUE": _env("TASK_QUEUE", "supervision"),
        "INGEST_MEMORY_LIMIT_MB": int(_env("INGEST_MEMORY_LIMIT_MB", "4096")),
        "INGEST_TIME_LIMIT": int(_env("INGEST_TIME_LIMIT", "900")),
        "INGEST_SECONDS_PER_MIB": float(_env("INGEST_SECONDS_PER_MIB", "20")),
        # PostgreSQL: copy a version's rows while its sheet is read (supervision.filings.pgcopy)
        "INGEST_COPY_WHILE_READING": _choice("INGEST_COPY_WHILE_READING", ("auto", "on", "off"), "auto"),
        # the processing lease a job renews every quarter of it; past it a VALIDATING version is recovered
        "INGEST_LEASE_SECONDS": int(_env("INGEST_LEASE_SECONDS", "120")),
        # a dry run's report waits this long to be read, then it is deleted with its file
        "DRY_RUN_TTL_MINUTES": int(_env("DRY_RUN_TTL_MINUTES", "60")),
        # bodies of routes that take no file (supervision.main.limits)
        "MAX_FORM_BYTES": int(_env("MAX_FORM_BYTES", str(64 * 1024))),
        # reverse proxies in front of the application (hops whose X-Forwarded-For/-Proto are trusted)
        "TRUSTED_PROXIES": int(_env("TRUSTED_PROXIES", "0")),
        "ARGON2_TIME_COST": 3,
        "ARGON2_MEMORY_COST": 65536,
        "ARGON2_PARALLELISM": 4,
    }
    for key, default in {**SPEC_DEFAULTS, **JOB_DEFAULTS}.items():
        raw = _env(key)
        if raw is None:
            cfg[key] = default
        elif isinstance(default, bool):
            cfg[key] = _bool(key, raw)
        elif isinstance(default, int):
            cfg[key] = _int(key, raw)
        else:
            cfg[key] = raw
    secret = _env("SECRET_KEY")
    cfg["SECRET_KEY_SOURCE"] = "environment" if secret else "instance"
    cfg["SECRET_KEY"] = secret
    secure_cookie = env == "production"
    cfg["SESSION_COOKIE_SECURE"] = secure_cookie
    cfg["REMEMBER_COOKIE_SECURE"] = secure_cookie
    cfg.update(overrides)
    if str(cfg.get("SQLALCHEMY_DATABASE_URI", "")).startswith("postgresql"):
        # connections per process (docs/deploy.md "Sizing"): pool + overflow, × processes < max_connections
        opts = dict(cfg.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        opts.setdefault("pool_size", int(_env("DB_POOL_SIZE", "5")))
        opts.setdefault("max_overflow", int(_env("DB_MAX_OVERFLOW", "5")))
        cfg["SQLALCHEMY_ENGINE_OPTIONS"] = opts
    if not cfg["SECRET_KEY"]:
        if env == "production":
            cfg["SECRET_KEY"] = None
        else:
            cfg["SECRET_KEY"] = _instance_secret(Path(cfg["INSTANCE_PATH"]))
    if env == "production":
        problems = production_problems(cfg)
        if problems:
            raise ConfigError(
                "生产环境配置不安全，拒绝启动 / insecure production configuration, refusing to start:\n- "
                + "\n- ".join(problems)
            )
    return cfg


def production_problems(cfg: dict) -> list[str]:
    """Every reason the configuration is unfit for production (empty when fine)."""
    problems = []
    key = cfg.get("SECRET_KEY") or ""
    if not key:
        problems.append("SUPERVISION_SECRET_KEY 未设置 / is not set")
    elif len(key) < 32 or key.lower() in WEAK_SECRETS or len(set(key)) < 10:
        problems.append("SUPERVISION_SECRET_KEY 太弱（至少32个字符且不可为常见值） / "
                        "is too weak (≥ 32 varied characters)")
    if str(cfg.get("SQLALCHEMY_DATABASE_URI", "")).startswith("sqlite"):
        problems.append("SUPERVISION_DATABASE_URL 应指向 PostgreSQL / must point at PostgreSQL "
                        "(SQLite is the embedded default only)")
    if not cfg.get("SESSION_COOKIE_SECURE"):
        problems.append("会话 Cookie 须为 Secure / session cookie must be Secure")
    if cfg.get("DEBUG"):
        problems.append("DEBUG 不可开启 / DEBUG must be off")
    if cfg.get("TASK_BACKEND") not in ("thread", "rq", "sync"):
        problems.append("SUPERVISION_TASK_BACKEND 应为 thread、rq 或 sync / must be thread, rq or sync")
    if cfg.get("TASK_BACKEND") == "rq" and not cfg.get("REDIS_URL"):
        problems.append("SUPERVISION_REDIS_URL 未设置（rq 队列需要）/ is required by the rq task backend")
    if str(cfg.get("RATELIMIT_STORAGE_URI", "")).startswith("memory"):
        problems.append(
            "SUPERVISION_RATELIMIT_STORAGE_URL 应指向 Redis（多进程共享登录限速）/ must point at Redis "
            "so login rate limits hold across workers"
        )
    return problems
