"""An institution's league rows over time, and the sector medians over time.

Each period is read from its latest published snapshot; regulators also see the current draft of
the periods that have none (labelled as drafts). Filers and admins see published periods only.
"""

from __future__ import annotations

from sqlalchemy import select

from supervision.extensions import db
from supervision.league import queries, services
from supervision.league.models import LeagueSnapshot, LeagueSnapshotRow
from supervision.orgs.models import Institution
from supervision.periods.models import Period


def institution_history(user, institution: Institution) -> list[dict]:
    """Per period (oldest first): ``{period, period_id, snapshot (number or None = draft), row,
    medians}`` where ``row`` is the institution's serialized row and ``medians`` its sector's."""
    latest = queries.latest_numbers()
    periods = list(db.session.scalars(select(Period).order_by(Period.code)))
    snap_ids = [s.id for s in latest.values()]
    rows = {}
    if snap_ids:
        rows = dict(db.session.execute(select(LeagueSnapshotRow.snapshot_id, LeagueSnapshotRow.data).where(
            LeagueSnapshotRow.snapshot_id.in_(snap_ids),
            LeagueSnapshotRow.institution_code == institution.code)).all())
    points = []
    for period in periods:
        snap = latest.get(period.id)
        if snap is not None:
            row, medians, number = rows.get(snap.id), (snap.medians or {}), snap.number
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
    """(period code, sector → metric → median) of every period's latest snapshot, oldest first."""
    latest = queries.latest_numbers()
    codes = dict(db.session.execute(select(Period.id, Period.code)).all())
    snaps: list[LeagueSnapshot] = sorted(latest.values(), key=lambda s: codes[s.period_id])
    return [(codes[s.period_id], s.medians or {}) for s in snaps]
