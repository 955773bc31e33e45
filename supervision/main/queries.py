"""Read-only queries for the home page, scoped through :mod:`supervision.scope`."""

from __future__ import annotations

from sqlalchemy import func, select

from supervision.domain.enums import Role
from supervision.extensions import db
from supervision.filings.models import Filing
from supervision.orgs.models import Institution
from supervision.periods.models import Period
from supervision.scope import visible_filings, visible_institutions


def home_summary(user) -> dict:
    """Counts and the latest periods for the acting user's home page."""
    periods = db.session.scalars(select(Period).order_by(Period.code.desc()).limit(4)).all()
    out = {"periods": periods}
    if user.role == Role.ADMIN:
        out["institutions"] = db.session.scalar(select(func.count(Institution.id)))
        return out
    out["institutions"] = db.session.scalar(
        select(func.count()).select_from(visible_institutions(user).subquery()))
    out["filings"] = db.session.scalar(select(func.count()).select_from(visible_filings(user).subquery()))
    out["filings_by_period"] = dict(db.session.execute(
        select(Period.code, func.count(Filing.id)).join(Filing, Filing.period_id == Period.id)
        .where(Filing.id.in_(visible_filings(user).with_only_columns(Filing.id)))
        .group_by(Period.code)).all())
    return out
