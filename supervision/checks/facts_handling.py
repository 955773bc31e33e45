"""Facts of rule ``O01`` (spec §10.3), set-based: a count and the first complaint ids, never every row."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import and_, func, or_, select

from supervision.checks.rules_base import EVIDENCE_CAP
from supervision.checks.rules_handling import DEADLINES, OverdueFacts
from supervision.extensions import db
from supervision.filings.content_models import ComplaintRow


def overdue_condition(version_id: int, period_end: date):
    """SQL condition: a row of the version ``OPEN`` at period end with ``received_date`` + deadline
    before ``period_end`` (i.e. received before ``period_end`` − deadline)."""
    c = ComplaintRow
    ext = func.coalesce(c.extension, "NONE")
    by_ext = [and_(ext == code, c.received_date < period_end - timedelta(days=days))
              for code, days in DEADLINES.items()]
    return and_(c.version_id == version_id, c.status == "OPEN", or_(*by_ext))


def overdue_facts(version_id: int, period_end: date) -> OverdueFacts:
    """Count and first :data:`EVIDENCE_CAP` complaint ids (sheet order) of the overdue open rows."""
    cond = overdue_condition(version_id, period_end)
    count = db.session.scalar(select(func.count()).select_from(ComplaintRow).where(cond)) or 0
    ids = tuple(db.session.scalars(select(ComplaintRow.complaint_id).where(cond)
                                   .order_by(ComplaintRow.row_no).limit(EVIDENCE_CAP)))
    return OverdueFacts(period_end, count, ids)
