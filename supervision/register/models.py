"""The regulator's register of transferred complaints (监管转办登记, spec §7): each upload, kept like
a filing version (original by SHA-256, outcome, issues), and the entries, upserted by
``transfer_ref``."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from supervision.domain.enums import RegisterUploadStatus
from supervision.extensions import db
from supervision.orgs.models import Institution
from supervision.timeutil import utcnow


class RegisterUpload(db.Model):
    """One upload of the regulator register (§7): original kept like a filing version."""

    __tablename__ = "register_upload"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    original_filename: Mapped[str] = mapped_column(String(255))
    storage_path: Mapped[str] = mapped_column(String(500))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default=RegisterUploadStatus.RECEIVED.value)
    rows: Mapped[int] = mapped_column(Integer, default=0)
    counts: Mapped[dict] = mapped_column(JSON, default=dict)
    issues: Mapped[list] = mapped_column(JSON, default=list)
    #: the uploading supervisor's agency: its report is shown to that agency and those above it
    #: (no foreign key: see migration 0009)
    agency_id: Mapped[int | None] = mapped_column(Integer)


class RegisterEntry(db.Model):
    """A regulator-transferred complaint (监管转办登记, §7)."""

    __tablename__ = "register_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    upload_id: Mapped[int] = mapped_column(ForeignKey("register_upload.id", ondelete="CASCADE"), index=True)
    transfer_ref: Mapped[str] = mapped_column(String(64), unique=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institution.id", ondelete="RESTRICT"), index=True)
    period_code: Mapped[str] = mapped_column(String(6), index=True)
    transferred_date: Mapped[date] = mapped_column(Date)
    hotline: Mapped[str] = mapped_column(String(8))
    business_category: Mapped[str | None] = mapped_column(String(4))
    cause: Mapped[str | None] = mapped_column(String(4))
    summary: Mapped[str | None] = mapped_column(Text)

    institution: Mapped[Institution] = relationship()
