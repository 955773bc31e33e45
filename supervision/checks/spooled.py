"""The facts of the §6 checks that a version's own rows decide, taken from the ingest's spool.

The checks after acceptance read, besides aggregates of other versions, four facts of the accepted
version's own rows (:mod:`supervision.checks.facts` reads them from the stored rows with SQL):

* its distinct ``transfer_ref`` values (``X01``);
* its ``REGULATOR`` rows with a reference, each as the row X02 would list and the matching key of
  its reference (None when blank), in sheet order (``X02`` keeps those whose reference is in no
  register entry);
* its carried-over rows (``P01``);
* per product matching key, the first row's spelling, the number of rows and the first
  :data:`~supervision.checks.rules_base.EVIDENCE_CAP` rows, over all rows and over the ``C13`` rows
  (``D06`` / ``D07``, which keep the keys the disclosure decides);
* given the period's end, its overdue open rows (``O01``): their count and first complaint ids, as
  :func:`supervision.checks.facts_handling.overdue_facts` reads them.

The ingest child has every row in its spool before it stores any: :func:`from_spool` computes these
in a thread while the rows are bulk-loaded (polars does the filtering and grouping without the
GIL), so the checks after the commit read only what depends on other versions and the register.
They are the same facts (``tests/checks/test_facts_sql.py`` compares them with the SQL reading of
the stored rows on both databases). No Flask or database import here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from supervision.checks.rules_base import EVIDENCE_CAP, CitedProduct, ComplaintFacts, key, present
from supervision.checks.rules_handling import DEADLINES, OverdueFacts

if TYPE_CHECKING:
    from supervision.ingest.spool import Spool

_FACT_COLUMNS = ("complaint_id", "received_date", "source", "transfer_ref", "status", "carried_over", "cause",
                 "product_code", "_row")


@dataclass(frozen=True)
class SpooledFacts:
    """The version's own facts of the checks (see the module docstring)."""

    transfer_refs: frozenset[str]
    #: (the row as X02 lists it — complaint id, reference and row, other fields empty —, the matching
    #: key of its reference or None when it is blank), in sheet order
    regulator_rows: tuple[tuple[ComplaintFacts, str | None], ...]
    carried: tuple[ComplaintFacts, ...]
    cited: dict[str, CitedProduct]
    cited_c13: dict[str, CitedProduct]
    #: ``O01``'s facts at the period end they were taken for (None: not taken)
    overdue: OverdueFacts | None = None

    def cited_where(self, wanted: Callable[[str], bool], c13: bool = False) -> dict[str, CitedProduct]:
        """The products whose matching key ``wanted`` accepts (all rows, or the ``C13`` rows)."""
        return {k: p for k, p in (self.cited_c13 if c13 else self.cited).items() if wanted(k)}


def _facts(frame) -> list[ComplaintFacts]:
    cols = [frame[c].to_list() for c in _FACT_COLUMNS]
    return [ComplaintFacts(cid, received, source, ref, status, bool(carried), cause, product, row)
            for cid, received, source, ref, status, carried, cause, product, row in zip(*cols, strict=True)]


class _Cited:
    """Products cited by the rows (all, or those with cause ``C13``): counted on a first pass over the
    windows, their first rows collected on a second (:func:`from_spool`)."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        self.key_of: dict[str, str] = {}
        self.rows: dict[str, list[ComplaintFacts]] = {}
        self.short: set[str] = set()

    def count(self, frame) -> None:
        """First pass: rows per matching key (spellings folded once each)."""
        for spelling, n in frame.group_by("product_code").len().iter_rows():
            if spelling is not None and present(spelling):
                k = self.key_of.setdefault(spelling, key(spelling))
                self.counts[k] = self.counts.get(k, 0) + n

    def start(self) -> None:
        """Between the passes: every counted key still needs its first rows."""
        self.rows = {k: [] for k in self.counts}
        self.short = set(self.counts)

    def collect(self, frame) -> None:
        """Second pass: the first :data:`EVIDENCE_CAP` rows of each key, in sheet order."""
        import polars as pl

        if not self.short:
            return
        wanted = [s for s, k in self.key_of.items() if k in self.short]
        # the first EVIDENCE_CAP rows of each spelling are enough: a key's first rows are among them
        part = (frame.filter(pl.col("product_code").is_in(wanted)).sort("_row")
                .with_columns(pl.int_range(pl.len()).over("product_code").alias("_n"))
                .filter(pl.col("_n") < EVIDENCE_CAP).select("complaint_id", "_row", "product_code", "cause"))
        for cid, row_no, spelling, cause in part.iter_rows():
            k = self.key_of[spelling]
            if k in self.short:
                self.rows[k].append(ComplaintFacts(cid, None, None, None, None, False, cause, spelling, row_no))
                if len(self.rows[k]) >= EVIDENCE_CAP:
                    self.short.discard(k)

    def result(self) -> dict[str, CitedProduct]:
        """Product key → its first row's spelling, row count and first rows."""
        return {k: CitedProduct(found[0].product_code or "", self.counts[k], tuple(found))
                for k, found in self.rows.items()}


