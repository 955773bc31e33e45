"""Reporting period model (spec §2)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from supervision.domain.calendar import end_of_day, parse_period
from supervision.extensions import db
from supervision.timeutil import utcnow


class Period(db.Model):
    """A quarter open for filing; ``due_date``/``lock_date`` are fixed when the period is added."""

    __tablename__ = "period"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(6), unique=True)
    year: Mapped[int] = mapped_column(Integer)
    quarter: Mapped[int] = mapped_column(Integer)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    due_date: Mapped[date] = mapped_column(Date)
    lock_date: Mapped[date] = mapped_column(Date)
    open: Mapped[bool] = mapped_column(Boolean, default=True)
    unlocked_until: Mapped[date | None] = mapped_column(Date)
    unlocked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    @property
    def quarter_period(self):
        """The pure calendar view of this period."""
        return parse_period(self.code)

    @property
    def due_at(self) -> datetime:
        """End of the due date in Asia/Shanghai (timezone-aware)."""
        return end_of_day(self.due_date)

    def is_locked(self, today: date) -> bool:
        """Locked from the lock date on (or once closed: ``open`` false — by the locking job or a
        supervisor's lock), unless a supervisor unlocked it until a later day."""
        if self.unlocked_until and today <= self.unlocked_until:
            return False
        return today >= self.lock_date or not self.open

    def __repr__(self) -> str:
        return f"<Period {self.code}>"
