"""Disclosure rules of spec §6: ``D02``–``D07`` (pure). ``D01`` is blocking and checked at ingest."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from supervision.checks.rules_base import (
    CHANNEL_SHEET,
    DETAIL_SHEET,
    PARTNER_SHEET,
    PRODUCT_SHEET,
    CitedProduct,
    CmpFacts,
    ComplaintFacts,
    Draft,
    DscFacts,
    ProductFacts,
    capped,
    key,
    plain,
    present,
)
from supervision.domain.enums import FindingLevel

__all__ = ["check_disclosure"]

AUTO_DEDUCTION_CAUSE = "C13"


def check_disclosure(dsc: DscFacts | None, cmp: CmpFacts | None, apr_cap: Decimal) -> list[Draft]:
    """Rules ``D02``–``D07`` (spec §6) for one institution and period; order D02, D03, D04, D05, D06, D07,
    within a rule by subject (product code / partner name).

    ``dsc`` and ``cmp`` are the latest accepted versions of the period (``None`` when there is none);
    ``apr_cap`` is the configured cap in percent (default ``Decimal('24')``). Product codes and partner
    names are matched on NFKC + trim + case-fold; the subject keeps the spelling of the first row.
    A product code listed twice (prevented by ``V04``) is judged on its first row.

    * ``D02`` (high, per product): ``apr_max > apr_cap`` (strict; exactly 24 % is allowed; any product
      type that gives an ``apr_max``).
    * ``D03`` (medium, per product): ``auto_deduction`` is yes and ``deduction_notice`` is not yes —
      an empty notice counts as no notice (nothing is disclosed); empty ``auto_deduction`` → nothing.
    * ``D04`` (medium, per partner name): a ``COLLECTION`` partner whose ``published`` is not yes (no
      or empty); several rows of one name make one finding listing the rows.
    * ``D05`` (low, subject ``""``): no channel with ``accessible`` = yes (default variant) and/or no
      ``HOTLINE`` channel (variant ``no_hotline``): one finding whose message names every reason; an
      empty channel sheet gives both.
    * ``D06`` (medium, per cited product code): rows (received and carried over) citing a product code
      absent from ``dsc``. **No DSC at all**: nothing is disclosed, so every cited code gets a finding
      (evidence ``dsc_missing`` = true); D02–D05 and D07 then give nothing (the missing filing is
      ``T01``'s, and §8 scores its disclosure 0).
    * ``D07`` (high, per product): rows with cause ``C13`` on a product disclosed with
      ``auto_deduction`` = no (``False``; empty is not "no"). Products absent from the DSC are D06's.

    ``cmp`` ``None`` → no D06/D07; ``dsc`` ``None`` → only D06 (if ``cmp`` is given).
    """
    drafts: list[Draft] = []
    if dsc is not None:
        products = _first_by_code(dsc.products)
        drafts += _d02(products, apr_cap)
        drafts += _d03(products)
        drafts += _d04(dsc)
        drafts += _d05(dsc)
    if cmp is not None:
        drafts += _d06(dsc, cmp)
        if dsc is not None:
            drafts += _d07(_first_by_code(dsc.products), cmp)
    return drafts


def _first_by_code(products: Sequence[ProductFacts]) -> dict[str, ProductFacts]:
    """Products by matching key, first row wins, sorted by product code."""
    found: dict[str, ProductFacts] = {}
    for p in sorted(products, key=lambda p: p.row_no):
        found.setdefault(key(p.product_code), p)
    return dict(sorted(found.items(), key=lambda kv: (kv[1].product_code, kv[1].row_no)))


def _product_evidence(p: ProductFacts) -> dict:
    return {"sheet": PRODUCT_SHEET, "row": p.row_no, "product_code": p.product_code,
            "product_name": p.product_name, "product_type": p.product_type}


def _d02(products: dict[str, ProductFacts], cap: Decimal) -> list[Draft]:
    drafts = []
    for p in products.values():
        if p.apr_max is not None and p.apr_max > cap:
            evidence = {**_product_evidence(p), "column": "apr_max", "apr_max": plain(p.apr_max), "cap": plain(cap)}
            # the message gives the rate as filed without trailing zeros (28.3600 → 28.36; exact in the evidence)
            params = {"product_code": p.product_code, "apr_max": plain(p.apr_max.normalize()),
                      "cap": plain(cap.normalize())}
            drafts.append(Draft("D02", FindingLevel.HIGH, p.product_code, p.product_name, evidence, params))
    return drafts


def _d03(products: dict[str, ProductFacts]) -> list[Draft]:
    drafts = []
    for p in products.values():
        if p.auto_deduction is True and p.deduction_notice is not True:
            evidence = {**_product_evidence(p), "auto_deduction": True, "deduction_notice": p.deduction_notice}
            drafts.append(Draft("D03", FindingLevel.MEDIUM, p.product_code, p.product_name, evidence,
                                {"product_code": p.product_code}))
    return drafts


def _d04(dsc: DscFacts) -> list[Draft]:
    groups: dict[str, list] = {}
    for partner in sorted(dsc.partners, key=lambda x: x.row_no):
        if partner.partner_type == "COLLECTION" and partner.published is not True:
            groups.setdefault(key(partner.partner_name), []).append(partner)
    drafts = []
    for rows in sorted(groups.values(), key=lambda rs: rs[0].partner_name):
        first = rows[0]
        code = next((r.partner_code for r in rows if present(r.partner_code)), None)
        evidence = {"sheet": PARTNER_SHEET, "partner_name": first.partner_name, "partner_code": code,
                    "partner_type": "COLLECTION",
                    "rows": [{"row": r.row_no, "published": r.published} for r in rows]}
        params = {"partner_name": first.partner_name, "partner_code": code or "—"}
        drafts.append(Draft("D04", FindingLevel.MEDIUM, first.partner_name, None, evidence, params))
    return drafts


def _d05(dsc: DscFacts) -> list[Draft]:
    channels = sorted(dsc.channels, key=lambda c: c.row_no)
    variants: list[str | None] = []
    reasons = []
    if not any(c.accessible is True for c in channels):
        variants.append(None)
        reasons.append("no_accessible")
    if not any(c.channel_type == "HOTLINE" for c in channels):
        variants.append("no_hotline")
        reasons.append("no_hotline")
    if not reasons:
        return []
    evidence = {"sheet": CHANNEL_SHEET, "reasons": reasons, "channel_count": len(channels),
                "channels": capped([{"row": c.row_no, "channel_type": c.channel_type, "accessible": c.accessible}
                                    for c in channels])}
    return [Draft("D05", FindingLevel.LOW, "", None, evidence, {}, tuple(variants))]


def _cited(rows: Sequence[ComplaintFacts]) -> dict[str, CitedProduct]:
    """Rows citing a product, grouped by product key, rows in sheet order."""
    groups: dict[str, list[ComplaintFacts]] = {}
    for r in sorted(rows, key=lambda r: (r.row_no, r.complaint_id)):
        if present(r.product_code):
            groups.setdefault(key(r.product_code or ""), []).append(r)
    return {k: CitedProduct(rs[0].product_code or "", len(rs), rs) for k, rs in groups.items()}


def _complaints(cited: CitedProduct) -> dict:
    return {"count": cited.count, "complaint_ids": capped([r.complaint_id for r in cited.rows]),
            "rows": capped([r.row_no for r in cited.rows])}


def _d06(dsc: DscFacts | None, cmp: CmpFacts) -> list[Draft]:
    disclosed = {key(p.product_code) for p in dsc.products} if dsc is not None else set()
    drafts = []
    cited = cmp.cited if cmp.cited is not None else _cited(cmp.rows)
    absent = [(c.product_code, c) for k, c in cited.items() if k not in disclosed]
    for code, c in sorted(absent, key=lambda t: t[0]):
        evidence = {"sheet": DETAIL_SHEET, "column": "product_code", "product_code": code,
                    "dsc_missing": dsc is None, "dsc_version_id": dsc.version_id if dsc is not None else None,
                    **_complaints(c)}
        drafts.append(Draft("D06", FindingLevel.MEDIUM, code, None, evidence, {"count": c.count, "product_code": code}))
    return drafts


def _d07(products: dict[str, ProductFacts], cmp: CmpFacts) -> list[Draft]:
    cited = cmp.cited_c13 if cmp.cited_c13 is not None else \
        _cited([r for r in cmp.rows if r.cause == AUTO_DEDUCTION_CAUSE])
    drafts = []
    for k, c in cited.items():
        p = products.get(k)
        if p is None or p.auto_deduction is not False:
            continue
        evidence = {**_product_evidence(p), "auto_deduction": False, "cause": AUTO_DEDUCTION_CAUSE,
                    "detail_sheet": DETAIL_SHEET, **_complaints(c)}
        drafts.append(Draft("D07", FindingLevel.HIGH, p.product_code, p.product_name, evidence,
                            {"count": c.count, "product_code": p.product_code}))
    return sorted(drafts, key=lambda d: d.subject)