def _overdue(period_end: date):
    """Polars condition of :func:`supervision.checks.facts_handling.overdue_condition`: ``OPEN`` with
    ``received_date`` + its extension's deadline (``NONE`` when empty) before ``period_end``."""
    import polars as pl

    ext = pl.col("extension").fill_null("NONE")
    late = pl.lit(False)
    for code, days in DEADLINES.items():
        late = late | ((ext == code) & (pl.col("received_date") < period_end - timedelta(days=days)))
    return (pl.col("status") == "OPEN") & late


def from_spool(spool: Spool, period_end: date | None = None) -> SpooledFacts:
    """The version's own facts of the checks from its spooled rows (every detail row, in sheet order),
    in two passes over the spool's windows (one window in memory at a time); ``O01``'s too when
    ``period_end`` is given."""
    import polars as pl

    refs: set[str] = set()
    regulator: list[tuple[ComplaintFacts, str | None]] = []
    folded: dict[str, str | None] = {}
    carried: list[ComplaintFacts] = []
    cited, cited_c13 = _Cited(), _Cited()
    c13 = pl.col("cause") == "C13"
    late = _overdue(period_end) if period_end is not None else None
    overdue_count, overdue_ids = 0, []
    for window in spool.frames():
        if late is not None:
            rows = window.filter(late).select("_row", "complaint_id")
            overdue_count += rows.height
            if len(overdue_ids) < EVIDENCE_CAP:
                overdue_ids += rows.sort("_row")["complaint_id"].head(EVIDENCE_CAP - len(overdue_ids)).to_list()
        frame = window.select(*_FACT_COLUMNS)
        refs.update(r for r in frame["transfer_ref"].unique().to_list() if r is not None)
        reg = frame.filter((pl.col("source") == "REGULATOR") & pl.col("transfer_ref").is_not_null())
        for cid, ref, row_no in zip(reg["complaint_id"].to_list(), reg["transfer_ref"].to_list(), reg["_row"].to_list(),
                                    strict=True):
            k = folded.get(ref, "")
            if k == "":  # folded once per reference, here (beside the bulk load), not after the commit
                k = folded[ref] = key(ref) if present(ref) else None
            regulator.append((ComplaintFacts(cid, None, "REGULATOR", ref, None, False, None, None, row_no), k))
        carried += _facts(frame.filter(pl.col("carried_over")))
        cited.count(frame)
        cited_c13.count(frame.filter(c13))
    cited.start()
    cited_c13.start()
    if cited.short or cited_c13.short:
        for window in spool.frames():
            frame = window.select("complaint_id", "_row", "product_code", "cause")
            cited.collect(frame)
            cited_c13.collect(frame.filter(c13))
            if not (cited.short or cited_c13.short):
                break
    return SpooledFacts(transfer_refs=frozenset(refs),
                        regulator_rows=tuple(sorted(regulator, key=lambda r: r[0].row_no)),
                        carried=tuple(sorted(carried, key=lambda r: (r.row_no, r.complaint_id))),
                        cited=cited.result(), cited_c13=cited_c13.result(),
                        overdue=(OverdueFacts(period_end, overdue_count, tuple(overdue_ids))
                                 if period_end is not None else None))
