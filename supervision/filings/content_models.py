"""Normalised content of stored filing versions (spec §4, §5, §7) and derived figures (§4.4).

Rows are inserted in batches with SQLAlchemy Core (never one ORM object per row); every table
carries ``version_id`` so a version is stored, or removed, as a whole.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from supervision.extensions import db
from supervision.orgs.models import Institution

MONEY = Numeric(20, 2)
VOLUME = Numeric(24, 6)


def _version_fk():
    return mapped_column(ForeignKey("filing_version.id", ondelete="CASCADE"), index=True)


class CoverFigures(db.Model):
    """Sheet 封面 of a stored version (§4.1)."""

    __tablename__ = "cover_figures"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("filing_version.id", ondelete="CASCADE"), unique=True)
    template_version: Mapped[str] = mapped_column(String(16))
    institution_code: Mapped[str] = mapped_column(String(18))
    institution_name: Mapped[str | None] = mapped_column(String(200))
    period_code: Mapped[str] = mapped_column(String(6))
    active_customers: Mapped[int | None] = mapped_column(BigInteger)
    business_volume: Mapped[Decimal | None] = mapped_column(VOLUME)
    transactions: Mapped[int | None] = mapped_column(BigInteger)
    preparer: Mapped[str | None] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(50))


class ComplaintRow(db.Model):
    """One row of 投诉明细 (§4.2) with its derived fields."""

    __tablename__ = "complaint_row"
    __table_args__ = (
        # a version's rows in sheet order: the §6 facts take the first rows of a group without a sort;
        # the complaint-row list reads a version's rows through it whatever its filters (the index
        # (version_id, business_category) was dropped by migration 0016: every stored row paid for it)
        Index("ix_complaint_row_version_row", "version_id", "row_no"),
        # complaint ids are the institution's own: every look-up by id (P02, C09, the drill-down's
        # ``ids``, the §6 facts) names the institution too. One index serves them and the
        # institution's rows; it replaced (complaint_id) and (institution_id, period_id) (migration
        # 0018: every stored row paid for both)
        Index("ix_complaint_row_inst_complaint", "institution_id", "complaint_id"),
        # (no index on transfer_ref: no query reads rows by it, see migration 0017)
        # the full-text search of summaries (§10.2) has its trigram index on complaint_summary, filled
        # after the version's commit (supervision.topics.models.ComplaintSummary)
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("filing_version.id", ondelete="CASCADE"))
    # Copies of the version's filing's institution and period, for queries by institution and period;
    # written by the loader from that filing in the version's own transaction. No foreign key of
    # their own: the version's (and its filing's RESTRICT keys) already protect them, and three
    # referential checks per row tripled the time to bulk-load a filing (docs/decisions.md).
    institution_id: Mapped[int] = mapped_column(Integer)
    period_id: Mapped[int] = mapped_column(Integer)
    row_no: Mapped[int] = mapped_column(Integer)
    # the institution's own ids, compared bytewise on PostgreSQL (``COLLATE "C"``): each stored row's
    # entry in ``ix_complaint_row_inst_complaint`` needs no locale-aware comparison (migration 0019);
    # ids are only ever compared with ids (equality) or listed in their byte order
    complaint_id: Mapped[str] = mapped_column(String(64).with_variant(String(64, collation="C"), "postgresql"))
    received_date: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(12))
    transfer_ref: Mapped[str | None] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(4))
    business_category: Mapped[str] = mapped_column(String(4))
    cause: Mapped[str] = mapped_column(String(4))
    complaint_type: Mapped[str | None] = mapped_column(String(4))
    transactions_involved: Mapped[int | None] = mapped_column(BigInteger)
    product_code: Mapped[str | None] = mapped_column(String(64))
    province: Mapped[str | None] = mapped_column(String(2))
    customer_group: Mapped[str | None] = mapped_column(String(10))
    amount: Mapped[Decimal | None] = mapped_column(MONEY)
    status: Mapped[str] = mapped_column(String(8))
    closed_date: Mapped[date | None] = mapped_column(Date)
    extension: Mapped[str | None] = mapped_column(String(8))
    outcome: Mapped[str | None] = mapped_column(String(12))
    redress: Mapped[Decimal | None] = mapped_column(MONEY)
    escalated: Mapped[bool | None] = mapped_column(Boolean)
    repeat_of: Mapped[str | None] = mapped_column(String(64))
    summary: Mapped[str | None] = mapped_column(Text)

    institution: Mapped[Institution] = relationship(
        primaryjoin="foreign(ComplaintRow.institution_id) == Institution.id", viewonly=True)
    carried_over: Mapped[bool] = mapped_column(Boolean)
    days_to_close: Mapped[int | None] = mapped_column(Integer)
    deadline: Mapped[int | None] = mapped_column(Integer)
    on_time: Mapped[bool | None] = mapped_column(Boolean)


class SummaryRow(db.Model):
    """One row of 投诉汇总 (§4.3) as filed."""

    __tablename__ = "summary_row"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = _version_fk()
    row_no: Mapped[int] = mapped_column(Integer)
    business_category: Mapped[str] = mapped_column(String(8))
    is_total: Mapped[bool] = mapped_column(Boolean, default=False)
    received: Mapped[int] = mapped_column(BigInteger)
    closed: Mapped[int] = mapped_column(BigInteger)
    closed_on_time: Mapped[int] = mapped_column(BigInteger)
    open_end: Mapped[int] = mapped_column(BigInteger)
    regulator_transferred: Mapped[int] = mapped_column(BigInteger)


class DerivedFigures(db.Model):
    """§4.4 figures of a version per business category (``category`` NULL = whole filing),
    derived once at ingest with set-based SQL; league tables and dashboards read these."""

    __tablename__ = "derived_figures"
    __table_args__ = (
        UniqueConstraint("version_id", "business_category"),
        Index("ix_derived_figures_inst_period", "institution_id", "period_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("filing_version.id", ondelete="CASCADE"))
    institution_id: Mapped[int] = mapped_column(ForeignKey("institution.id", ondelete="RESTRICT"))
    period_id: Mapped[int] = mapped_column(ForeignKey("period.id", ondelete="RESTRICT"))
    business_category: Mapped[str | None] = mapped_column(String(4))
    opening: Mapped[int] = mapped_column(BigInteger, default=0)
    received: Mapped[int] = mapped_column(BigInteger, default=0)
    closed: Mapped[int] = mapped_column(BigInteger, default=0)
    open_end: Mapped[int] = mapped_column(BigInteger, default=0)
    on_time: Mapped[int] = mapped_column(BigInteger, default=0)
    favourable: Mapped[int] = mapped_column(BigInteger, default=0)
    escalated: Mapped[int] = mapped_column(BigInteger, default=0)
    regulator: Mapped[int] = mapped_column(BigInteger, default=0)
    txn_received: Mapped[int] = mapped_column(BigInteger, default=0)
    txn_involved: Mapped[int] = mapped_column(BigInteger, default=0)


class ProductRow(db.Model):
    """One row of 产品定价 (§5)."""

    __tablename__ = "product_row"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = _version_fk()
    row_no: Mapped[int] = mapped_column(Integer)
    product_code: Mapped[str] = mapped_column(String(64), index=True)
    product_name: Mapped[str | None] = mapped_column(String(200))
    product_type: Mapped[str] = mapped_column(String(16))
    apr_min: Mapped[Decimal | None] = mapped_column(Numeric(10, 4))
    apr_max: Mapped[Decimal | None] = mapped_column(Numeric(10, 4))
    fee_items: Mapped[str | None] = mapped_column(Text)
    auto_deduction: Mapped[bool | None] = mapped_column(Boolean)
    deduction_notice: Mapped[bool | None] = mapped_column(Boolean)
    disclosure_channels: Mapped[list | None] = mapped_column(JSON)
    disclosure_url: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[str | None] = mapped_column(String(16))


class ChannelRow(db.Model):
    """One row of 投诉渠道 (§5)."""

    __tablename__ = "channel_row"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = _version_fk()
    row_no: Mapped[int] = mapped_column(Integer)
    channel_type: Mapped[str] = mapped_column(String(10))
    contact: Mapped[str | None] = mapped_column(String(200))
    service_hours: Mapped[str | None] = mapped_column(String(100))
    accessible: Mapped[bool | None] = mapped_column(Boolean)
    elderly_friendly: Mapped[bool | None] = mapped_column(Boolean)


class PartnerRow(db.Model):
    """One row of 合作机构 (§5)."""

    __tablename__ = "partner_row"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = _version_fk()
    row_no: Mapped[int] = mapped_column(Integer)
    partner_type: Mapped[str] = mapped_column(String(12))
    partner_name: Mapped[str] = mapped_column(String(200))
    partner_code: Mapped[str | None] = mapped_column(String(18))
    contract_start: Mapped[date | None] = mapped_column(Date)
    contract_end: Mapped[date | None] = mapped_column(Date)
    published: Mapped[bool | None] = mapped_column(Boolean)


class ActivityRow(db.Model):
    """One row of 消保工作 (§5)."""

    __tablename__ = "activity_row"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = _version_fk()
    row_no: Mapped[int] = mapped_column(Integer)
    item: Mapped[str] = mapped_column(String(40))
    value: Mapped[Decimal | None] = mapped_column(Numeric(20, 2))


class ValidationIssue(db.Model):
    """A listed failure of a version (capped per rule; exact totals in ``FilingVersion.rule_totals``)."""

    __tablename__ = "validation_issue"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = _version_fk()
    rule: Mapped[str] = mapped_column(String(8), index=True)
    severity: Mapped[str] = mapped_column(String(10))
    sheet: Mapped[str | None] = mapped_column(String(64))
    row: Mapped[int | None] = mapped_column(Integer)
    column: Mapped[str | None] = mapped_column(String(8))
    field: Mapped[str | None] = mapped_column(String(40))
    value: Mapped[str | None] = mapped_column(Text)
    message_zh: Mapped[str] = mapped_column(Text)
    message_en: Mapped[str] = mapped_column(Text)
