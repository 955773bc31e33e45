"""Which versions of a filing count, defined once (spec §7a, §2), in a Python and an SQL form.

* **The version that counts** for a filing (institution × period × kind) is its latest ``ACCEPTED``
  version (§7a; a newer acceptance supersedes older ones). League inputs, the checks, the
  dashboard's reporting rate, reminders, exports and the filing pages all ask this module.
* **The first version without blocking errors** of a filing is its earliest-uploaded version that
  passed validation — ``VALIDATED``, ``ACCEPTED``, ``SUPERSEDED`` or ``RETURNED`` (a returned version
  had no blocking error; the supervisor sent it back for another reason). Its upload time decides
  whether the filing was on time (§2, ``T01``, the dashboard and the 报送情况 sheet of the summary).

Change a rule here and every caller follows; ``tests/filings/test_counting.py`` compares every
caller with these functions on a world of superseded, returned, rejected and failed versions.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Protocol, TypeVar

from sqlalchemy import ColumnElement, Select, and_, exists, select
from sqlalchemy.orm import aliased

from supervision.domain.enums import VersionStatus
from supervision.extensions import db
from supervision.filings.models import Filing, FilingVersion
from supervision.timeutil import as_utc

#: the state of the version that counts (the latest one in that state)
COUNTING_STATUS = VersionStatus.ACCEPTED
#: states of versions that passed validation (no blocking error)
WITHOUT_BLOCKING_ERRORS: frozenset[VersionStatus] = frozenset(
    {VersionStatus.VALIDATED, VersionStatus.ACCEPTED, VersionStatus.SUPERSEDED, VersionStatus.RETURNED})


class VersionLike(Protocol):
    """What the pure functions read of a version."""

    number: int
    status: str
    uploaded_at: datetime


V = TypeVar("V", bound=VersionLike)


# ---------------------------------------------------------------------------------- Python form
def version_that_counts(versions: Iterable[V]) -> V | None:
    """The version that counts among one filing's versions: the latest ACCEPTED one, or None."""
    accepted = [v for v in versions if v.status == COUNTING_STATUS]
    return max(accepted, key=lambda v: v.number) if accepted else None


def first_without_blocking_errors(versions: Iterable[V]) -> V | None:
    """The earliest-uploaded version of one filing without blocking errors, or None."""
    passed = [v for v in versions if v.status in WITHOUT_BLOCKING_ERRORS]
    return min(passed, key=lambda v: (as_utc(v.uploaded_at), v.number)) if passed else None


# ------------------------------------------------------------------------------------- SQL form
def counts_condition(version=FilingVersion) -> ColumnElement[bool]:
    """SQL condition: ``version`` (the model or an alias of it) is the version that counts of its
    filing — ACCEPTED, and no later version of the filing is ACCEPTED."""
    newer = aliased(FilingVersion)
    return and_(version.status == COUNTING_STATUS,
                ~exists().where(newer.filing_id == version.filing_id, newer.status == COUNTING_STATUS,
                                newer.number > version.number))


def counting_versions(*, period_id: int | None = None, institution_id: int | None = None,
                      kind: str | None = None) -> Select:
    """``SELECT institution_id, period_id, kind, version_id`` of the versions that count, optionally
    for one period, institution or kind (one row per filing at most)."""
    q = (select(Filing.institution_id, Filing.period_id, Filing.kind, FilingVersion.id.label("version_id"))
         .join(FilingVersion, FilingVersion.filing_id == Filing.id).where(counts_condition()))
    if period_id is not None:
        q = q.where(Filing.period_id == period_id)
    if institution_id is not None:
        q = q.where(Filing.institution_id == institution_id)
    if kind is not None:
        q = q.where(Filing.kind == kind)
    return q


def counting_version(institution_id: int, period_id: int, kind: str) -> FilingVersion | None:
    """The version that counts of one filing (institution, period, kind), or None."""
    return db.session.scalar(
        select(FilingVersion).join(Filing, Filing.id == FilingVersion.filing_id)
        .where(Filing.institution_id == institution_id, Filing.period_id == period_id, Filing.kind == kind,
               counts_condition()))


def counting_version_ids(period_id: int) -> dict[tuple[int, str], int]:
    """(institution id, kind) → id of the version that counts, for every filing of a period."""
    rows = db.session.execute(counting_versions(period_id=period_id))
    return {(inst_id, kind): vid for inst_id, _period, kind, vid in rows}


def first_without_blocking_times(period_id: int, institution_ids: Iterable[int] | None = None,
                                 ) -> dict[tuple[int, str], datetime]:
    """(institution id, kind) → upload instant (UTC) of the first version without blocking errors of
    each filing of a period (optionally of some institutions); filings without one are absent."""
    q = (select(Filing.institution_id, Filing.kind, FilingVersion.uploaded_at)
         .join(FilingVersion, FilingVersion.filing_id == Filing.id)
         .where(Filing.period_id == period_id, FilingVersion.status.in_(WITHOUT_BLOCKING_ERRORS)))
    if institution_ids is not None:
        q = q.where(Filing.institution_id.in_(list(institution_ids)))
    first: dict[tuple[int, str], datetime] = {}
    for inst_id, kind, uploaded in db.session.execute(q):
        t = as_utc(uploaded)
        if (inst_id, kind) not in first or t < first[(inst_id, kind)]:
            first[(inst_id, kind)] = t
    return first
