"""Token actions: create (the secret is returned once), revoke, authenticate a bearer token, record
its use. Each takes the acting user (None = an operator at the console), flushes, never commits."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select

from supervision.accounts.models import User
from supervision.audit.services import record
from supervision.domain.enums import Role
from supervision.errors import ServiceError
from supervision.extensions import db
from supervision.timeutil import as_utc, utcnow
from supervision.tokens.models import SCOPES, ApiToken

TOKEN_PREFIX = "svt_"
MAX_DAYS = 366
DEFAULT_DAYS = 90
#: how often the last use of a token is written (at most once a minute per token)
TOUCH_EVERY = timedelta(seconds=60)


class TokenError(ServiceError):
    """A refused token action (bilingual message, HTTP status)."""


def hash_token(secret: str) -> str:
    """SHA-256 of a token secret (tokens carry 256 random bits, so a fast hash is enough)."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def scopes_for(role: str) -> tuple[str, ...]:
    """The scopes a user of ``role`` may give a token, only those the role can use: filers file (``submit``)
    but take no regulator action (no ``manage``); regulator staff and admins never file (no ``submit``)."""
    return ("read", "submit") if role == Role.FILER else ("read", "manage")


def scope_allows(granted: str, needed: str) -> bool:
    """Whether a token of scope ``granted`` may do what needs ``needed`` (read < submit < manage)."""
    return SCOPES.index(granted) >= SCOPES.index(needed)


def create_token(actor, user: User, scope: str, days: int = DEFAULT_DAYS, name: str = "") -> tuple[ApiToken, str]:
    """A new token for ``user``; returns it and its secret (shown once, never stored)."""
    if actor is not None and actor.id != user.id:
        raise TokenError("只能为自己的账户创建令牌 / you may create tokens for your own account only", 403)
    if not user.is_active:
        raise TokenError("账户已停用，不能创建令牌 / the account is not active", 409)
    if scope not in scopes_for(user.role):
        raise TokenError(f"该角色的令牌权限只能是 {'、'.join(scopes_for(user.role))} / a token of this role may only "
                         f"have scope {', '.join(scopes_for(user.role))}", 400)
    if not 1 <= int(days) <= MAX_DAYS:
        raise TokenError(f"有效期须为 1 至 {MAX_DAYS} 天 / the validity must be 1 to {MAX_DAYS} days", 400)
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    token = ApiToken(user_id=user.id, name=(name or "").strip()[:100], prefix=secret[:12],
                     token_hash=hash_token(secret), scope=scope, created_at=now,
                     expires_at=now + timedelta(days=int(days)))
    db.session.add(token)
    db.session.flush()
    record("api_token_created", actor=actor, object_type="api_token", object_id=token.id,
           detail={"user": user.email, "scope": scope, "days": int(days), "prefix": token.prefix})
    return token, secret


def tokens_of(user: User) -> list[ApiToken]:
    """The user's tokens, newest first (revoked and expired ones included)."""
    return list(db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)
                                   .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))


def revoke_token(actor, token: ApiToken) -> None:
    """Revoke a token (its owner, an administrator or a console operator); revoking twice is a no-op."""
    if actor is not None and actor.id != token.user_id and actor.role != Role.ADMIN:
        raise TokenError("不能吊销他人的令牌 / you may not revoke another user's token", 404)
    if token.revoked_at is not None:
        return
    token.revoked_at = utcnow()
    db.session.flush()
    record("api_token_revoked", actor=actor, object_type="api_token", object_id=token.id,
           detail={"user": token.user.email, "prefix": token.prefix})


def is_usable(token: ApiToken) -> bool:
    """Not revoked, not expired, and its user active."""
    return token.revoked_at is None and as_utc(token.expires_at) > utcnow() and token.user.is_active


def authenticate(secret: str) -> ApiToken | None:
    """The usable token whose secret this is, or None."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 100:
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(secret)))
    return token if token is not None and is_usable(token) else None


def touch(token: ApiToken, address: str | None) -> bool:
    """Record the token's use (time and address), at most once a minute; True when written."""
    now = utcnow()
    last = as_utc(token.last_used_at) if token.last_used_at else None
    if last is not None and now - last < TOUCH_EVERY and token.last_used_address == address:
        return False
    token.last_used_at = now
    token.last_used_address = (address or "")[:64] or None
    db.session.flush()
    return True
