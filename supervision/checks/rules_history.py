"""Cross-period and register rules of spec §6: ``P01``–``P03`` and ``X01``–``X02`` (pure)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence, Set
from datetime import date
from fractions import Fraction

from supervision.checks.rules_base import (
    DETAIL_SHEET,
    CmpFacts,
    ComplaintFacts,
    Draft,
    RegisterFacts,
    capped,
    dec,
    ids_text,
    key,
    present,
    shown,
)
from supervision.domain.calendar import parse_period, period_of

__all__ = ["check_previous", "check_register"]

#: P03 thresholds (spec §6): received down by MORE than 50 %, customers down by LESS than 10 %.
P03_RECEIVED_DROP = Fraction(1, 2)
P03_CUSTOMER_DROP = Fraction(1, 10)


def _by_row(rows: Sequence[ComplaintFacts]) -> list[ComplaintFacts]:
    return sorted(rows, key=lambda r: (r.row_no, r.complaint_id))


def check_previous(current: CmpFacts, previous: CmpFacts | None,
                   earlier_received: Mapping[str, date]) -> list[Draft]:
    """Rules ``P01``, ``P02`` and ``P03`` (spec §6) for an accepted ``CMP`` version.

    ``previous`` is the latest accepted ``CMP`` of the same institution for the immediately
    preceding quarter, or ``None`` when there is none; ``earlier_received`` maps every
    ``complaint_id`` seen in an earlier accepted filing of the institution to its ``received_date``
    there. Findings are returned in the order P01, P02, P03; each is filing-level (subject ``""``).
    Complaint ids are compared exactly (they come from the institution's own system, §4.2 "stable").

    * ``P01`` (medium): the ids of carried-over rows must equal the ids ``OPEN`` in ``previous``.
      *missing* = open last period but not carried over (closed rows of this period that were
      carried over count as carried over; a complaint simply dropped is missing); *extra* =
      carried over but not open last period — including a complaint that was ``CLOSED`` last period
      and reappears as carried over (its ``previous_status`` is ``CLOSED`` in the evidence) and one
      absent from the previous filing (``previous_status`` null). No ``previous`` → no finding: it
      is the institution's first period (or the previous one was never accepted), nothing to compare.
      Evidence lists are capped at :data:`~supervision.checks.rules_base.EVIDENCE_CAP` with exact
      counts; the message names up to 10 ids of each.
    * ``P02`` (low): one finding listing every row whose id appears in ``earlier_received`` with a
      different ``received_date`` (id, current and earlier date, row). Works without ``previous``.
    * ``P03`` (high): ``(prev − cur) / prev`` of ``received`` > 50 % while that of
      ``active_customers`` < 10 % (a customer increase is a negative fall, so it qualifies), exact
      ``Fraction`` comparisons. No finding without ``previous``, when the previous ``received`` is 0
      (no fall can be measured), or when either ``active_customers`` is missing or the previous one is
      0. Evidence carries both periods' figures and the exact % changes (negative = fall).

    Raises ``ValueError`` if ``previous`` belongs to another institution or is not the quarter before.
    """
    if previous is not None:
        if previous.institution_code != current.institution_code:
            raise ValueError("previous filing belongs to another institution")
        if parse_period(current.period_code).previous().code != previous.period_code:
            raise ValueError(f"{previous.period_code} is not the quarter before {current.period_code}")
    drafts: list[Draft] = []
    if previous is not None:
        drafts += _p01(current, previous)
    drafts += _p02(current, earlier_received)
    if previous is not None:
        drafts += _p03(current, previous)
    return drafts


def _p01(current: CmpFacts, previous: CmpFacts) -> list[Draft]:
    prev_status = {r.complaint_id: r for r in previous.rows}
    prev_open = {r.complaint_id: r for r in _by_row(previous.rows) if r.status == "OPEN"}
    carried = {r.complaint_id: r for r in _by_row(current.rows) if r.carried_over}
    missing = [r for cid, r in prev_open.items() if cid not in carried]
    extra = [r for cid, r in carried.items() if cid not in prev_open]
    if not missing and not extra:
        return []
    evidence = {
        "sheet": DETAIL_SHEET,
        "previous_version_id": previous.version_id,
        "previous_period": previous.period_code,
        "previous_open_count": len(prev_open),
        "carried_over_count": len(carried),
        "missing_count": len(missing),
        "missing": capped([{"complaint_id": r.complaint_id, "previous_row": r.row_no} for r in missing]),
        "extra_count": len(extra),
        "extra": capped([{"complaint_id": r.complaint_id, "row": r.row_no,
                          "previous_status": prev_status[r.complaint_id].status
                          if r.complaint_id in prev_status else None} for r in extra]),
    }
    params = {"missing": ids_text(r.complaint_id for r in missing), "extra": ids_text(r.complaint_id for r in extra)}
    return [Draft("P01", "medium", "", None, evidence, params)]


def _p02(current: CmpFacts, earlier_received: Mapping[str, date]) -> list[Draft]:
    changed = [r for r in _by_row(current.rows)
               if r.complaint_id in earlier_received and earlier_received[r.complaint_id] != r.received_date]
    if not changed:
        return []
    records = [{"complaint_id": r.complaint_id, "received_date": r.received_date.isoformat(),
                "previous_date": earlier_received[r.complaint_id].isoformat(), "row": r.row_no} for r in changed]
    evidence = {"sheet": DETAIL_SHEET, "column": "received_date", "count": len(records), "complaints": capped(records)}
    params = {"complaint_id": ids_text(r["complaint_id"] for r in records),
              "received_date": ids_text(r["received_date"] for r in records),
              "previous_date": ids_text(r["previous_date"] for r in records)}
    return [Draft("P02", "low", "", None, evidence, params)]


def _p03(current: CmpFacts, previous: CmpFacts) -> list[Draft]:
    prev_r, cur_r = previous.received, current.received
    prev_c, cur_c = previous.active_customers, current.active_customers
    if prev_r <= 0 or prev_c is None or prev_c <= 0 or cur_c is None:
        return []
    drop = Fraction(prev_r - cur_r, prev_r)
    customer_drop = Fraction(prev_c - cur_c, prev_c)
    if not (drop > P03_RECEIVED_DROP and customer_drop < P03_CUSTOMER_DROP):
        return []
    evidence = {
        "period": current.period_code, "previous_period": previous.period_code,
        "previous_version_id": previous.version_id,
        "received": cur_r, "previous_received": prev_r,
        "active_customers": cur_c, "previous_active_customers": prev_c,
        "received_change_pct": dec(-drop * 100), "active_customers_change_pct": dec(-customer_drop * 100),
        "received_drop_threshold_pct": "50", "customer_drop_threshold_pct": "10",
    }
    params = {"received": cur_r, "previous": prev_r, "drop": shown(drop * 100),
              "customer_drop": shown(customer_drop * 100), "customer_rise": shown(-customer_drop * 100)}
    # the message says which way the customers went: "fell only" for a fall under 10 %, "rose" for a rise
    variant = None if customer_drop > 0 else ("customers_same" if customer_drop == 0 else "customers_rose")
    return [Draft("P03", "high", "", None, evidence, params, (variant,))]


def check_register(current: CmpFacts, register_in_period: Sequence[RegisterFacts],
                   all_register_refs: Set[str]) -> list[Draft]:
    """Rules ``X01`` and ``X02`` (spec §6, §7) for an accepted ``CMP`` version; order X01, X02.

    ``register_in_period`` holds the register entries of this institution whose ``transferred_date``
    falls in the filing's quarter (§7); ``all_register_refs`` every ``transfer_ref`` of the register,
    all institutions and periods. References are matched on NFKC + trim + case-fold, since the
    register and the filing are typed by different parties.

    * ``X01`` (high, subject ``""``): entries whose reference is on no row of the detail sheet (any
      source, carried over or not). Evidence: the missing references with date, hotline, category and
      cause, in date/reference order, capped, with the exact count. A reference listed twice counts once.
    * ``X02`` (low, subject ``""``): rows with source ``REGULATOR`` whose ``transfer_ref`` is not in
      the register at all (complaint ids, refs, rows; capped with count). Rows without a reference
      are ``C03``'s (blocking) and skipped; references on ``DIRECT``/``OTHER`` rows are not checked.

    Raises ``ValueError`` if an entry's ``transferred_date`` lies outside the filing's quarter.
    """
    drafts: list[Draft] = []
    refs = current.transfer_refs if current.transfer_refs is not None else (r.transfer_ref for r in current.rows)
    on_rows = {key(ref) for ref in refs if present(ref)}
    missing: dict[str, RegisterFacts] = {}
    for entry in sorted(register_in_period, key=lambda e: (e.transferred_date, e.transfer_ref)):
        if period_of(entry.transferred_date).code != current.period_code:
            raise ValueError(f"register entry {entry.transfer_ref} is not of period {current.period_code}")
        k = key(entry.transfer_ref)
        if k not in on_rows and k not in missing:
            missing[k] = entry
    if missing:
        entries = list(missing.values())
        records = [{"transfer_ref": e.transfer_ref, "transferred_date": e.transferred_date.isoformat(),
                    "hotline": e.hotline, "business_category": e.business_category, "cause": e.cause}
                   for e in entries]
        evidence = {"period": current.period_code, "count": len(entries), "missing": capped(records)}
        params = {"transfer_ref": ids_text(e.transfer_ref for e in entries),
                  "transferred_date": ids_text(e.transferred_date.isoformat() for e in entries)}
        drafts.append(Draft("X01", "high", "", None, evidence, params))

    known = {key(ref) for ref in all_register_refs}
    unknown = [r for r in _by_row(current.rows)
               if r.source == "REGULATOR" and present(r.transfer_ref) and key(r.transfer_ref) not in known]
    if unknown:
        evidence = {"sheet": DETAIL_SHEET, "column": "transfer_ref", "count": len(unknown),
                    "rows": capped([{"complaint_id": r.complaint_id, "transfer_ref": r.transfer_ref, "row": r.row_no}
                                    for r in unknown])}
        params = {"transfer_ref": ids_text(r.transfer_ref for r in unknown if r.transfer_ref)}
        drafts.append(Draft("X02", "low", "", None, evidence, params))
    return drafts
