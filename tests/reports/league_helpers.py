"""Builders shared by the league-table tests (not a test module)."""

from __future__ import annotations

from typing import Any

from reports.league import InstitutionFigures


def fig(code: str, sector: str = "CF", **fields: Any) -> InstitutionFigures:
    """A filed, accepted institution with 20,000 customers unless ``fields`` say otherwise."""
    fields.setdefault("filed_cmp", True)
    fields.setdefault("active_customers", 20_000)
    fields.setdefault("name", f"机构{code}")
    return InstitutionFigures(code=code, sector=sector, **fields)


def by_code(result: Any) -> dict[str, Any]:
    """Rows of a LeagueResult keyed by institution code."""
    return {row.code: row for row in result.rows}
