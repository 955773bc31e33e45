"""Filing and filing-version models (spec §7a).

A *filing* is one institution × period × kind; every upload is a new immutable *version* whose
original bytes are stored outside the database, addressed by SHA-256.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from supervision.domain.enums import FilingKind, VersionStatus
from supervision.extensions import db
from supervision.orgs.models import Institution
from supervision.periods.models import Period
from supervision.timeutil import utcnow


class Filing(db.Model):
    """One institution's filing of one kind for one period; holds its versions."""

    __tablename__ = "filing"
    __table_args__ = (
        UniqueConstraint("institution_id", "period_id", "kind"),
        CheckConstraint(FilingKind.check("kind"), name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institution.id", ondelete="RESTRICT"), index=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("period.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[str] = mapped_column(String(3))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    institution: Mapped[Institution] = relationship()
    period: Mapped[Period] = relationship()
    versions: Mapped[list[FilingVersion]] = relationship(
        back_populates="filing", order_by="FilingVersion.number", cascade="all, delete-orphan"
    )

    @property
    def version_that_counts(self) -> FilingVersion | None:
        """The version that counts (:func:`supervision.filings.counting.version_that_counts`)."""
        from supervision.filings.counting import version_that_counts

        return version_that_counts(self.versions)

    @property
    def first_without_blocking_errors(self) -> FilingVersion | None:
        """The first version without blocking errors (:mod:`supervision.filings.counting`)."""
        from supervision.filings.counting import first_without_blocking_errors

        return first_without_blocking_errors(self.versions)


class FilingVersion(db.Model):
    """One upload: immutable original (path + SHA-256 + size) and its lifecycle state."""

    __tablename__ = "filing_version"
    __table_args__ = (
        UniqueConstraint("filing_id", "number"),
        UniqueConstraint("filing_id", "sha256"),
        CheckConstraint(VersionStatus.check("status"), name="status"),
        CheckConstraint("length(sha256) = 64", name="sha256_length"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    filing_id: Mapped[int] = mapped_column(ForeignKey("filing.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default=VersionStatus.RECEIVED.value, index=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    original_filename: Mapped[str] = mapped_column(String(255))
    storage_path: Mapped[str] = mapped_column(String(500))
    template_version: Mapped[str | None] = mapped_column(String(16))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    status_changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    #: when the version was (first) accepted: "had been accepted" is a fact, so a SUPERSEDED version
    #: that had counted can be reinstated when its successor is returned or withdrawn (decision 2)
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    note: Mapped[str | None] = mapped_column(Text)
    on_time: Mapped[bool | None] = mapped_column(Boolean)
    blocking_count: Mapped[int] = mapped_column(Integer, default=0)
    warning_count: Mapped[int] = mapped_column(Integer, default=0)
    row_counts: Mapped[dict] = mapped_column(JSON, default=dict)
    rule_totals: Mapped[dict] = mapped_column(JSON, default=dict)
    progress: Mapped[dict] = mapped_column(JSON, default=dict)
    processing_started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    processing_finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    failure: Mapped[str | None] = mapped_column(Text)
    #: while a job processes the version it renews this lease (``INGEST_LEASE_SECONDS``); a version still
    #: VALIDATING past its lease has no live job and is recovered as FAILED (supervision.filings.recovery)
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    filing: Mapped[Filing] = relationship(back_populates="versions")


class DryRun(db.Model):
    """A dry run (validate without storing, issue 11 defect 2): the file waits in a temporary area
    (``instance/dryruns``), never counts as a filing, and the run with its report is deleted once
    the report has been read or after ``DRY_RUN_TTL_MINUTES``."""

    __tablename__ = "dry_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institution.id", ondelete="CASCADE"))
    period_id: Mapped[int] = mapped_column(ForeignKey("period.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(3))
    filename: Mapped[str] = mapped_column(String(255))
    path: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(12), default="queued")
    report: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    period: Mapped[Period] = relationship()
