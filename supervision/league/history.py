"""An institution's league rows over time, and the sector medians over time.

Each period is read from its latest published snapshot; regulators also see the current draft of
the periods that have none (labelled as drafts). Filers and admins see published periods only.
"""

from __future__ import annotations

from sqlalchemy import select

from supervision.extensions import db
from supervision.league import queries, services
from supervision.league.models import LeagueSnapshotRow
from supervision.orgs.models import Institution
from supervision.periods.models import Period


def institution_history(user, institution: Institution) -> list[dict]:
    """Per period (oldest first): ``{period, period_id, snapshot (number or None = draft), row,
    medians}`` where ``row`` is the institution's serialized row and ``medians`` its sector's, read
    from the latest snapshot covering its sector (decision 6)."""
    periods = list(db.session.scalars(select(Period).order_by(Period.code)))
    points = []
    for period in periods:
        snap = services.published_snapshots(period.id).get(institution.sector)
        if snap is not None:
            row = db.session.scalar(select(LeagueSnapshotRow.data).where(
                LeagueSnapshotRow.snapshot_id == snap.id, LeagueSnapshotRow.institution_code == institution.code))
            medians, number = (snap.medians or {}), snap.number
        elif queries.is_regulator(user):
            draft = services.compute_draft(period, cached=True)
            row = next((r for r in draft.table["rows"] if r["institution_code"] == institution.code), None)
            medians, number = draft.table["medians"], None
        else:
            continue
        points.append({"period": period.code, "period_id": period.id, "snapshot": number, "row": row,
                       "medians": medians.get(institution.sector, {})})
    return points


def published_medians() -> list[tuple[str, dict]]:
    """(period code, sector → metric → median) of every period's published table (per sector, the
    latest snapshot covering it), oldest first."""
    out = []
    for period in db.session.scalars(select(Period).order_by(Period.code)):
        covering = services.published_snapshots(period.id)
        if covering:
            out.append((period.code, {s: snap.medians[s] for s, snap in covering.items()
                                      if s in (snap.medians or {})}))
    return out
