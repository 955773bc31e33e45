"""Read side of the league tables: which table a user may read, and its rows, through
:mod:`supervision.scope`.

* Published snapshots are public to every logged-in user (spec §1.3).
* Drafts are for regulators (``analyst``, ``supervisor``) only, and show only the rows of the
  institutions in their ``league`` scope (``scope.institution_condition(user, "league")``); ranks
  and medians are those of the whole table (the one that would be published), medians only for the
  sectors the user sees a row of.
* Filers and admins read published snapshots only; a draft request is 403, a period without a
  published snapshot is 404 for them.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, or_, select

from reports.league import METRICS
from supervision.domain.enums import REGULATOR_ROLES
from supervision.extensions import db
from supervision.league import services
from supervision.league.models import LeagueSnapshot, LeagueSnapshotRow
from supervision.orgs.models import Institution
from supervision.periods.models import Period
from supervision.scope import institution_condition

BETTER_LOWER = {m.code: m.better.value == "lower" for m in METRICS}
PAGE_SIZE = 100  # a page never renders more than 100 rows (issue 10)


class LeagueAccess(Exception):
    """The user may not read what was asked (``status`` 403 or 404)."""

    def __init__(self, status: int):
        super().__init__(status)
        self.status = status


def is_regulator(user) -> bool:
    """Whether the user reads drafts (analysts and supervisors)."""
    return getattr(user, "role", None) in REGULATOR_ROLES


def league_codes(user) -> set[str]:
    """Codes of the institutions in the user's ``league`` scope."""
    return set(db.session.scalars(select(Institution.code).where(institution_condition(user, "league"))))


def snapshots_of(period_id: int) -> list[LeagueSnapshot]:
    """Every published snapshot of a period, newest first."""
    return list(db.session.scalars(select(LeagueSnapshot).where(LeagueSnapshot.period_id == period_id)
                                   .order_by(LeagueSnapshot.number.desc())))


def snapshot_number(period_id: int, number: int) -> LeagueSnapshot | None:
    """Snapshot ``number`` of a period, or None."""
    return db.session.scalar(select(LeagueSnapshot).where(LeagueSnapshot.period_id == period_id,
                                                          LeagueSnapshot.number == number))


