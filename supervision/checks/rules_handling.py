"""Rule ``O01`` of spec §10.3 (handling speed): complaints still ``OPEN`` at period end whose
deadline has passed. Pure: facts in (gathered with set-based SQL by
:func:`supervision.checks.facts_handling.overdue_facts`), drafts out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from supervision.checks.rules_base import EVIDENCE_CAP, Draft, ids_text

#: §4.2 deadlines (calendar days) by ``extension``; an empty extension is ``NONE``
DEADLINES: dict[str, int] = {"NONE": 15, "EXT30": 30, "EXT60": 60}


@dataclass(frozen=True)
class OverdueFacts:
    """The overdue open rows of a version: their exact count and the first ``EVIDENCE_CAP`` complaint
    ids in sheet order (carried-over rows included)."""

    period_end: date
    count: int
    complaint_ids: tuple[str, ...]


def check_overdue(facts: OverdueFacts | None) -> list[Draft]:
    """``O01`` (finding medium, subject ``""``): rows ``OPEN`` at period end whose ``received_date`` +
    deadline (15/30/60 days by ``extension``) is before the period end date; evidence: the count and
    up to 100 complaint ids."""
    if facts is None or facts.count == 0:
        return []
    ids = list(facts.complaint_ids[:EVIDENCE_CAP])
    evidence = {"count": facts.count, "complaint_ids": ids, "period_end": facts.period_end.isoformat()}
    params = {"count": facts.count, "ids": ids_text(ids), "period_end": facts.period_end.isoformat()}
    return [Draft("O01", "medium", "", None, evidence, params)]
