"""Customer-group facts per filing version, derived at acceptance with set-based SQL.

* :class:`GroupFact` — per version and ``customer_group`` (empty stored as ``NONE``): received rows,
  closed rows and, of those, on time, favourable (§4.4), escalated, and the sum of ``days_to_close``;
* :class:`GroupCause` — per version, group and cause: received rows.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from supervision.extensions import db


class GroupFact(db.Model):
    """Counts of one customer group in one version."""

    __tablename__ = "group_fact"
    __table_args__ = (Index("ix_group_fact_inst_period", "institution_id", "period_id"),)

    version_id: Mapped[int] = mapped_column(ForeignKey("filing_version.id", ondelete="CASCADE"), primary_key=True)
    customer_group: Mapped[str] = mapped_column(String(10), primary_key=True)
    institution_id: Mapped[int] = mapped_column(Integer)
    period_id: Mapped[int] = mapped_column(Integer)
    received: Mapped[int] = mapped_column(BigInteger)
    closed: Mapped[int] = mapped_column(BigInteger)
    on_time: Mapped[int] = mapped_column(BigInteger)
    favourable: Mapped[int] = mapped_column(BigInteger)
    escalated: Mapped[int] = mapped_column(BigInteger)
    days_sum: Mapped[int] = mapped_column(BigInteger)


class GroupCause(db.Model):
    """Received rows of one customer group with one cause in one version."""

    __tablename__ = "group_cause"

    version_id: Mapped[int] = mapped_column(ForeignKey("filing_version.id", ondelete="CASCADE"), primary_key=True)
    customer_group: Mapped[str] = mapped_column(String(10), primary_key=True)
    cause: Mapped[str] = mapped_column(String(4), primary_key=True)
    received: Mapped[int] = mapped_column(BigInteger)
