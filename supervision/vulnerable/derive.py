"""Deriving the customer-group facts of a version at acceptance (set-based SQL, flushes only)."""

from __future__ import annotations

from sqlalchemy import and_, case, delete, exists, func, insert, literal, select

from supervision.extensions import db
from supervision.filings.bulkload import FAVOURABLE
from supervision.filings.content_models import ComplaintRow
from supervision.vulnerable.models import GroupCause, GroupFact

#: the group of rows without a ``customer_group`` (the column is required; this is a safeguard)
NO_GROUP = "NONE"


def is_derived(version_id: int) -> bool:
    """Whether the version's group facts are stored (a version with rows always has one)."""
    return bool(db.session.scalar(select(exists().where(GroupFact.version_id == version_id))))


def derive_groups(version_id: int, institution_id: int, period_id: int) -> None:
    """(Re)compute the version's :class:`GroupFact` and :class:`GroupCause` rows with INSERT … SELECT."""
    c = ComplaintRow
    db.session.execute(delete(GroupFact).where(GroupFact.version_id == version_id))
    db.session.execute(delete(GroupCause).where(GroupCause.version_id == version_id))
    group = func.coalesce(c.customer_group, NO_GROUP)
    closed = c.status == "CLOSED"

    def n(cond):
        return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)

    facts = (select(literal(version_id), group, literal(institution_id), literal(period_id),
                    n(c.carried_over.is_(False)), n(closed), n(and_(closed, c.on_time.is_(True))),
                    n(and_(closed, c.outcome.in_(FAVOURABLE))), n(and_(closed, c.escalated.is_(True))),
                    func.coalesce(func.sum(case((closed, func.coalesce(c.days_to_close, 0)), else_=0)), 0))
             .where(c.version_id == version_id).group_by(group))
    db.session.execute(insert(GroupFact.__table__).from_select(
        ["version_id", "customer_group", "institution_id", "period_id", "received", "closed", "on_time",
         "favourable", "escalated", "days_sum"], facts))
    causes = (select(literal(version_id), group, c.cause, func.count())
              .where(c.version_id == version_id, c.carried_over.is_(False)).group_by(group, c.cause))
    db.session.execute(insert(GroupCause.__table__).from_select(
        ["version_id", "customer_group", "cause", "received"], causes))
    db.session.flush()
