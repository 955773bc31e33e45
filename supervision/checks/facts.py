"""Facts of accepted ``CMP`` versions for the §6 checks, read with set-based SQL.

No check loads every complaint row of a filing: each family gets the aggregates it needs and, where
a rule lists rows, only the rows that can appear in a finding (the pure rules in
:mod:`supervision.checks.rules` decide exactly as they would on all rows):

* ``P01`` — carried-over rows of this version; ``OPEN`` rows of the previous one, and the previous
  rows of ids carried over now (their status names the "extra" ones);
* ``P02`` — the rows whose ``complaint_id`` has an earlier accepted filing (earliest period) with a
  different ``received_date``, found by a join, with that earlier date;
* ``X01`` — the distinct ``transfer_ref`` values; ``X02`` — the ``REGULATOR`` rows whose reference
  is in no register entry;
* ``D06`` / ``D07`` — per product code: its row count and first rows (:data:`EVIDENCE_CAP`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from operator import attrgetter

from sqlalchemy import and_, func, select

from supervision.checks import rules as R
from supervision.checks.rules_base import EVIDENCE_CAP, CitedProduct, key, present
from supervision.checks.spooled import SpooledFacts
from supervision.domain.enums import FilingKind
from supervision.extensions import db
from supervision.filings.content_models import ComplaintRow, CoverFigures, DerivedFigures
from supervision.filings.counting import counts_condition
from supervision.filings.models import Filing, FilingVersion
from supervision.periods.models import Period

C = ComplaintRow
_CHUNK = 500
_FACT_COLUMNS = (C.complaint_id, C.received_date, C.source, C.transfer_ref, C.status, C.carried_over, C.cause,
                 C.product_code, C.row_no)


def _fact(row) -> R.ComplaintFacts:
    return R.ComplaintFacts(row.complaint_id, row.received_date, row.source, row.transfer_ref, row.status,
                            bool(row.carried_over), row.cause, row.product_code, row.row_no)


def _rows(*conditions) -> list[R.ComplaintFacts]:
    return [_fact(r) for r in db.session.execute(select(*_FACT_COLUMNS).where(*conditions).order_by(C.row_no))]


def _chunks(values: list, size: int = _CHUNK) -> Iterable[list]:
    for i in range(0, len(values), size):
        yield values[i:i + size]


def cmp_facts(version: FilingVersion, rows: Iterable[R.ComplaintFacts] = (),
              spooled: SpooledFacts | None = None) -> R.CmpFacts:
    """Cover, derived ``received`` and the version's distinct transfer references; ``rows`` are the
    rows a caller needs listed (none by default); ``spooled``: this version's own facts taken from
    the ingest's spool (:mod:`supervision.checks.spooled`), read here otherwise. Cited products:
    :func:`with_cited`."""
    inst, period = version.filing.institution, version.filing.period
    cover = db.session.scalar(select(CoverFigures).where(CoverFigures.version_id == version.id))
    total = db.session.scalar(select(DerivedFigures).where(DerivedFigures.version_id == version.id,
                                                           DerivedFigures.business_category.is_(None)))
    refs = spooled.transfer_refs if spooled is not None else frozenset(db.session.scalars(
        select(C.transfer_ref).distinct().where(C.version_id == version.id, C.transfer_ref.is_not(None))))
    return R.CmpFacts(version.id, inst.code, inst.sector, period.code, cover.active_customers if cover else None,
                      total.received if total else 0, tuple(rows), transfer_refs=refs)


def with_cited(facts: R.CmpFacts, dsc: R.DscFacts | None, spooled: SpooledFacts | None = None) -> R.CmpFacts:
    """``facts`` with the cited products D06 and D07 can report: those absent from ``dsc`` (all when
    there is none) and, among the ``C13`` rows, those disclosed with ``auto_deduction`` = no
    (``spooled``: see :func:`cmp_facts`)."""
    disclosed = {key(p.product_code) for p in dsc.products} if dsc is not None else set()
    no_auto = {key(p.product_code) for p in dsc.products if p.auto_deduction is False} if dsc is not None else set()
    if spooled is not None:
        cited = spooled.cited_where(lambda k: k not in disclosed)
        cited_c13 = spooled.cited_where(lambda k: k in no_auto, c13=True)
    else:
        cited = _cited(facts.version_id, lambda k: k not in disclosed)
        cited_c13 = _cited(facts.version_id, lambda k: k in no_auto, C.cause == "C13")
    return R.CmpFacts(facts.version_id, facts.institution_code, facts.sector, facts.period_code,
                      facts.active_customers, facts.received, facts.rows, transfer_refs=facts.transfer_refs,
                      cited=cited, cited_c13=cited_c13)


def _cited(version_id: int, wanted, *condition) -> dict[str, CitedProduct]:
    """Product key → spelling of its first row, row count and first rows (sheet order), for the keys
    ``wanted`` accepts. Counts by GROUP BY; the first rows by one pass in sheet order (the index on
    ``(version_id, row_no)``) that stops once every key has :data:`EVIDENCE_CAP` rows."""
    where = (C.version_id == version_id, C.product_code.is_not(None), *condition)
    counts = db.session.execute(select(C.product_code, func.count()).where(*where).group_by(C.product_code)).all()
    totals: dict[str, int] = {}
    spellings: list[str] = []
    for spelling, n in counts:
        if present(spelling) and wanted(key(spelling)):
            totals[key(spelling)] = totals.get(key(spelling), 0) + n
            spellings.append(spelling)
    if not spellings:
        return {}
    groups: dict[str, list[R.ComplaintFacts]] = {k: [] for k in totals}
    short = set(totals)
    key_of = {spelling: key(spelling) for spelling in spellings}  # folded once per spelling, not per row
    # evidence names the complaint and its row: the other fields of these facts are left empty
    query = select(C.complaint_id, C.row_no, C.product_code, C.cause).where(*where, C.product_code.in_(spellings)) \
        .order_by(C.row_no, C.complaint_id)
    result = db.session.execute(query.execution_options(yield_per=2000))  # index (version_id, row_no)
    try:
        for row in result:
            k = key_of[row.product_code]
            if k in short:
                groups[k].append(R.ComplaintFacts(row.complaint_id, None, None, None, None, False, row.cause,
                                                  row.product_code, row.row_no))
                if len(groups[k]) >= EVIDENCE_CAP:
                    short.discard(k)
                    if not short:
                        break
    finally:
        result.close()
    return {k: CitedProduct(rows[0].product_code or "", totals[k], tuple(rows)) for k, rows in groups.items()}


#: rows in sheet order: by ``row_no``, then ``complaint_id`` (a C-level key: tens of thousands of rows)
_sheet_order = attrgetter("row_no", "complaint_id")


def with_rows(facts: R.CmpFacts, rows: Iterable[R.ComplaintFacts]) -> R.CmpFacts:
    """``facts`` listing ``rows``."""
    return R.CmpFacts(facts.version_id, facts.institution_code, facts.sector, facts.period_code,
                      facts.active_customers, facts.received, tuple(rows), transfer_refs=facts.transfer_refs,
                      cited=facts.cited, cited_c13=facts.cited_c13)


def history_facts(current: R.CmpFacts, previous: FilingVersion | None, institution_id: int,
                  period_code: str, spooled: SpooledFacts | None = None
                  ) -> tuple[R.CmpFacts, R.CmpFacts | None, dict[str, date]]:
    """Current and previous facts listing the rows ``P01``/``P02`` need, and the earlier dates of P02
    (``spooled``: see :func:`cmp_facts`)."""
    changed = _changed_received(current.version_id, institution_id, period_code)
    carried = list(spooled.carried) if spooled is not None else _rows(C.version_id == current.version_id,
                                                                      C.carried_over.is_(True))
    listed = {r.complaint_id for r in carried}
    extra = [r for r in _rows_by_id(institution_id, current.version_id, list(changed)) if r.complaint_id not in listed]
    cur = with_rows(current, sorted(carried + extra, key=_sheet_order))
    prev = None
    if previous is not None:
        base = cmp_facts(previous)
        open_rows = _rows(C.version_id == previous.id, C.status == "OPEN")
        known = {r.complaint_id for r in open_rows}
        of_carried = [r for r in _rows_by_id(institution_id, previous.id, sorted(listed))
                      if r.complaint_id not in known]
        prev = with_rows(base, sorted(open_rows + of_carried, key=_sheet_order))
    return cur, prev, changed


#: at most this many ids are looked up one by one (:func:`_rows_by_id`); more, and the version is read once
_PROBES_UP_TO = 5_000


def _rows_by_id(institution_id: int, version_id: int, ids: list[str]) -> list[R.ComplaintFacts]:
    """The rows of the version (of ``institution_id``) with these complaint ids, through the index
    ``(institution_id, complaint_id)``; more ids than :data:`_PROBES_UP_TO`: one pass over the
    version's id, date, status, carried-over flag and row, in sheet order, the facts' other fields
    left empty: P01 and P02, the only callers, read nothing else of these rows (figures in
    docs/performance.md, "(tenth session)" and "(eleventh session)")."""
    if len(ids) > _PROBES_UP_TO:
        wanted = set(ids)
        rows = db.session.execute(select(C.complaint_id, C.received_date, C.status, C.carried_over, C.row_no)
                                  .where(C.version_id == version_id).order_by(C.row_no))
        return [R.ComplaintFacts(cid, received, "", None, status, bool(carried), None, None, row_no)
                for cid, received, status, carried, row_no in rows if cid in wanted]
    out: list[R.ComplaintFacts] = []
    for chunk in _chunks(ids):
        # the version is checked here, not in SQL: given ``version_id = ?`` too, SQLite's planner (no
        # statistics) reads the version's rows through (version_id, row_no) once per chunk instead
        rows = db.session.execute(select(C.version_id, *_FACT_COLUMNS)
                                  .where(C.institution_id == institution_id, C.complaint_id.in_(chunk))
                                  .order_by(C.row_no))
        out += [_fact(r) for r in rows if r.version_id == version_id]
    return out


def _changed_received(version_id: int, institution_id: int, period_code: str) -> dict[str, date]:
    """complaint_id → received_date in the institution's earliest earlier CMP that counts, for the ids of
    ``version_id`` whose ``received_date`` differs there (P02)."""
    accepted_earlier = (C.institution_id == institution_id, counts_condition(FilingVersion),
                        Period.code < period_code)
    # no earlier CMP counts: nothing to compare (asked of the versions, not of their rows: a first
    # filing's own rows would all be read to find none)
    earlier = db.session.scalar(select(FilingVersion.id).join(Filing, Filing.id == FilingVersion.filing_id)
                                .join(Period, Period.id == Filing.period_id)
                                .where(Filing.institution_id == institution_id, Filing.kind == FilingKind.CMP,
                                       counts_condition(FilingVersion), Period.code < period_code).limit(1))
    if earlier is None:
        return {}
    # every reference to complaint_row names the institution, so that each look-up of an id is a probe
    # of (institution_id, complaint_id) whatever the planner's statistics (none yet for rows just
    # copied): given only the version, planners read all its rows once per id (quadratic)
    ids_now = select(C.complaint_id).where(C.institution_id == institution_id, C.version_id == version_id)
    first = (select(C.complaint_id, C.received_date,
                    func.row_number().over(partition_by=C.complaint_id, order_by=Period.code).label("rn"))
             .join(FilingVersion, FilingVersion.id == C.version_id).join(Period, Period.id == C.period_id)
             .where(*accepted_earlier, C.complaint_id.in_(ids_now))).subquery()
    now = C.__table__.alias("now")
    q = (select(now.c.complaint_id, first.c.received_date)
         .join(first, and_(first.c.complaint_id == now.c.complaint_id, first.c.rn == 1))
         .where(now.c.institution_id == institution_id, now.c.version_id == version_id,
                first.c.received_date != now.c.received_date))
    return dict(db.session.execute(q).all())


def register_facts_rows(current: R.CmpFacts, register_refs: Iterable[str],
                        spooled: SpooledFacts | None = None) -> R.CmpFacts:
    """``current`` listing the ``REGULATOR`` rows whose reference is in no register entry (X02): one
    pass over those rows' id, reference and row number (the facts' other fields are empty;
    ``spooled``: see :func:`cmp_facts`)."""
    known = {key(ref) for ref in register_refs}
    # X02 reads the complaint id, reference and row of these rows: the other fields are left empty
    if spooled is not None:  # these rows and their references' keys were made beside the bulk load
        rows = [row for row, k in spooled.regulator_rows if k is not None and k not in known]
        return with_rows(current, rows)
    listed = db.session.execute(
        select(C.complaint_id, C.transfer_ref, C.row_no)
        .where(C.version_id == current.version_id, C.source == "REGULATOR", C.transfer_ref.is_not(None))
        .order_by(C.row_no).execution_options(yield_per=5000))
    rows = [R.ComplaintFacts(cid, None, "REGULATOR", ref, None, False, None, None, row_no)
            for cid, ref, row_no in listed if present(ref) and key(ref) not in known]
    return with_rows(current, rows)
