"""Charts of the period dashboard (issue 14): reporting rate over time, findings by rule, complaints
by sector and category with the change against the previous quarter — each linking into the
explorer. Read within the user's scope; complaint figures come from the cube."""

from __future__ import annotations

from flask import url_for
from sqlalchemy import func, select

from reports.numbers import display
from supervision.analytics import present
from supervision.analytics.queries import View, ViewError, read_view
from supervision.domain.enums import FilingKind, FindingStatus
from supervision.extensions import db
from supervision.findings.models import Finding
from supervision.orgs.models import Institution
from supervision.periods.models import Period
from supervision.scope import finding_condition, institution_condition


def reporting_trend(user, period: Period, quarters: int = 8) -> dict:
    """Reporting rate (%) per filing kind over the periods up to ``period`` (at most ``quarters``)."""
    from supervision.filings.reporting import rates, reporting_entries

    periods = list(db.session.scalars(select(Period).where(Period.code <= period.code)
                                      .order_by(Period.code.desc()).limit(quarters)))[::-1]
    scoped = list(db.session.scalars(select(Institution.id).where(institution_condition(user, "filings"))))
    kinds: dict[str, list] = {}
    for p in periods:
        for kind, r in rates(reporting_entries(p, scoped)).items():
            kinds.setdefault(kind, [None] * len(periods))[periods.index(p)] = \
                display(r.reporting_rate, 2) if r.expected else None
    return {"type": "lines", "periods": [p.code for p in periods],
            "series": [str(FilingKind.label_of(k)) for k in kinds], "kinds": list(kinds),
            "lines": [[None if v is None else float(v) for v in vals] for vals in kinds.values()],
            "label": "%"}


def findings_by_rule(user, period: Period) -> dict:
    """Open findings per rule in the period (bars)."""
    rows = db.session.execute(select(Finding.rule, func.count()).where(
        finding_condition(user), Finding.status != FindingStatus.CLOSED, Finding.period_id == period.id)
        .group_by(Finding.rule).order_by(Finding.rule)).all()
    return {"type": "bars", "categories": [r for r, _n in rows], "values": [n for _r, n in rows], "label": ""}


def complaints_by_sector(user, period: Period) -> tuple[dict | None, list[dict]]:
    """Stacked bars of received by sector × business category, and per sector the total with its
    change against the previous quarter and a link to the explorer."""
    view = View(period=period.code, rows="sector", cols="business_category")
    try:
        res = read_view(view, institution_condition(user, "filings"))
    except ViewError:
        return None, []
    tbl = present.table(res, "received", {})
    sectors = [{"code": s, "received": res.row_totals[s]["received"], "qoq": res.row_totals[s]["qoq"],
                "qoq_pct": res.row_totals[s]["qoq_pct"], "qoq_pct_text": present.shown_text("qoq_pct",
                                                                                            res.row_totals[s]["qoq_pct"]),
                "url": url_for("analytics.explorer", period=period.code, sector=s, rows="business_category",
                               cols="province")} for s in res.row_values]
    return present.chart(res, tbl, {}), sectors


def charts(user, period: Period) -> dict:
    """Everything the dashboard's chart section shows."""
    complaints, sectors = complaints_by_sector(user, period)
    return {"reporting": reporting_trend(user, period), "findings": findings_by_rule(user, period),
            "complaints": complaints, "sectors": sectors,
            "explorer": url_for("analytics.explorer", period=period.code, rows="sector", cols="business_category")}
