"""Topic facts per filing version (spec §10.2), derived at acceptance and removed with the version.

* :class:`TopicCount` — per version and lexicon topic, the received rows mentioning it (zeros kept,
  so a derived version always has one row per topic);
* :class:`TopicRow` — which received rows mention which topic (the drill-down and ``K01`` evidence);
* :class:`TopicTerm` — the 50 most frequent other terms of the version.

Queries pick the version that counts (:mod:`supervision.filings.counting`).
"""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from supervision.extensions import db


class TopicCount(db.Model):
    """Received rows of a version mentioning a lexicon topic."""

    __tablename__ = "topic_count"
    __table_args__ = (Index("ix_topic_count_inst_period", "institution_id", "period_id"),)

    version_id: Mapped[int] = mapped_column(ForeignKey("filing_version.id", ondelete="CASCADE"), primary_key=True)
    topic: Mapped[str] = mapped_column(String(32), primary_key=True)
    institution_id: Mapped[int] = mapped_column(Integer)
    period_id: Mapped[int] = mapped_column(Integer)
    count: Mapped[int] = mapped_column(Integer)


class TopicRow(db.Model):
    """A received complaint row of a version that mentions a topic."""

    __tablename__ = "topic_row"

    version_id: Mapped[int] = mapped_column(ForeignKey("filing_version.id", ondelete="CASCADE"), primary_key=True)
    topic: Mapped[str] = mapped_column(String(32), primary_key=True)
    row_id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)


class TopicTerm(db.Model):
    """One of the most frequent other terms of a version (rows mentioning it)."""

    __tablename__ = "topic_term"

    version_id: Mapped[int] = mapped_column(ForeignKey("filing_version.id", ondelete="CASCADE"), primary_key=True)
    term: Mapped[str] = mapped_column(String(64), primary_key=True)
    rank: Mapped[int] = mapped_column(Integer)
    count: Mapped[int] = mapped_column(Integer)
