"""The vulnerable-consumer lens within the reader's scope, from the versions that count.

Per institution and customer group: received rows, their share of the institution's received
rows and the sector's share (over the institutions of the sector in the reader's scope), on-time,
favourable and escalation rates of the group's closed rows and the gap in points against the
institution's ``NONE`` rows, the causes most cited; the accepted DSC's complaint channels and
消保工作 figures; sector rankings of the gaps; trends over the periods.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from sqlalchemy import select, true

from supervision.domain.enums import FilingKind
from supervision.extensions import db
from supervision.filings.content_models import ActivityRow, ChannelRow
from supervision.filings.counting import counting_version, counting_versions
from supervision.orgs.models import Institution
from supervision.periods.models import Period
from supervision.scope import institution_condition
from supervision.vulnerable.models import GroupCause, GroupFact

GROUPS = ("NONE", "ELDERLY", "MINOR", "DISABLED", "FOREIGN")
VULNERABLE = GROUPS[1:]
BASE = "NONE"


def rate(part: int, whole: int) -> Fraction | None:
    """part ÷ whole × 100; None for a zero denominator (§10.1)."""
    return Fraction(part * 100, whole) if whole else None


def gap(a: Fraction | None, b: Fraction | None) -> Fraction | None:
    """a − b in points (None when either is empty)."""
    return None if a is None or b is None else a - b


@dataclass
class GroupLine:
    """One customer group at one institution (or a sector)."""

    group: str
    received: int = 0
    closed: int = 0
    on_time: int = 0
    favourable: int = 0
    escalated: int = 0
    days_sum: int = 0
    share: Fraction | None = None
    sector_share: Fraction | None = None
    on_time_gap: Fraction | None = None
    favourable_gap: Fraction | None = None
    escalation_gap: Fraction | None = None
    causes: list[tuple[str, int]] = field(default_factory=list)

    @property
    def on_time_rate(self) -> Fraction | None:
        """Closed on time ÷ closed × 100."""
        return rate(self.on_time, self.closed)

    @property
    def favourable_rate(self) -> Fraction | None:
        """Closed favourably ÷ closed × 100."""
        return rate(self.favourable, self.closed)

    @property
    def escalation_rate(self) -> Fraction | None:
        """Escalated ÷ closed × 100."""
        return rate(self.escalated, self.closed)

    @property
    def mean_days(self) -> Fraction | None:
        """Mean days to close of the closed rows."""
        return Fraction(self.days_sum, self.closed) if self.closed else None

    def add(self, other: GroupLine) -> None:
        """Add another line's counts (sector sums)."""
        for f in ("received", "closed", "on_time", "favourable", "escalated", "days_sum"):
            setattr(self, f, getattr(self, f) + getattr(other, f))


def scope_condition(user):
    """Institutions ``user`` may read (every one for None)."""
    return true() if user is None else institution_condition(user, "filings")


def _facts(user, period_id: int, institution_id: int | None = None) -> dict[int, dict[str, GroupLine]]:
    cv = counting_versions(period_id=period_id, kind=FilingKind.CMP).subquery()
    q = (select(cv.c.institution_id, GroupFact).join(cv, cv.c.version_id == GroupFact.version_id)
         .join(Institution, Institution.id == cv.c.institution_id).where(scope_condition(user)))
    if institution_id is not None:
        q = q.where(Institution.id == institution_id)
    out: dict[int, dict[str, GroupLine]] = {}
    for inst_id, g in db.session.execute(q):
        out.setdefault(inst_id, {})[g.customer_group] = GroupLine(g.customer_group, g.received, g.closed, g.on_time,
                                                                  g.favourable, g.escalated, g.days_sum)
    return out


def _finish(lines: dict[str, GroupLine], sector: dict[str, GroupLine] | None) -> list[GroupLine]:
    total = sum(line.received for line in lines.values())
    sector_total = sum(line.received for line in sector.values()) if sector else 0
    base = lines.get(BASE)
    out = []
    for code in GROUPS:
        line = lines.get(code) or GroupLine(code)
        line.share = rate(line.received, total)
        if sector is not None:
            line.sector_share = rate(sector[code].received if code in sector else 0, sector_total)
        if code != BASE and base is not None:
            line.on_time_gap = gap(line.on_time_rate, base.on_time_rate)
            line.favourable_gap = gap(line.favourable_rate, base.favourable_rate)
            line.escalation_gap = gap(line.escalation_rate, base.escalation_rate)
        out.append(line)
    return out


