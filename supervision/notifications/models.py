"""In-app notifications of one user, with their e-mail delivery state (an outbox: the scheduler
process sends pending e-mails when ``SUPERVISION_SMTP_HOST`` is set)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from supervision.domain.enums import NotificationKind
from supervision.extensions import db
from supervision.timeutil import utcnow

#: the kinds of notification (:class:`~supervision.domain.enums.NotificationKind`)
KINDS = NotificationKind.values()
EMAIL_STATES = ("none", "pending", "sending", "sent", "failed")


class Notification(db.Model):
    """One message to one user (bilingual; the page shows the user's language)."""

    __tablename__ = "notification"
    __table_args__ = (
        UniqueConstraint("user_id", "dedupe_key"),
        CheckConstraint(NotificationKind.check("kind"), name="kind"),
        CheckConstraint("email_state IN ('none','pending','sending','sent','failed')", name="email_state"),
        Index("ix_notification_user_id_read_at", "user_id", "read_at"),
        Index("ix_notification_email_state", "email_state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(24))
    #: identifies the event so a job run twice (or a re-run) never notifies twice
    dedupe_key: Mapped[str | None] = mapped_column(String(200))
    subject_zh: Mapped[str] = mapped_column(String(300))
    subject_en: Mapped[str] = mapped_column(String(300))
    body_zh: Mapped[str] = mapped_column(Text)
    body_en: Mapped[str] = mapped_column(Text)
    #: a path inside the platform (``/findings/12``), never an external address
    link: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    email_state: Mapped[str] = mapped_column(String(8), default="none")
    emailed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    email_error: Mapped[str | None] = mapped_column(Text)
