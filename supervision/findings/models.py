"""Findings, their history, institution answers and referrals between agencies."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, CheckConstraint, Date, DateTime, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from supervision.domain.enums import FindingLevel, FindingStatus, ReferralStatus
from supervision.extensions import db
from supervision.orgs.models import Agency, Institution
from supervision.periods.models import Period
from supervision.timeutil import utcnow


class Finding(db.Model):
    """One supervisory finding; identity = (rule, institution, period, subject) (§6)."""

    __tablename__ = "finding"
    __table_args__ = (
        UniqueConstraint("rule", "institution_id", "period_id", "subject"),
        CheckConstraint(FindingLevel.check("level"), name="level"),
        CheckConstraint(FindingStatus.check("status"), name="status"),
        Index("ix_finding_period_status", "period_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rule: Mapped[str] = mapped_column(String(8), index=True)
    level: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(12), default=FindingStatus.OPEN.value)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institution.id", ondelete="RESTRICT"), index=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("period.id", ondelete="RESTRICT"))
    subject: Mapped[str] = mapped_column(String(200), default="")
    subject_label: Mapped[str | None] = mapped_column(String(500))
    evidence: Mapped[dict] = mapped_column(JSON, default=dict)
    versions: Mapped[list] = mapped_column(JSON, default=list)
    message_zh: Mapped[str] = mapped_column(Text)
    message_en: Mapped[str] = mapped_column(Text)
    ruleset_version: Mapped[str] = mapped_column(String(16))
    holds: Mapped[bool] = mapped_column(Boolean, default=True)
    visible_to_institution: Mapped[bool] = mapped_column(Boolean, default=False)
    opened_to_institution_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    remediation_due: Mapped[date | None] = mapped_column(Date)
    #: set by the daily ``remediation_tracking`` job once the remediation due date has passed
    remediation_overdue_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_checked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    institution: Mapped[Institution] = relationship()
    period: Mapped[Period] = relationship()
    events: Mapped[list[FindingEvent]] = relationship(back_populates="finding", order_by="FindingEvent.id",
                                                      cascade="all, delete-orphan")
    referrals: Mapped[list[Referral]] = relationship(back_populates="finding", order_by="Referral.id",
                                                     cascade="all, delete-orphan")


class FindingEvent(db.Model):
    """History of a finding: creation, re-evaluation, answers, decisions, referrals."""

    __tablename__ = "finding_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    finding_id: Mapped[int] = mapped_column(ForeignKey("finding.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    actor_label: Mapped[str] = mapped_column(String(254))
    action: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(12))
    to_status: Mapped[str | None] = mapped_column(String(12))
    note: Mapped[str | None] = mapped_column(Text)
    attachment_name: Mapped[str | None] = mapped_column(String(255))
    attachment_path: Mapped[str | None] = mapped_column(String(500))
    attachment_sha256: Mapped[str | None] = mapped_column(String(64))
    visible_to_institution: Mapped[bool] = mapped_column(Boolean, default=False)

    finding: Mapped[Finding] = relationship(back_populates="events")


class Referral(db.Model):
    """A finding referred (转办) to another agency: SENT → ACCEPTED → ANSWERED, or DECLINED (§1.4)."""

    __tablename__ = "referral"
    __table_args__ = (CheckConstraint(ReferralStatus.check("status"), name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    finding_id: Mapped[int] = mapped_column(ForeignKey("finding.id", ondelete="CASCADE"), index=True)
    from_agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id", ondelete="RESTRICT"))
    to_agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id", ondelete="RESTRICT"), index=True)
    status: Mapped[str] = mapped_column(String(10), default=ReferralStatus.SENT.value)
    note: Mapped[str] = mapped_column(Text)
    answer: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    previous_status: Mapped[str | None] = mapped_column(String(12))

    finding: Mapped[Finding] = relationship(back_populates="referrals")
    from_agency: Mapped[Agency] = relationship(foreign_keys=[from_agency_id])
    to_agency: Mapped[Agency] = relationship(foreign_keys=[to_agency_id])


class CheckRun(db.Model):
    """One run of the checks (who/what triggered it, scope, counts) for the dashboard and audit."""

    __tablename__ = "check_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    trigger: Mapped[str] = mapped_column(String(32))
    period_id: Mapped[int | None] = mapped_column(ForeignKey("period.id", ondelete="SET NULL"))
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("institution.id", ondelete="SET NULL"))
    rules: Mapped[list] = mapped_column(JSON, default=list)
    counts: Mapped[dict] = mapped_column(JSON, default=dict)


class FindingCitation(db.Model):
    """A filing version a finding cites (its evidence); referral recipients may open it (§1.4)."""

    __tablename__ = "finding_citation"

    finding_id: Mapped[int] = mapped_column(ForeignKey("finding.id", ondelete="CASCADE"), primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("filing_version.id", ondelete="CASCADE"), primary_key=True,
                                            index=True)