def sector_sums(facts: dict[int, dict[str, GroupLine]], members: set[int]) -> dict[str, GroupLine]:
    """Group lines summed over the ``members`` institutions."""
    out: dict[str, GroupLine] = {}
    for inst_id in members:
        for code, line in facts.get(inst_id, {}).items():
            out.setdefault(code, GroupLine(code)).add(line)
    return out


@dataclass
class InstitutionLens:
    """The lens of one institution in one period."""

    institution: Institution
    lines: list[GroupLine]
    channels: list = field(default_factory=list)
    activities: list = field(default_factory=list)
    has_dsc: bool = False


def _causes(version_id: int) -> dict[str, list[tuple[str, int]]]:
    out: dict[str, list[tuple[str, int]]] = {}
    for g in db.session.scalars(select(GroupCause).where(GroupCause.version_id == version_id)
                                .order_by(GroupCause.customer_group, GroupCause.received.desc(), GroupCause.cause)):
        out.setdefault(g.customer_group, []).append((g.cause, g.received))
    return out


def institution_lens(user, period: Period, inst: Institution, with_sector: bool) -> InstitutionLens:
    """The institution's groups (sector shares when ``with_sector``: over the sector's institutions
    in the reader's scope), top causes, complaint channels and activity figures of its DSC."""
    facts = _facts(user, period.id)
    sector = None
    if with_sector:
        members = set(db.session.scalars(select(Institution.id).where(Institution.sector == inst.sector,
                                                                      scope_condition(user))))
        sector = sector_sums(facts, members)
    lines = _finish(facts.get(inst.id, {}), sector)
    cmp_v = counting_version(inst.id, period.id, FilingKind.CMP)
    if cmp_v is not None:
        causes = _causes(cmp_v.id)
        for line in lines:
            line.causes = causes.get(line.group, [])[:3]
    lens = InstitutionLens(inst, lines)
    dsc_v = counting_version(inst.id, period.id, FilingKind.DSC)
    if dsc_v is not None:
        lens.has_dsc = True
        lens.channels = list(db.session.scalars(select(ChannelRow).where(ChannelRow.version_id == dsc_v.id)
                                                .order_by(ChannelRow.row_no)))
        lens.activities = list(db.session.scalars(select(ActivityRow).where(ActivityRow.version_id == dsc_v.id)
                                                  .order_by(ActivityRow.row_no)))
    return lens


@dataclass
class RankedGap:
    """An institution's line of one group in a sector ranking."""

    institution: Institution
    line: GroupLine


def sector_ranking(user, period: Period, group: str) -> dict[str, list[RankedGap]]:
    """Per sector, the institutions in scope with rows of ``group``, ordered by the on-time gap
    (most negative first; empty gaps last), then the favourable gap, then code."""
    facts = _facts(user, period.id)
    insts = {i.id: i for i in db.session.scalars(select(Institution).where(Institution.id.in_(list(facts))))} \
        if facts else {}
    out: dict[str, list[RankedGap]] = {}
    for inst_id, lines in facts.items():
        line = next(x for x in _finish(lines, None) if x.group == group)
        if line.received or line.closed:
            inst = insts[inst_id]
            out.setdefault(inst.sector, []).append(RankedGap(inst, line))
    big = Fraction(10 ** 9)
    for items in out.values():
        items.sort(key=lambda r: (r.line.on_time_gap if r.line.on_time_gap is not None else big,
                                  r.line.favourable_gap if r.line.favourable_gap is not None else big,
                                  r.institution.code))
    return dict(sorted(out.items()))


def trend(user, inst: Institution, group: str, periods: list[Period]) -> list[tuple[Period, GroupLine]]:
    """The institution's ``group`` line in each of ``periods`` that has a counting CMP."""
    out = []
    for p in periods:
        facts = _facts(user, p.id, inst.id)
        if inst.id in facts:
            out.append((p, next(x for x in _finish(facts[inst.id], None) if x.group == group)))
    return out
