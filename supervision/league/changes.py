"""What a publication changes, as people read it (issue 10 item 9): from the field-level list of
:func:`supervision.league.services.diff_tables` (``metrics.per_10k_customers.rank_sector`` …) to
one line per institution — rank, grade and status before and after first, then the metric values
that moved — and the sector medians that moved. No field paths on any page.

Pure: no Flask, no database.
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: the fields that decide how an institution stands in a published table
HEADLINE_FIELDS = ("rank_composite", "grade", "status")


@dataclass
class InstitutionChange:
    """How one institution's row changes."""

    code: str
    name: str | None
    added: bool = False
    removed: bool = False
    status_before: str | None = None
    status_after: str | None = None
    rank: tuple | None = None
    grade: tuple | None = None
    status: tuple | None = None
    composite: tuple | None = None
    metrics: list[tuple[str, object, object]] = field(default_factory=list)
    other: int = 0

    @property
    def headline(self) -> bool:
        """True when the institution's rank, grade or status changes, or it enters or leaves the table."""
        return self.added or self.removed or any((self.rank, self.grade, self.status))


@dataclass
class ChangeSummary:
    """The changes of a table, grouped for reading."""

    institutions: list[InstitutionChange]
    medians: dict[str, list[tuple[str, object, object]]]
    total: int

    @property
    def headline(self) -> list[InstitutionChange]:
        """Institutions whose rank, grade or status changes (or that enter or leave the table)."""
        return [c for c in self.institutions if c.headline]

    @property
    def figures_only(self) -> list[InstitutionChange]:
        """Institutions whose figures change but whose rank, grade and status do not."""
        return [c for c in self.institutions if not c.headline]

    @property
    def empty(self) -> bool:
        """Nothing changes."""
        return self.total == 0


def summarize(changes: list[dict]) -> ChangeSummary:
    """Group ``diff_tables`` entries by institution (table order kept) and sector median."""
    by_code: dict[str, InstitutionChange] = {}
    medians: dict[str, list] = {}
    for c in changes:
        code, path, before, after = c["institution_code"], c["field"], c["before"], c["after"]
        if code is None:
            _, sector, metric = path.split(".", 2)
            medians.setdefault(sector, []).append((metric, before, after))
            continue
        entry = by_code.setdefault(code, InstitutionChange(code, c.get("name")))
        if path == "row":
            entry.added, entry.removed = before is None, after is None
            entry.status_before, entry.status_after = before, after
        elif path == "rank_composite":
            entry.rank = (before, after)
        elif path == "grade":
            entry.grade = (before, after)
        elif path == "status":
            entry.status = (before, after)
        elif path == "composite":
            entry.composite = (before, after)
        elif path.startswith("metrics.") and path.endswith(".value"):
            entry.metrics.append((path.split(".")[1], before, after))
        else:
            entry.other += 1
    return ChangeSummary(list(by_code.values()), medians, len(changes))


def first_publication(table: dict) -> dict:
    """What a first publication of a period puts on record: institutions by status and by grade."""
    rows = table.get("rows", [])
    by_status: dict[str, int] = {}
    by_grade: dict[str, int] = {}
    for r in rows:
        by_status[r["status"]] = by_status.get(r["status"], 0) + 1
        if r.get("grade"):
            by_grade[r["grade"]] = by_grade.get(r["grade"], 0) + 1
    return {"rows": len(rows), "by_status": by_status, "by_grade": dict(sorted(by_grade.items()))}
