"""Topic facts per filing version (spec §10.2), derived at acceptance and removed with the version.

* :class:`TopicCount` — per version and lexicon topic, the received rows mentioning it (zeros kept,
  so a derived version always has one row per topic);
* :class:`TopicRow` — which received rows mention which topic (the drill-down and ``K01`` evidence);
* :class:`TopicTerm` — the 50 most frequent other terms of the version;
* :class:`ComplaintSummary` — the version's summaries under the search's trigram index.

Queries pick the version that counts (:mod:`supervision.filings.counting`).
"""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text, text
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
    """A received complaint row of a version that mentions a topic, named by its ``row_no`` (the
    version's rows are looked up by ``ix_complaint_row_version_row``): the ingest's tally is keyed
    by ``row_no`` already, so its mentions are copied as they are, with no join back to the stored
    rows' ids (migration 0019, issue 12)."""

    __tablename__ = "topic_row"

    version_id: Mapped[int] = mapped_column(ForeignKey("filing_version.id", ondelete="CASCADE"), primary_key=True)
    # lexicon codes (ASCII) compared bytewise on PostgreSQL: the primary key's entries need no
    # locale-aware comparison (migration 0019)
    topic: Mapped[str] = mapped_column(String(32).with_variant(String(32, collation="C"), "postgresql"),
                                       primary_key=True)
    row_no: Mapped[int] = mapped_column(Integer, primary_key=True)


class TopicTerm(db.Model):
    """One of the most frequent other terms of a version (rows mentioning it)."""

    __tablename__ = "topic_term"

    version_id: Mapped[int] = mapped_column(ForeignKey("filing_version.id", ondelete="CASCADE"), primary_key=True)
    term: Mapped[str] = mapped_column(String(64), primary_key=True)
    rank: Mapped[int] = mapped_column(Integer)
    count: Mapped[int] = mapped_column(Integer)


class ComplaintSummary(db.Model):
    """The non-empty (masked) summary of one stored complaint row, for the full-text search of §10.2
    (issue 15): a trigram GIN index serves ``LIKE '%…%'`` on PostgreSQL.

    It is filled in a transaction of its own after the version's commit, by a queue worker or the
    ``ingest_recovery`` job (:mod:`supervision.topics.search`), so that the trigram index is kept up
    off the ingest's path (issue 12: 1.1 s of the store at 200,000 rows, about 5 s with distinct
    texts). A
    version whose rows are not here (yet) is searched in ``complaint_row`` itself, so a search is
    complete at any time. On SQLite the table stays empty (no trigram index: the search scans)."""

    __tablename__ = "complaint_summary"
    __table_args__ = (
        Index("ix_complaint_summary_trgm", "summary", postgresql_using="gin",
              postgresql_ops={"summary": "gin_trgm_ops"}, sqlite_where=text("0")),
    )

    version_id: Mapped[int] = mapped_column(ForeignKey("filing_version.id", ondelete="CASCADE"), primary_key=True)
    row_id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    summary: Mapped[str] = mapped_column(Text)
