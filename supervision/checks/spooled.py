"""The facts of the §6 checks that a version's own rows decide, taken from the ingest's spool.

The checks after acceptance read, besides aggregates of other versions, four facts of the accepted
version's own rows (:mod:`supervision.checks.facts` reads them from the stored rows with SQL):

* its distinct ``transfer_ref`` values (``X01``);
* its ``REGULATOR`` rows with a reference, as (complaint id, reference, row, matching key of the
  reference or None when it is blank) in sheet order (``X02`` keeps those whose reference is in no
  register entry);
* its carried-over rows (``P01``);
* per product matching key, the first row's spelling, the number of rows and the first
  :data:`~supervision.checks.rules_base.EVIDENCE_CAP` rows, over all rows and over the ``C13`` rows
  (``D06`` / ``D07``, which keep the keys the disclosure decides).

The ingest child has every row in its spool before it stores any: :func:`from_spool` computes these
in a thread while the rows are bulk-loaded (polars does the filtering and grouping without the
GIL), so the checks after the commit read only what depends on other versions and the register.
They are the same facts (``tests/checks/test_spooled_facts.py`` compares them with the SQL reading
of the stored rows on both databases). No Flask or database import here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from supervision.checks.rules_base import EVIDENCE_CAP, CitedProduct, ComplaintFacts, key, present

if TYPE_CHECKING:
    from supervision.ingest.spool import Spool

_FACT_COLUMNS = ("complaint_id", "received_date", "source", "transfer_ref", "status", "carried_over", "cause",
                 "product_code", "_row")


@dataclass(frozen=True)
class SpooledFacts:
    """The version's own facts of the checks (see the module docstring)."""

    transfer_refs: frozenset[str]
    regulator_rows: tuple[tuple[str, str, int, str | None], ...]
    carried: tuple[ComplaintFacts, ...]
    cited: dict[str, CitedProduct]
    cited_c13: dict[str, CitedProduct]

    def cited_where(self, wanted: Callable[[str], bool], c13: bool = False) -> dict[str, CitedProduct]:
        """The products whose matching key ``wanted`` accepts (all rows, or the ``C13`` rows)."""
        return {k: p for k, p in (self.cited_c13 if c13 else self.cited).items() if wanted(k)}


def _facts(frame) -> list[ComplaintFacts]:
    cols = [frame[c].to_list() for c in _FACT_COLUMNS]
    return [ComplaintFacts(cid, received, source, ref, status, bool(carried), cause, product, row)
            for cid, received, source, ref, status, carried, cause, product, row in zip(*cols, strict=True)]


def _cited(frames: list) -> dict[str, CitedProduct]:
    """Product key → its first row's spelling, row count and first rows in sheet order (rows whose
    ``product_code`` is given, folded by :func:`~supervision.checks.rules_base.key`)."""
    import polars as pl

    counts: dict[str, int] = {}
    key_of: dict[str, str] = {}
    for frame in frames:
        for spelling, n in frame.group_by("product_code").len().iter_rows():
            if spelling is not None and present(spelling):
                k = key_of.setdefault(spelling, key(spelling))
                counts[k] = counts.get(k, 0) + n
    if not counts:
        return {}
    rows: dict[str, list[ComplaintFacts]] = {k: [] for k in counts}
    short = set(counts)
    for frame in frames:
        if not short:
            break
        wanted = [s for s, k in key_of.items() if k in short]
        # the first EVIDENCE_CAP rows of each spelling are enough: a key's first rows are among them
        part = (frame.filter(pl.col("product_code").is_in(wanted)).sort("_row")
                .with_columns(pl.int_range(pl.len()).over("product_code").alias("_n"))
                .filter(pl.col("_n") < EVIDENCE_CAP).select("complaint_id", "_row", "product_code", "cause"))
        for cid, row_no, spelling, cause in part.iter_rows():
            k = key_of[spelling]
            if k in short:
                rows[k].append(ComplaintFacts(cid, None, None, None, None, False, cause, spelling, row_no))
                if len(rows[k]) >= EVIDENCE_CAP:
                    short.discard(k)
    return {k: CitedProduct(found[0].product_code or "", counts[k], tuple(found)) for k, found in rows.items()}


def from_spool(spool: Spool) -> SpooledFacts:
    """The version's own facts of the checks from its spooled rows (every detail row, in sheet order)."""
    import polars as pl

    frames = [f.select(*_FACT_COLUMNS) for f in spool.frames()]
    refs: set[str] = set()
    regulator: list[tuple[str, str, int, str | None]] = []
    folded: dict[str, str | None] = {}
    carried: list[ComplaintFacts] = []
    for frame in frames:
        refs.update(r for r in frame["transfer_ref"].unique().to_list() if r is not None)
        reg = frame.filter((pl.col("source") == "REGULATOR") & pl.col("transfer_ref").is_not_null())
        for cid, ref, row_no in zip(reg["complaint_id"].to_list(), reg["transfer_ref"].to_list(), reg["_row"].to_list(),
                                    strict=True):
            k = folded.get(ref, "")
            if k == "":  # folded once per reference, here (beside the bulk load), not after the commit
                k = folded[ref] = key(ref) if present(ref) else None
            regulator.append((cid, ref, row_no, k))
        carried += _facts(frame.filter(pl.col("carried_over")))
    c13 = [f.filter(pl.col("cause") == "C13") for f in frames]
    return SpooledFacts(transfer_refs=frozenset(refs), regulator_rows=tuple(sorted(regulator, key=lambda r: r[2])),
                        carried=tuple(sorted(carried, key=lambda r: (r.row_no, r.complaint_id))),
                        cited=_cited(frames), cited_c13=_cited(c13))
