"""Drill-down of a league figure (spec §8 ← §4.4 ← §4.2): metric → the derived counts of the
filing version the table used (per business category, from :class:`DerivedFigures`) → the
complaint rows behind each count (the scoped ``filings.rows`` route with matching filters).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from supervision.domain.enums import FilingKind, FindingStatus
from supervision.extensions import db
from supervision.filings.content_models import CoverFigures, DerivedFigures
from supervision.filings.models import FilingVersion
from supervision.filings.queries import ROW_FILTERS
from supervision.findings.models import Finding
from supervision.league.inputs import COUNTS
from supervision.scope import visible_findings

FIGURE_LABELS = {
    "opening": _l("Carried over (opening)"),
    "received": _l("Received in the period"),
    "closed": _l("Closed in the period"),
    "open_end": _l("Open at period end"),
    "on_time": _l("Closed on time"),
    "favourable": _l("Closed favourably (upheld, partial, settled)"),
    "escalated": _l("Escalated after closure"),
    "regulator": _l("Regulator-transferred"),
    "txn_received": _l("Transaction complaints received"),
    "txn_involved": _l("Transactions involved"),
}
COVER_LABELS = {"active_customers": _l("Active customers"), "business_volume": _l("Business volume (100m yuan)"),
                "transactions": _l("Transactions")}

#: the filters of ``filings.rows`` that select the complaint rows behind each §4.4 count
FIGURE_FILTERS: dict[str, dict[str, str]] = {
    "opening": {"carried_over": "1"},
    "received": {"carried_over": "0"},
    "closed": {"status": "CLOSED"},
    "open_end": {"status": "OPEN"},
    "on_time": {"status": "CLOSED", "on_time": "1"},
    "favourable": {"status": "CLOSED"},
    "escalated": {"status": "CLOSED", "escalated": "1"},
    "regulator": {"carried_over": "0", "source": "REGULATOR"},
    "txn_received": {"carried_over": "0", "complaint_type": "TXN"},
    "txn_involved": {"carried_over": "0", "complaint_type": "TXN"},
}
FAVOURABLE = ("UPHELD", "PARTIAL", "SETTLED")

#: metric → (numerator figures, denominator figures or cover field, scale); disclosure_score apart
FORMULAS: dict[str, tuple[tuple[str, ...], tuple[str, ...], int]] = {
    "received": (("received",), (), 1),
    "per_10k_customers": (("received",), ("active_customers",), 10_000),
    "per_100m_volume": (("received",), ("business_volume",), 1),
    "on_time_rate": (("on_time",), ("closed",), 100),
    "closure_rate": (("closed",), ("opening", "received"), 100),
    "favourable_rate": (("favourable",), ("closed",), 100),
    "escalation_rate": (("escalated",), ("closed",), 100),
    "regulator_per_10k": (("regulator",), ("active_customers",), 10_000),
    "txn_bp": (("txn_involved",), ("transactions",), 10_000),
    "disclosure_score": ((), (), 1),
}


def _outcome_filter_supported() -> bool:
    """Whether ``filings.rows`` filters by ``outcome`` (then favourable rows are listed exactly)."""
    return "outcome" in ROW_FILTERS


def row_links(version_id: int, figure: str, category: str | None) -> list[tuple[str, str]]:
    """(label, URL) of the complaint rows behind one count; several links when the rows are the
    union of several filters (favourable = three outcomes)."""
    params = dict(FIGURE_FILTERS[figure])
    if category:
        params["business_category"] = category
    if figure == "favourable" and _outcome_filter_supported():
        return [(outcome, url_for("filings.rows", version_id=version_id, outcome=outcome, **params))
                for outcome in FAVOURABLE]
    label = str(_l("closed rows (favourable among them)")) if figure == "favourable" else str(_l("rows"))
    return [(label, url_for("filings.rows", version_id=version_id, **params))]


@dataclass
class Drill:
    """What the drill-down page shows for one institution in one table."""

    version: FilingVersion | None
    dsc_version: FilingVersion | None
    total: dict | None
    categories: list[dict]
    cover: dict
    findings: list[Finding]


def figures_of(version_id: int) -> tuple[dict | None, list[dict]]:
    """The whole-filing counts and the per-category counts of a version (category order)."""
    rows = db.session.scalars(select(DerivedFigures).where(DerivedFigures.version_id == version_id)).all()
    total, categories = None, []
    for r in rows:
        data = {"business_category": r.business_category, **{c: getattr(r, c) for c in COUNTS}}
        if r.business_category is None:
            total = data
        else:
            categories.append(data)
    categories.sort(key=lambda d: d["business_category"])
    return total, categories


def drill(user, period_id: int, institution_id: int, versions: dict[str, int]) -> Drill:
    """Counts, cover and open ``D`` findings behind an institution's row (``versions`` = the filing
    versions the table used, by kind). Findings are those the user may see (scope)."""
    cmp_id, dsc_id = versions.get(FilingKind.CMP), versions.get(FilingKind.DSC)
    version = db.session.get(FilingVersion, cmp_id) if cmp_id else None
    dsc = db.session.get(FilingVersion, dsc_id) if dsc_id else None
    total, categories = figures_of(cmp_id) if cmp_id else (None, [])
    cover = {}
    if cmp_id:
        c = db.session.scalar(select(CoverFigures).where(CoverFigures.version_id == cmp_id))
        if c is not None:
            cover = {"active_customers": c.active_customers, "business_volume": c.business_volume,
                     "transactions": c.transactions}
    findings = db.session.scalars(visible_findings(user).where(
        Finding.institution_id == institution_id, Finding.period_id == period_id, Finding.rule.like("D%"),
        Finding.status != FindingStatus.CLOSED, Finding.holds.is_(True)).order_by(Finding.rule, Finding.id)).all()
    return Drill(version, dsc, total, categories, cover, list(findings))


def formula_parts(metric: str, total: dict | None, cover: dict) -> dict:
    """Numerator and denominator of a metric with their figures (for the formula line)."""
    num, den, scale = FORMULAS[metric]
    values = {**(total or {}), **cover}
    return {"numerator": [(f, values.get(f)) for f in num], "denominator": [(f, values.get(f)) for f in den],
            "scale": scale}


def label_of(name: str) -> str:
    """Translated label of a figure or cover field."""
    return str(FIGURE_LABELS.get(name) or COVER_LABELS.get(name) or name)
