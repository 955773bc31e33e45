"""Whether an expected filing was reported, and on time — the one definition (spec §2, lead's
decision 4), pure: no Flask, no database.

For each *expected* institution, period and kind (:mod:`supervision.filings.reporting` decides who is
expected, decision 5):

* ``MISSING`` when no version counts (no ``ACCEPTED`` version: :mod:`supervision.filings.counting`);
* else ``ON_TIME`` when the first version without blocking errors (it passed validation: VALIDATED,
  ACCEPTED, SUPERSEDED or RETURNED — a returned version counts for timeliness, §2's literal wording)
  was uploaded before the end of the due date (the next midnight, Asia/Shanghai; exclusive);
* else ``LATE``.

Reporting rate = (ON_TIME + LATE) ÷ expected; on-time rate = ON_TIME ÷ expected. ``T01`` is late (low)
for ``LATE`` and missing (medium) for ``MISSING`` once the due date has ended. The dashboard, ``T01``,
the 报送情况 sheet of the summary workbook, the league table's 未报送 and the filing list all ask here.
"""

from __future__ import annotations

from datetime import datetime

from supervision.domain.enums import ReportingStatus


def reporting_status(counts: bool, first_at: datetime | None, due_at: datetime) -> ReportingStatus:
    """The status of one expected filing: ``counts`` — a version counts; ``first_at`` — upload time
    of its first version without blocking errors (aware, or None); ``due_at`` — the instant the due
    date ends (aware)."""
    if not counts:
        return ReportingStatus.MISSING
    if first_at is None:  # cannot happen for a counting (accepted) version; treat as filed now: late
        return ReportingStatus.LATE
    return ReportingStatus.ON_TIME if first_at < due_at else ReportingStatus.LATE


def is_reported(status: ReportingStatus) -> bool:
    """Whether a status counts towards the reporting rate (on time or late)."""
    return status in (ReportingStatus.ON_TIME, ReportingStatus.LATE)
