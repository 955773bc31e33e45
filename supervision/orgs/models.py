"""Models of spec §1: agencies (a tree), sharing agreements, institutions and their aliases."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, CheckConstraint, DateTime, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from supervision.domain.enums import Sector
from supervision.extensions import db
from supervision.timeutil import utcnow

SHARE_KINDS = ("filings", "findings", "league")


class Agency(db.Model):
    """A regulator or one of its local offices (派出机构); ``parent`` makes the tree."""

    __tablename__ = "agency"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id", ondelete="RESTRICT"), index=True)
    default_sectors: Mapped[list] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    parent: Mapped[Agency | None] = relationship(remote_side="Agency.id", back_populates="children")
    children: Mapped[list[Agency]] = relationship(back_populates="parent", order_by="Agency.code")

    def __repr__(self) -> str:
        return f"<Agency {self.code}>"

    @property
    def label(self) -> str:
        """The agency's name in the reader's language (``name_en`` for an English reader when set)."""
        from supervision.domain.code_labels import current_language

        return self.name_en if self.name_en and current_language() == "en" else self.name


class SharingAgreement(db.Model):
    """Agency ``from_agency`` shares ``sectors`` and data ``kinds`` with ``to_agency`` (§1.4)."""

    __tablename__ = "sharing_agreement"
    __table_args__ = (UniqueConstraint("from_agency_id", "to_agency_id"),
                      CheckConstraint("from_agency_id <> to_agency_id", name="not_self"))

    id: Mapped[int] = mapped_column(primary_key=True)
    from_agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id", ondelete="CASCADE"), index=True)
    to_agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id", ondelete="CASCADE"), index=True)
    sectors: Mapped[list] = mapped_column(JSON, default=list)
    kinds: Mapped[list] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    note: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    from_agency: Mapped[Agency] = relationship(foreign_keys=[from_agency_id])
    to_agency: Mapped[Agency] = relationship(foreign_keys=[to_agency_id])


class Institution(db.Model):
    """A supervised institution, keyed for files and API by its USCC ``code`` (§1.2)."""

    __tablename__ = "institution"
    __table_args__ = (
        CheckConstraint(Sector.check("sector"), name="sector"),
        CheckConstraint("length(code) = 18", name="code_length"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    short_name: Mapped[str | None] = mapped_column(String(100))
    sector: Mapped[str] = mapped_column(String(8), index=True)
    licence_no: Mapped[str | None] = mapped_column(String(64))
    lead_agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id", ondelete="RESTRICT"), index=True)
    province: Mapped[str | None] = mapped_column(String(2))
    code_generated: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: first quarter the institution is expected to file (``2024Q1``); see :meth:`expected_in`
    active_from: Mapped[str] = mapped_column(String(6))
    #: last quarter it is expected to file; None = open-ended (set on deactivation, decision 5)
    active_until: Mapped[str | None] = mapped_column(String(6))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    lead_agency: Mapped[Agency] = relationship()

    def expected_in(self, period_code: str) -> bool:
        """Whether the institution is expected to file for ``period_code``: active_from ≤ P ≤
        active_until (open-ended when None). Period codes ``YYYYQn`` sort as strings."""
        return self.active_from <= period_code and (self.active_until is None or period_code <= self.active_until)
    aliases: Mapped[list[InstitutionAlias]] = relationship(
        back_populates="institution", cascade="all, delete-orphan", order_by="InstitutionAlias.alias"
    )

    def __repr__(self) -> str:
        return f"<Institution {self.code} {self.name}>"


class InstitutionAlias(db.Model):
    """Another name of an institution; unique across all institutions (for name matching)."""

    __tablename__ = "institution_alias"

    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institution.id", ondelete="CASCADE"), index=True)
    alias: Mapped[str] = mapped_column(String(200), unique=True)

    institution: Mapped[Institution] = relationship(back_populates="aliases")
