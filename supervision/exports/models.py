"""The export archive (spec §9): every generated file with its SHA-256, producer, snapshot and time.

Which institutions' data a file holds is recorded per data kind (:class:`ExportInstitution`):
a regulator may open an export only when every one of those institutions is in their scope for
that kind (see :mod:`supervision.exports.queries`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from supervision.domain.enums import ExportKind
from supervision.extensions import db
from supervision.orgs.models import Institution
from supervision.periods.models import Period
from supervision.timeutil import utcnow

#: the kinds of export (:class:`~supervision.domain.enums.ExportKind`)
KINDS = ExportKind.values()
DATA_KINDS = ("filings", "findings", "league")


class Export(db.Model):
    """One generated file, stored once under ``EXPORT_FOLDER`` by its SHA-256; never changed."""

    __tablename__ = "export"
    __table_args__ = (
        CheckConstraint(ExportKind.check("kind"), name="kind"),
        Index("ix_export_period_id_kind", "period_id", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))
    period_id: Mapped[int] = mapped_column(ForeignKey("period.id", ondelete="RESTRICT"))
    #: the published snapshot used (None: the draft computed at ``created_at``)
    snapshot_id: Mapped[int | None] = mapped_column(ForeignKey("league_snapshot.id", ondelete="RESTRICT"))
    snapshot_number: Mapped[int | None] = mapped_column(Integer)
    #: feedback sheets: the institution it is for
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("institution.id", ondelete="RESTRICT"), index=True)
    #: the agency whose scope the file was built for (None: every institution)
    scope_agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id", ondelete="SET NULL"))
    scope_label: Mapped[str] = mapped_column(String(200))
    filename: Mapped[str] = mapped_column(String(200))
    storage_path: Mapped[str] = mapped_column(String(300))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    ruleset_version: Mapped[str] = mapped_column(String(16))
    #: ``job:<job id>``, a user's e-mail or ``console``
    producer: Mapped[str] = mapped_column(String(254))
    producer_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    job_run_id: Mapped[int | None] = mapped_column(ForeignKey("job_run.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)

    period: Mapped[Period] = relationship()
    institution: Mapped[Institution | None] = relationship()


class ExportInstitution(db.Model):
    """An institution whose data of ``data_kind`` (filings / findings / league) an export holds."""

    __tablename__ = "export_institution"
    __table_args__ = (CheckConstraint("data_kind IN ('filings','findings','league')", name="data_kind"),)

    export_id: Mapped[int] = mapped_column(ForeignKey("export.id", ondelete="CASCADE"), primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institution.id", ondelete="CASCADE"), primary_key=True,
                                                index=True)
    data_kind: Mapped[str] = mapped_column(String(8), primary_key=True)