@dataclass
class Source:
    """The table a page shows: a published ``snapshot`` or a ``draft`` limited to ``visible`` codes.
    When sectors were published apart (decision 6), ``parts`` maps each sector to the latest
    snapshot covering it and ``snapshot`` is the newest of them."""

    period: Period
    snapshot: LeagueSnapshot | None = None
    draft: services.Draft | None = None
    visible: set[str] | None = None
    parts: dict[str, LeagueSnapshot] | None = None

    @property
    def is_draft(self) -> bool:
        """True for a draft (not published)."""
        return self.snapshot is None

    @property
    def number(self) -> int | None:
        """The snapshot number, None for a draft."""
        return self.snapshot.number if self.snapshot else None

    def _published(self, sector: str | None = None) -> dict:
        table = services.published_table(self.period.id, sector=sector)
        if table is None:
            return {"period": self.period.code, "snapshot": self.number, "rows": [], "medians": {}}
        return {k: table[k] for k in ("period", "snapshot", "rows", "medians")}

    def _part_of(self, code: str) -> tuple[str, LeagueSnapshot] | None:
        """(sector, snapshot) of the part that lists ``code``."""
        for sector, snap in (self.parts or {}).items():
            found = db.session.scalar(select(LeagueSnapshotRow.id).where(
                LeagueSnapshotRow.snapshot_id == snap.id, LeagueSnapshotRow.sector == sector,
                LeagueSnapshotRow.institution_code == code))
            if found is not None:
                return sector, snap
        return None

    def shown_parts(self) -> dict[str, LeagueSnapshot]:
        """The parts (sector → snapshot) that list at least one institution."""
        if not self.parts:
            return {}
        ids = {snap.id for snap in self.parts.values()}
        listed = set(db.session.execute(select(LeagueSnapshotRow.snapshot_id, LeagueSnapshotRow.sector)
                                        .where(LeagueSnapshotRow.snapshot_id.in_(ids)).distinct()).all())
        return {s: snap for s, snap in self.parts.items() if (snap.id, s) in listed}

    def medians(self) -> dict:
        """Sector → metric → display median (drafts: only the sectors with a visible row)."""
        if self.parts:
            return {s: snap.medians[s] for s, snap in self.parts.items() if s in (snap.medians or {})}
        if self.snapshot is not None:
            return self.snapshot.medians or {}
        sectors = {r["sector"] for r in self.draft.table["rows"] if r["institution_code"] in self.visible}
        return {s: m for s, m in self.draft.table["medians"].items() if s in sectors}

    def table(self, sector: str | None = None) -> dict:
        """The serialized table ``{period, snapshot, rows, medians}`` this user may read."""
        if self.parts:
            return self._published(sector)
        if self.snapshot is not None:
            return services.snapshot_table(self.snapshot, sector)
        rows = [r for r in self.draft.table["rows"] if r["institution_code"] in self.visible
                and (not sector or r["sector"] == sector)]
        medians = {s: m for s, m in self.medians().items() if not sector or s == sector}
        return {"period": self.period.code, "snapshot": None, "rows": rows, "medians": medians}

    def row(self, code: str) -> dict | None:
        """One institution's serialized row, if this user may read it."""
        if self.parts:
            part = self._part_of(code)
            return None if part is None else db.session.scalar(select(LeagueSnapshotRow.data).where(
                LeagueSnapshotRow.snapshot_id == part[1].id, LeagueSnapshotRow.institution_code == code))
        if self.snapshot is not None:
            return db.session.scalar(select(LeagueSnapshotRow.data).where(
                LeagueSnapshotRow.snapshot_id == self.snapshot.id, LeagueSnapshotRow.institution_code == code))
        if code not in self.visible:
            return None
        return next((r for r in self.draft.table["rows"] if r["institution_code"] == code), None)

    def version_ids(self, code: str) -> dict[str, int]:
        """Kind → id of the filing versions this table used for an institution."""
        if self.snapshot is None:
            return dict(self.draft.versions.get(code, {}))
        from supervision.league.models import LeagueSnapshotVersion

        snapshot = self.snapshot
        if self.parts:
            part = self._part_of(code)
            if part is None:
                return {}
            snapshot = part[1]
        rows = db.session.execute(select(LeagueSnapshotVersion.kind, LeagueSnapshotVersion.version_id)
                                  .join(Institution, Institution.id == LeagueSnapshotVersion.institution_id)
                                  .where(LeagueSnapshotVersion.snapshot_id == snapshot.id,
                                         Institution.code == code)).all()
        return dict(rows)


def draft_source(user, period: Period) -> Source:
    """The current draft for a regulator (403 for anyone else)."""
    if not is_regulator(user):
        raise LeagueAccess(403)
    return Source(period, draft=services.compute_draft(period, cached=True), visible=league_codes(user))


def resolve(user, period: Period, number: int | None = None, draft: bool = False) -> Source:
    """Which table of ``period`` to show: the draft when asked (regulators), snapshot ``number`` when
    given, else the latest snapshot; with none published, regulators get the draft, others 404."""
    if draft:
        return draft_source(user, period)
    if number is not None:
        snap = snapshot_number(period.id, number)
        if snap is None:
            raise LeagueAccess(404)
        return Source(period, snapshot=snap)
    source = published_source(period)
    if source is not None:
        return source
    if is_regulator(user):
        return draft_source(user, period)
    raise LeagueAccess(404)


def published_source(period: Period) -> Source | None:
    """The period's published table (per sector the latest snapshot covering it), or None."""
    covering = services.published_snapshots(period.id)
    if not covering:
        return None
    snaps = {snap.id: snap for snap in covering.values()}
    newest = max(snaps.values(), key=lambda snap: snap.number)
    if len(snaps) == 1 and set(services.snapshot_sectors(newest)) >= set(covering):
        return Source(period, snapshot=newest)
    return Source(period, snapshot=newest, parts=covering)


