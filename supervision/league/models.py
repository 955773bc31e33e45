"""Published league tables (spec §8 "Publication"): immutable numbered snapshots.

A :class:`LeagueSnapshot` is one publication of a period's table: who published it and when, the
rule-set version and configuration used, the table's medians, the basis of its movement column
(the previous period's snapshot) and, from number 2 on, the list of what changed since the
previous number. Its rows (:class:`LeagueSnapshotRow`, one per institution, the serialized row of
:func:`reports.league.serialize_league` in table order) and the filing versions it used
(:class:`LeagueSnapshotVersion`) are stored beside it, so a page of a 5,000-institution table is
read without loading the whole table. Snapshots are never updated or deleted: the ORM refuses it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from supervision.extensions import db
from supervision.periods.models import Period
from supervision.timeutil import utcnow


class SnapshotImmutable(RuntimeError):
    """Raised when code tries to change or delete a published snapshot."""


class LeagueSnapshot(db.Model):
    """One published, numbered table of a period (1, 2, … per period)."""

    __tablename__ = "league_snapshot"
    __table_args__ = (UniqueConstraint("period_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("period.id", ondelete="RESTRICT"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    published_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    published_by_label: Mapped[str] = mapped_column(String(254))
    ruleset_version: Mapped[str] = mapped_column(String(16))
    #: the sectors this snapshot publishes (a supervisor publishes the sectors of its ``league``
    #: scope; a full-scope publication lists every sector; decision 6)
    sectors: Mapped[list] = mapped_column(JSON, default=list)
    #: the §6/§8 *(config)* values used: min_active_customers, composite_weights, grade_thresholds,
    #: apr_cap (recorded with each publication; decision 7)
    config: Mapped[dict] = mapped_column(JSON, default=dict)
    #: sector → metric code → display text (``serialize_league``'s ``medians``)
    medians: Mapped[dict] = mapped_column(JSON, default=dict)
    #: the movement basis: ``{"period": "2023Q4", "snapshot": 2}`` or ``None``
    movement_basis: Mapped[dict | None] = mapped_column(JSON)
    #: what changed since the previous number: ``[{institution_code, field, before, after}]``
    changes: Mapped[list] = mapped_column(JSON, default=list, deferred=True)
    row_count: Mapped[int] = mapped_column(Integer, default=0)
    #: SHA-256 of the canonical JSON of the whole serialized table (integrity check)
    sha256: Mapped[str] = mapped_column(String(64))

    period: Mapped[Period] = relationship()


class LeagueSnapshotRow(db.Model):
    """One institution's serialized row of a snapshot (``data`` = ``serialize_row`` output)."""

    __tablename__ = "league_snapshot_row"
    __table_args__ = (
        UniqueConstraint("snapshot_id", "position"),
        UniqueConstraint("snapshot_id", "institution_code"),
        Index("ix_league_snapshot_row_sector", "snapshot_id", "sector", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    snapshot_id: Mapped[int] = mapped_column(ForeignKey("league_snapshot.id", ondelete="RESTRICT"))
    position: Mapped[int] = mapped_column(Integer)
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("institution.id", ondelete="RESTRICT"),
                                                       index=True)
    institution_code: Mapped[str] = mapped_column(String(18))
    name: Mapped[str] = mapped_column(String(200))
    sector: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(12))
    rank_composite: Mapped[int | None] = mapped_column(Integer)
    grade: Mapped[str | None] = mapped_column(String(4))
    data: Mapped[dict] = mapped_column(JSON)


class LeagueSnapshotVersion(db.Model):
    """A filing version a snapshot was computed from (its CMP and, when accepted, its DSC)."""

    __tablename__ = "league_snapshot_version"

    snapshot_id: Mapped[int] = mapped_column(ForeignKey("league_snapshot.id", ondelete="RESTRICT"), primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("filing_version.id", ondelete="RESTRICT"), primary_key=True,
                                            index=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institution.id", ondelete="RESTRICT"))
    kind: Mapped[str] = mapped_column(String(3))


def _refuse_change(mapper, connection, target) -> None:
    raise SnapshotImmutable(f"published league snapshots are immutable ({type(target).__name__})")


for _model in (LeagueSnapshot, LeagueSnapshotRow, LeagueSnapshotVersion):
    event.listen(_model, "before_update", _refuse_change)
    event.listen(_model, "before_delete", _refuse_change)
