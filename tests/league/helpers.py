"""The league table computed independently of the platform's SQL: §4.4 figures derived in Python
from the generated complaint rows (``CmpFiling.rows``) and covers, the open ``D`` findings counted
with a plain ORM query, then the pure core. Not a test module."""

from __future__ import annotations

from sqlalchemy import select

from reports.league import InstitutionFigures, compute_league, serialize_league

DEADLINES = {"NONE": 15, "EXT30": 30, "EXT60": 60}
FAVOURABLE = {"UPHELD", "PARTIAL", "SETTLED"}


def figures_from_rows(filing) -> dict:
    """The §4.4 counts of a generated filing, straight from the spec's definitions."""
    start = filing.period.start
    rows = filing.rows
    received = [r for r in rows if r["received_date"] >= start]
    closed = [r for r in rows if r["status"] == "CLOSED"]
    txn = [r for r in received if r["complaint_type"] == "TXN"]
    return {
        "opening": sum(1 for r in rows if r["received_date"] < start),
        "received": len(received),
        "closed": len(closed),
        "open_end": sum(1 for r in rows if r["status"] == "OPEN"),
        "on_time": sum(1 for r in closed
                       if (r["closed_date"] - r["received_date"]).days <= DEADLINES[r["extension"]]),
        "favourable": sum(1 for r in closed if r["outcome"] in FAVOURABLE),
        "escalated": sum(1 for r in closed if r["escalated"] is True),
        "regulator": sum(1 for r in received if r["source"] == "REGULATOR"),
        "txn_received": len(txn),
        "txn_involved": sum(r["transactions_involved"] or 0 for r in txn),
    }


def open_d_counts(period_id: int) -> dict[int, dict[str, int]]:
    """institution id → level → open (not CLOSED), holding findings whose rule starts with D."""
    from supervision.extensions import db
    from supervision.findings.models import Finding

    out: dict[int, dict[str, int]] = {}
    for f in db.session.scalars(select(Finding).where(Finding.period_id == period_id)):
        if f.rule.startswith("D") and f.status != "CLOSED" and f.holds:
            out.setdefault(f.institution_id, {}).setdefault(f.level, 0)
            out[f.institution_id][f.level] += 1
    return out


def expected_figures(lw, period_code: str) -> list[InstitutionFigures]:
    """Every institution's figures for the period, from what the test generated and ingested."""
    findings = open_d_counts(lw.periods[period_code])
    out = []
    for inst in lw.inst.values():
        filing = lw.cmp.get((inst.code, period_code))
        levels = findings.get(inst.id, {})
        common = {"code": inst.code, "name": inst.name, "sector": inst.sector,
                  "has_accepted_dsc": (inst.code, period_code) in lw.dsc, "open_d_high": levels.get("high", 0),
                  "open_d_medium": levels.get("medium", 0), "open_d_low": levels.get("low", 0)}
        if filing is None:  # no CMP counts: 未报送 whatever was uploaded (decision 4: one definition of reported)
            out.append(InstitutionFigures(filed_cmp=False, accepted_cmp=False, **common))
            continue
        cover = filing.cover
        out.append(InstitutionFigures(filed_cmp=True, accepted_cmp=True, **figures_from_rows(filing),
                                      active_customers=cover["active_customers"],
                                      business_volume=cover["business_volume"],
                                      transactions=cover["transactions"], **common))
    return out


def expected_table(lw, period_code: str, previous_ranks: dict | None = None) -> dict:
    """The serialized draft table the platform should show for the period."""
    result = compute_league(expected_figures(lw, period_code), None, previous_ranks)
    return serialize_league(result, period=period_code, snapshot=None)


def ranks_of(table: dict) -> dict[str, int]:
    """code → composite rank of a serialized table (the movement basis of the next period)."""
    return {r["institution_code"]: r["rank_composite"] for r in table["rows"] if r["rank_composite"] is not None}


def ensure_published(lw, code: str):
    """The period's latest snapshot, published now (by the console) when there is none yet."""
    from supervision.extensions import db
    from supervision.league import services

    period = lw.period(code)
    snap = services.latest_snapshot(period.id)
    if snap is None:
        snap = services.publish(None, period)
        db.session.commit()
    return snap
