"""Storing the content of a valid version, inside its one transaction (called by
:mod:`supervision.filings.pipeline`): the cover figures, the complaint rows bulk-loaded from the
spool (:mod:`supervision.filings.bulkload`) with the summary, the §4.4 figures and the §10.1 cube,
or the disclosure sheets' rows. Flushes only: the pipeline commits.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

from sqlalchemy import and_, case, func, insert, literal, select

from supervision.domain.enums import FilingKind
from supervision.extensions import db
from supervision.filings.bulkload import FAVOURABLE, derive_from_spool, load_complaints
from supervision.filings.content_models import (
    ActivityRow,
    ChannelRow,
    ComplaintRow,
    CoverFigures,
    DerivedFigures,
    PartnerRow,
    ProductRow,
    SummaryRow,
)
from supervision.filings.models import FilingVersion
from supervision.ingest.validate import ValidationResult

#: rows per INSERT of the small sheets
BATCH = 2000

#: sheet code → (table, columns taken from the converted row)
TABLES = {
    "summary": (SummaryRow, ("business_category", "received", "closed", "closed_on_time", "open_end",
                             "regulator_transferred")),
    "products": (ProductRow, ("product_code", "product_name", "product_type", "apr_min", "apr_max", "fee_items",
                              "auto_deduction", "deduction_notice", "disclosure_channels", "disclosure_url",
                              "status")),
    "channels": (ChannelRow, ("channel_type", "contact", "service_hours", "accessible", "elderly_friendly")),
    "partners": (PartnerRow, ("partner_type", "partner_name", "partner_code", "contract_start", "contract_end",
                              "published")),
    "activities": (ActivityRow, ("item", "value")),
}

log = logging.getLogger(__name__)


def _insert_batches(table, rows: Iterable[dict]) -> int:
    n, batch = 0, []
    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH:
            db.session.execute(insert(table.__table__), batch)
            n += len(batch)
            batch = []
    if batch:
        db.session.execute(insert(table.__table__), batch)
        n += len(batch)
    return n



def _table_rows(result: ValidationResult, sheet: str, version_id: int, columns: tuple[str, ...]) -> Iterator[dict]:
    for row in result.rows(sheet):
        out = {c: row.get(c) for c in columns}
        if sheet == "summary":
            out["is_total"] = out["business_category"] == "TOTAL"
            for c in ("received", "closed", "closed_on_time", "open_end", "regulator_transferred"):
                out[c] = out[c] or 0
        if sheet == "products" and out.get("disclosure_channels") is not None:
            out["disclosure_channels"] = list(out["disclosure_channels"])
        out.update(version_id=version_id, row_no=row["_row"])
        yield out



def derive_figures(version: FilingVersion) -> None:
    """§4.4 figures per business category and for the whole filing, with set-based SQL over the stored
    rows (ingest derives them from its spool, :func:`supervision.filings.bulkload.derive_from_spool`;
    the two are compared in the tests)."""
    c = ComplaintRow
    received = c.carried_over.is_(False)
    closed = c.status == "CLOSED"

    def n(cond):
        return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)

    figures = [
        n(c.carried_over.is_(True)).label("opening"),
        n(received).label("received"),
        n(closed).label("closed"),
        n(c.status == "OPEN").label("open_end"),
        n(and_(closed, c.on_time.is_(True))).label("on_time"),
        n(and_(closed, c.outcome.in_(FAVOURABLE))).label("favourable"),
        n(and_(closed, c.escalated.is_(True))).label("escalated"),
        n(and_(received, c.source == "REGULATOR")).label("regulator"),
        n(and_(received, c.complaint_type == "TXN")).label("txn_received"),
        func.coalesce(func.sum(case((and_(received, c.complaint_type == "TXN"),
                                     func.coalesce(c.transactions_involved, 0)), else_=0)), 0).label("txn_involved"),
    ]
    cols = ["opening", "received", "closed", "open_end", "on_time", "favourable", "escalated", "regulator",
            "txn_received", "txn_involved"]
    base = [literal(version.id).label("version_id"), literal(version.filing.institution_id).label("institution_id"),
            literal(version.filing.period_id).label("period_id")]
    target = ["version_id", "institution_id", "period_id", "business_category", *cols]
    by_cat = select(*base, c.business_category, *figures).where(c.version_id == version.id) \
        .group_by(c.business_category)
    db.session.execute(insert(DerivedFigures.__table__).from_select(target, by_cat))
    total = select(*base, literal(None).label("business_category"), *figures).where(c.version_id == version.id)
    db.session.execute(insert(DerivedFigures.__table__).from_select(target, total))



def _cover_row(result: ValidationResult, version: FilingVersion) -> dict:
    cv = result.cover
    volume = cv.get("business_volume")
    return {"version_id": version.id, "template_version": cv.get("template_version") or "",
            "institution_code": cv.get("institution_code") or version.filing.institution.code,
            "institution_name": cv.get("institution_name"), "period_code": cv.get("period") or
            version.filing.period.code, "active_customers": cv.get("active_customers"),
            "business_volume": Decimal(volume) if volume is not None else None,
            "transactions": cv.get("transactions"), "preparer": cv.get("preparer"), "phone": cv.get("phone")}



def spool_sums_beside(result: ValidationResult, cleanup, running=None) -> dict | None:
    """Start grouping what the store takes from a CMP version's spool, in a thread (polars, without
    the GIL) that ``cleanup`` (an ``ExitStack``) ends: the §10.1 cube's sums (taken from
    ``running``, a :class:`~supervision.analytics.columnar.RunningSums` that summed the windows
    while they were read, where it did) and the §10 customer groups. The futures by name, for
    :func:`store`; None without a spool."""
    if result.kind != FilingKind.CMP or result.spool is None:
        return None
    from supervision.analytics.columnar import spool_sums
    from supervision.vulnerable.derive import groups_from_spool

    beside = cleanup.enter_context(ThreadPoolExecutor(1, thread_name_prefix="cube"))
    return {"cube": beside.submit(spool_sums, result.spool, running),
            "groups": beside.submit(groups_from_spool, result.spool)}


def store(version: FilingVersion, result: ValidationResult, timings: dict[str, float] | None = None,
          staged=None, grouped: dict | None = None) -> dict[str, int]:
    """Write the whole content of a valid version (call inside the version's one transaction): for a
    CMP version its rows, summary, §4.4 figures, the §10.1 cube and the §10 customer-group figures
    (the last two grouped from the spool in a thread, started by :func:`spool_sums_beside` or here,
    during the bulk load); ``timings`` gets the seconds the cube adds (``cube``); ``staged``: the
    detail rows staged or copied while read (:func:`supervision.filings.bulkload.stager`), if any;
    ``grouped``: :func:`spool_sums_beside`'s futures, if started."""
    counts: dict[str, int] = {}
    db.session.execute(insert(CoverFigures.__table__), [_cover_row(result, version)])
    if result.kind == FilingKind.CMP:
        from supervision.analytics.services import derive_cube  # §10.1: in the same transaction
        from supervision.vulnerable.derive import insert_groups

        filing = version.filing
        with contextlib.ExitStack() as cleanup:
            sums = grouped or spool_sums_beside(result, cleanup)
            counts["detail"] = load_complaints(result.spool, version_id=version.id, staged=staged,
                                               institution_id=filing.institution_id, period_id=filing.period_id)
            counts["summary"] = _insert_batches(SummaryRow, _table_rows(result, "summary", version.id,
                                                                        TABLES["summary"][1]))
            db.session.execute(insert(DerivedFigures.__table__), derive_from_spool(
                result.spool, version_id=version.id, institution_id=filing.institution_id,
                period_id=filing.period_id))
            started = time.monotonic()  # what the cube adds: waiting for its sums, then their insert
            derive_cube(version.id, filing.institution_id, filing.period_id, result.spool, sums["cube"].result())
            cube_seconds = time.monotonic() - started
            try:
                groups = sums["groups"].result()
            except Exception:  # a shortcut only: the groups are then derived by SQL after acceptance
                log.warning("customer groups not taken from the spool of version %s", version.id, exc_info=True)
            else:
                insert_groups(version.id, filing.institution_id, filing.period_id, groups)
        if timings is not None:
            timings["cube"] = round(cube_seconds, 3)
    else:
        for sheet in ("products", "channels", "partners", "activities"):
            table, columns = TABLES[sheet]
            counts[sheet] = _insert_batches(table, _table_rows(result, sheet, version.id, columns))
    return counts