def visible_changes(source: Source, changes: list[dict]) -> list[dict]:
    """The changes a draft's reader may see: rows in their scope, medians of the sectors they see."""
    if source.visible is None:
        return changes
    sectors = set(source.medians())
    return [c for c in changes if (c["institution_code"] in source.visible) or
            (c["institution_code"] is None and c["field"].split(".")[1] in sectors)]


def sort_key(metric: str, descending: bool):
    """Sort key of serialized rows by a metric's exact value (empty last whatever the order)."""
    def key(row: dict):
        """(empty?, signed exact value) of one row."""
        value = row["metrics"][metric]["value"]
        if value is None:
            return (1, Decimal(0))
        number = Decimal(value)
        return (0, -number if descending else number)
    return key


@dataclass
class Page:
    """One page of table rows, the total matching and the page number (1-based)."""

    rows: list[dict]
    total: int
    page: int
    size: int

    @property
    def pages(self) -> int:
        """Number of pages."""
        return max(1, -(-self.total // self.size))


def _matches(row: dict, q: str) -> bool:
    return q.lower() in row["name"].lower() or q.upper() in row["institution_code"]


def page_of(source: Source, *, sector: str | None = None, q: str | None = None, sort: str | None = None,
            descending: bool | None = None, page: int = 1, size: int = PAGE_SIZE) -> Page:
    """A page of the table: filtered by sector and search text, in table order (or by a metric,
    best first unless ``descending`` says otherwise). Published pages in table order are read with
    one indexed query of ``size`` rows."""
    page = max(1, page)
    if sort in BETTER_LOWER and descending is None:
        descending = not BETTER_LOWER[sort]
    if source.snapshot is not None and not source.parts and sort not in BETTER_LOWER:
        where = [LeagueSnapshotRow.snapshot_id == source.snapshot.id]
        if sector:
            where.append(LeagueSnapshotRow.sector == sector)
        if q:
            where.append(or_(LeagueSnapshotRow.name.contains(q, autoescape=True),
                             LeagueSnapshotRow.institution_code.contains(q.upper(), autoescape=True)))
        total = db.session.scalar(select(func.count(LeagueSnapshotRow.id)).where(*where))
        rows = db.session.scalars(select(LeagueSnapshotRow.data).where(*where).order_by(LeagueSnapshotRow.position)
                                  .offset((page - 1) * size).limit(size)).all()
        return Page(list(rows), total, page, size)
    rows = source.table(sector)["rows"]
    if q:
        rows = [r for r in rows if _matches(r, q)]
    if sort in BETTER_LOWER:
        rows = sorted(rows, key=sort_key(sort, bool(descending)))
    return Page(rows[(page - 1) * size: page * size], len(rows), page, size)


def periods() -> list[Period]:
    """Every period, newest first."""
    return list(db.session.scalars(select(Period).order_by(Period.code.desc())))


def latest_numbers() -> dict[int, LeagueSnapshot]:
    """period id → its latest snapshot (one query)."""
    latest = (select(LeagueSnapshot.period_id, func.max(LeagueSnapshot.number).label("n"))
              .group_by(LeagueSnapshot.period_id).subquery())
    snaps = db.session.scalars(select(LeagueSnapshot).join(
        latest, (latest.c.period_id == LeagueSnapshot.period_id) & (latest.c.n == LeagueSnapshot.number)))
    return {s.period_id: s for s in snaps}


def period_by_code(code: str) -> Period | None:
    """The period with this code (``2024Q1``), or None."""
    return db.session.scalar(select(Period).where(Period.code == (code or "").strip().upper()))


def institution_ids(codes: list[str]) -> dict[str, int]:
    """code → institution id for the given codes (one query)."""
    if not codes:
        return {}
    return dict(db.session.execute(select(Institution.code, Institution.id).where(Institution.code.in_(codes))).all())
