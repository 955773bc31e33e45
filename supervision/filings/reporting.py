"""Expected filings and their reporting status, defined once (lead's decisions 4 and 5).

* **Expected** (decision 5): an institution is expected to file every kind for period P iff
  ``active_from ≤ P ≤ active_until`` (open-ended when ``active_until`` is None). Creating an
  institution today therefore never changes a past period's reporting rate.
* **Status** of each expected filing: :func:`supervision.domain.reporting.reporting_status` on the
  version that counts and the first version without blocking errors
  (:mod:`supervision.filings.counting`).

The dashboard, ``T01``, the 报送情况 sheet, reminders, the league (未报送) and the filing list all
read :func:`reporting_entries` / :func:`expected_institutions`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction

from sqlalchemy import ColumnElement, and_, or_, select

from supervision.domain.enums import FilingKind, ReportingStatus
from supervision.domain.reporting import is_reported, reporting_status
from supervision.extensions import db
from supervision.filings.counting import counting_version_ids, first_without_blocking_times
from supervision.orgs.models import Institution
from supervision.periods.models import Period


def expected_condition(period_code: str, institution=Institution) -> ColumnElement[bool]:
    """SQL condition: the institution is expected to file for ``period_code`` (decision 5)."""
    return and_(institution.active_from <= period_code,
                or_(institution.active_until.is_(None), institution.active_until >= period_code))


def expected_institutions(period: Period, institution_ids: Iterable[int] | None = None,
                          order=(Institution.code,)) -> list[Institution]:
    """Institutions expected to file for ``period`` (optionally among ``institution_ids``)."""
    q = select(Institution).where(expected_condition(period.code)).order_by(*order)
    if institution_ids is not None:
        q = q.where(Institution.id.in_(list(institution_ids)))
    return list(db.session.scalars(q))


@dataclass(frozen=True)
class ReportingEntry:
    """One expected filing: institution, kind, status, the upload time of its first version without
    blocking errors (None: none) and the id of the version that counts (None: none)."""

    institution: Institution
    kind: FilingKind
    status: ReportingStatus
    first_at: datetime | None
    counting_version_id: int | None

    @property
    def reported(self) -> bool:
        """On time or late (counts towards the reporting rate)."""
        return is_reported(self.status)


def reporting_entries(period: Period, institution_ids: Iterable[int] | None = None,
                      order=(Institution.code,)) -> list[ReportingEntry]:
    """One entry per expected institution (among ``institution_ids`` when given) and kind."""
    insts = expected_institutions(period, institution_ids, order)
    first = first_without_blocking_times(period.id, [i.id for i in insts])
    counting = counting_version_ids(period.id)
    due = period.due_at
    out = []
    for inst in insts:
        for kind in FilingKind:
            vid = counting.get((inst.id, kind))
            t = first.get((inst.id, kind))
            out.append(ReportingEntry(inst, kind, reporting_status(vid is not None, t, due), t, vid))
    return out


def status_of(institution: Institution, period: Period, kind: str) -> ReportingStatus:
    """The status of one filing (expected or not: the same definition)."""
    from supervision.filings.counting import counting_version

    counting = counting_version(institution.id, period.id, kind)
    first = first_without_blocking_times(period.id, [institution.id]).get((institution.id, kind))
    return reporting_status(counting is not None, first, period.due_at)


@dataclass(frozen=True)
class KindRates:
    """Counts and exact rates (percent) of one kind: expected, on time, late, missing."""

    expected: int
    on_time: int
    late: int
    missing: int

    @property
    def reported(self) -> int:
        """On time + late."""
        return self.on_time + self.late

    @property
    def reporting_rate(self) -> Fraction | None:
        """(on time + late) ÷ expected × 100; None when nothing is expected."""
        return Fraction(self.reported * 100, self.expected) if self.expected else None

    @property
    def on_time_rate(self) -> Fraction | None:
        """on time ÷ expected × 100; None when nothing is expected."""
        return Fraction(self.on_time * 100, self.expected) if self.expected else None


def rates(entries: Iterable[ReportingEntry]) -> dict[FilingKind, KindRates]:
    """Per kind: expected, on time, late, missing and the two rates."""
    counts = {k: {s: 0 for s in ReportingStatus} for k in FilingKind}
    for e in entries:
        counts[e.kind][e.status] += 1
    return {k: KindRates(sum(c.values()), c[ReportingStatus.ON_TIME], c[ReportingStatus.LATE],
                         c[ReportingStatus.MISSING]) for k, c in counts.items()}
