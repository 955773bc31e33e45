"""Exponential back-off of failed logins and password changes (issue 11, defect 5; ASVS V6.3).

Two keys count the failures of a login:

* the account *from one address* (``pair:``): after ``LOGIN_FREE_ATTEMPTS`` failures each further
  one doubles the wait, up to ``LOGIN_PAIR_MAX_DELAY`` (15 minutes) — a guesser at one address slows
  down to a crawl;
* the account from *any* address (``acct:``): the same doubling but capped at
  ``LOGIN_ACCOUNT_MAX_DELAY`` (5 seconds) — guessing from many addresses stays slow, yet the right
  password from an address that made no mistakes is never refused for longer than that short delay,
  so nobody can lock another person out of their account.

While a key waits, attempts under it are refused before the password is checked (429, saying how
many seconds remain); a success clears both keys. The counters live in the database so every web
worker sees the same ones. Addresses come from the WSGI environment: behind a reverse proxy
``SUPERVISION_TRUSTED_PROXIES`` makes it the client's (ProxyFix), never a header a client can forge.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from supervision.accounts.models import LoginThrottle
from supervision.extensions import db
from supervision.timeutil import as_utc, utcnow


def _cfg(name: str, default: float) -> float:
    return float(current_app.config.get(name, default))


def delay(failures: int, cap: float) -> float:
    """Seconds to wait after ``failures`` failures: none for the first free attempts, then 1, 2, 4, … ≤ ``cap``."""
    free = int(_cfg("LOGIN_FREE_ATTEMPTS", 5))
    if failures < free:
        return 0.0
    return float(min(cap, 2 ** min(failures - free, 30)))


def login_keys(email: str, address: str | None) -> tuple[tuple[str, float], tuple[str, float]]:
    """The account key and the (account, address) key of a login, each with its cap."""
    email = (email or "").strip().lower()[:254]
    return ((f"acct:{email}", _cfg("LOGIN_ACCOUNT_MAX_DELAY", 5)),
            (f"pair:{email}|{(address or '?')[:45]}", _cfg("LOGIN_PAIR_MAX_DELAY", 900)))


def wait_seconds(keys, now: datetime | None = None) -> int:
    """Whole seconds until every key allows an attempt (0: go ahead)."""
    now = now or utcnow()
    longest = 0.0
    for key, _cap in keys:
        row = db.session.get(LoginThrottle, key)
        if row is not None:
            longest = max(longest, (as_utc(row.blocked_until) - now).total_seconds())
    return math.ceil(longest) if longest > 0 else 0


def failed(keys, now: datetime | None = None) -> None:
    """Count a failure under every key and set its next allowed time; flushes."""
    now = now or utcnow()
    for key, cap in keys:
        row = db.session.get(LoginThrottle, key)
        if row is None:
            try:
                with db.session.begin_nested():  # a concurrent first failure may insert the same key
                    row = LoginThrottle(key=key, failures=0, last_failure_at=now, blocked_until=now)
                    db.session.add(row)
            except IntegrityError:
                row = db.session.get(LoginThrottle, key)
        row.failures = (row.failures or 0) + 1
        row.last_failure_at = now
        row.blocked_until = now + timedelta(seconds=delay(row.failures, cap))
    db.session.flush()


def succeeded(keys) -> None:
    """Clear the keys after a success; flushes."""
    db.session.execute(delete(LoginThrottle).where(LoginThrottle.key.in_([k for k, _c in keys])))
    db.session.flush()


def password_change_keys(user_id: int) -> tuple[tuple[str, float]]:
    """The key of an account's password changes (wrong current passwords), capped like a guesser's."""
    return ((f"pwchange:{user_id}", _cfg("LOGIN_PAIR_MAX_DELAY", 900)),)
