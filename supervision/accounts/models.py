"""The user model: one role, institution or agency membership, and a session version."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from supervision.domain.enums import REGULATOR_ROLES, Role
from supervision.extensions import db
from supervision.orgs.models import Agency, Institution
from supervision.timeutil import utcnow


class User(db.Model):
    """A platform account.

    ``filer`` users belong to an institution; ``analyst``/``supervisor`` to an agency; ``admin``
    may belong to an agency. ``session_version`` is part of the Flask-Login id, so bumping it
    (logout, password change, deactivation) invalidates every session and remember-cookie.
    """

    __tablename__ = "user_account"
    __table_args__ = (
        CheckConstraint(Role.check("role"), name="role"),
        CheckConstraint(
            f"(role = '{Role.FILER}' AND institution_id IS NOT NULL AND agency_id IS NULL) OR "
            f"({Role.check('role', REGULATOR_ROLES)} AND agency_id IS NOT NULL AND institution_id IS NULL) OR "
            f"(role = '{Role.ADMIN}' AND institution_id IS NULL)",
            name="membership",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("institution.id", ondelete="RESTRICT"), index=True)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id", ondelete="RESTRICT"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    locale: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    password_changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    institution: Mapped[Institution | None] = relationship()
    agency: Mapped[Agency | None] = relationship()

    # Flask-Login protocol -------------------------------------------------
    @property
    def is_authenticated(self) -> bool:
        """Always true for a loaded user (anonymous users are a different class)."""
        return True

    @property
    def is_active(self) -> bool:
        """Deactivated users cannot log in or keep a session."""
        return bool(self.active)

    @property
    def is_anonymous(self) -> bool:
        """Never anonymous."""
        return False

    def get_id(self) -> str:
        """Session identifier ``"<id>:<session_version>"``; a bumped version invalidates it."""
        return f"{self.id}:{self.session_version}"

    # Roles -----------------------------------------------------------------
    @property
    def is_regulator(self) -> bool:
        """Analysts and supervisors (regulator staff with an agency scope)."""
        return self.role in REGULATOR_ROLES

    @property
    def is_filer(self) -> bool:
        """Institution staff."""
        return self.role == Role.FILER

    @property
    def is_admin(self) -> bool:
        """Platform administrators."""
        return self.role == Role.ADMIN

    @property
    def is_supervisor(self) -> bool:
        """Supervisors (accept/return filings, publish, manage periods and the register)."""
        return self.role == Role.SUPERVISOR

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


class LoginThrottle(db.Model):
    """Failed attempts under one key (an account, an account from one address, an account's password
    changes) and until when the next attempt is refused (:mod:`supervision.accounts.throttle`)."""

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    blocked_until: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
