"""The complaint cube (spec §10.1): per filing version, counts and sums at every grain of at most
two complaint dimensions, and the histogram of ``days_to_close`` at the same grains.

Every row carries ``version_id``: the cube of a version is written in the version's own ingest
transaction and removed with it; readers pick the version that counts
(:mod:`supervision.filings.counting`), so the cube follows supersede, return and withdraw exactly
as the league inputs do. ``dim_a``/``dim_b`` name the grain (``""`` when unused, canonical order of
:data:`supervision.analytics.dims.ROW_DIMS`), ``val_a``/``val_b`` the values.
"""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from supervision.extensions import db

MONEY = Numeric(20, 2)
#: a grain's dimension name (ASCII): compared bytewise on PostgreSQL (see :class:`CubeDays`)
GRAIN = String(20).with_variant(String(20, collation="C"), "postgresql")


class CubeCell(db.Model):
    """Counts and sums of one cell of one version's cube."""

    __tablename__ = "cube_cell"
    __table_args__ = (Index("ix_cube_cell_version_grain", "version_id", "dim_a", "dim_b"),
                      Index("ix_cube_cell_period_grain", "period_id", "dim_a", "dim_b"))

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("filing_version.id", ondelete="CASCADE"))
    # copies of the version's filing's institution and period (as on complaint_row)
    institution_id: Mapped[int] = mapped_column(Integer)
    period_id: Mapped[int] = mapped_column(Integer)
    dim_a: Mapped[str] = mapped_column(String(20))
    val_a: Mapped[str] = mapped_column(String(12))
    dim_b: Mapped[str] = mapped_column(String(20))
    val_b: Mapped[str] = mapped_column(String(12))
    received: Mapped[int] = mapped_column(BigInteger)
    closed: Mapped[int] = mapped_column(BigInteger)
    on_time: Mapped[int] = mapped_column(BigInteger)
    favourable: Mapped[int] = mapped_column(BigInteger)
    escalated: Mapped[int] = mapped_column(BigInteger)
    extended: Mapped[int] = mapped_column(BigInteger)
    amount_sum: Mapped[Decimal] = mapped_column(MONEY)
    redress_sum: Mapped[Decimal] = mapped_column(MONEY)


class CubeDays(db.Model):
    """How many closed rows of one cell took ``days`` calendar days (median and p90 are exact).

    A version's histogram has about half as many rows as it has complaints (102,045 for 200,000),
    all written by one bulk load, so each row costs as little as it can (migration 0019, issue 12):

    * no surrogate ``id``: a row is named by its cell and ``days`` (one row each, by construction:
      the mapper's primary key below), and is only ever read and deleted by version; a sequence
      value and a primary-key entry per row cost about as much as the rest of the ``COPY``;
    * on PostgreSQL the grain columns ``dim_a``/``dim_b`` compare bytewise (``COLLATE "C"``: they hold
      ASCII dimension names), so the grain index needs no locale-aware comparison per entry.
    """

    __tablename__ = "cube_days"
    __table_args__ = (Index("ix_cube_days_version_grain", "version_id", "dim_a", "dim_b"),)
    __mapper_args__: ClassVar[dict] = {"primary_key": ["version_id", "dim_a", "val_a", "dim_b", "val_b", "days"]}

    # No foreign key: a version's histogram has about half as many rows as it has complaints, and a
    # referential check per row doubled the time to write it; it is written and deleted with the
    # version's cells (which keep the key), versions are never deleted (docs/decisions.md).
    version_id: Mapped[int] = mapped_column(Integer)
    dim_a: Mapped[str] = mapped_column(GRAIN)
    val_a: Mapped[str] = mapped_column(String(12))
    dim_b: Mapped[str] = mapped_column(GRAIN)
    val_b: Mapped[str] = mapped_column(String(12))
    days: Mapped[int] = mapped_column(Integer)
    closed_rows: Mapped[int] = mapped_column(BigInteger)
