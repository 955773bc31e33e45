"""API tokens (only a hash is stored) and the Idempotency-Key record of API submissions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from supervision.accounts.models import User
from supervision.extensions import db
from supervision.timeutil import utcnow

#: token scopes, weakest first: ``read`` (GET), ``submit`` (+ filing upload and withdrawal),
#: ``manage`` (+ regulator writes); a stronger scope includes the weaker ones
SCOPES = ("read", "submit", "manage")


class ApiToken(db.Model):
    """A personal access token: the SHA-256 of the secret, a display prefix, a scope and an expiry.

    The token acts as its user (the same role and scoping as the pages), never beyond its scope.
    """

    __tablename__ = "api_token"
    __table_args__ = (CheckConstraint("scope IN ('read','submit','manage')", name="scope"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scope: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_used_address: Mapped[str | None] = mapped_column(String(64))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<ApiToken {self.prefix}… {self.scope}>"


class IdempotentSubmission(db.Model):
    """An ``Idempotency-Key`` a user sent with a filing upload and the version it produced: the same
    key again returns the same version (with another file: 409)."""

    __tablename__ = "api_idempotency"
    __table_args__ = (UniqueConstraint("user_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    version_id: Mapped[int] = mapped_column(ForeignKey("filing_version.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
