"""The checks of ``投诉明细`` (§4.2, §6) over whole columns: V01–V04, C01–C04, C07–C09, W-ESC, W-PII,
the derived fields and the §4.3/§4.4 figures — the same decisions, messages and order as
:class:`supervision.ingest.cmpchecks.DetailChecks` row by row.

Windows arrive in row order. Per rule the first issues up to the collector's remaining cap are kept
as they are found (their messages are rendered at the end) and every occurrence is counted, so the
kept issues, their order (row, then the order the row path reports them in) and the exact totals
are what the row path gives. Memory: the complaint ids (V04, C09), the ``repeat_of`` references
(C09) and counters; the converted rows go to the spool.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

import polars as pl

from supervision.domain.enums import Sector
from supervision.ingest import colread as cr
from supervision.ingest.cmpchecks import DEADLINES, FAVOURABLE, MAX_DAYS, Context, Figures
from supervision.ingest.colconv import MAX_ROW_INTEGER_DIGITS, RULES
from supervision.ingest.issues import Issue, IssueCollector
from supervision.ingest.pii import mask_pii
from supervision.ingest.rowconv import classify
from supervision.ingest.templates import Field, Sheet
from supervision.rules import catalog

#: Order of the row path's reports within one row, after the conversions (0..99, by column).
SEQ = {"V04": 100, "C01:received_after": 200, "C02:closed_date": 210, "C02:outcome": 211, "W-ESC": 212,
       "C01:closed": 220, "C03": 230, "C08": 240, "W-PII": 250, "C07": 260}
DERIVED = ("days_to_close", "deadline", "on_time", "carried_over")


@dataclass
class _Kept:
    """Issues kept for one rule so far (row, seq, Issue.make keyword arguments) and the exact total."""

    cap: int
    items: list[tuple[int, int, dict]] = field(default_factory=list)
    total: int = 0

    def room(self) -> int:
        return max(0, self.cap - len(self.items))


class DetailColumns:
    """Checks the converted windows of the detail sheet (see the module docstring)."""

    def __init__(self, sheet: Sheet, ctx: Context, issues: IssueCollector,
                 columns: list[tuple[int, Field]]) -> None:
        """``columns``: the mapped (0-based column, field) pairs in header order."""
        self.sheet, self.ctx, self.issues = sheet, ctx, issues
        self.columns = columns
        self.letters = {f.code: _letter(i) for i, f in columns}
        self.kept: dict[str, _Kept] = {}
        self.seen_ids = pl.DataFrame(schema={"id": pl.String, "first": pl.Int64})
        self.repeats: list[pl.DataFrame] = []
        self.per_category: dict[str | None, Counter] = defaultdict(Counter)
        self.totals: Counter = Counter()
        self.rows = 0

    # ------------------------------------------------------------------------------ issues
    def _rule(self, rule: str) -> _Kept:
        if rule not in self.kept:
            self.kept[rule] = _Kept(max(0, self.issues.cap_per_rule - self.issues.totals.get(rule, 0)))
        return self.kept[rule]

    def _collect(self, rule: str, seq: int, hits: pl.DataFrame, build) -> None:
        """Count ``hits`` (rows where ``rule`` fails, in row order) and keep the first within the cap."""
        self._collect_merged(rule, [(hits, seq, build)])

    def _collect_merged(self, rule: str, parts: list[tuple[pl.DataFrame, int, object]]) -> None:
        """Collect the occurrences of one rule found by several checks (``(hits, seq, build)``), in the
        row path's order: by row, then by the order the row path checks them in."""
        frames = [hits.select("_row", pl.lit(seq, pl.Int64).alias("_seq"), pl.lit(n, pl.Int64).alias("_part"),
                              pl.int_range(0, hits.height).alias("_i"))
                  for n, (hits, seq, _b) in enumerate(parts) if hits.height]
        if not frames:
            return
        kept = self._rule(rule)
        order = pl.concat(frames).sort(["_row", "_seq"]) if len(frames) > 1 else frames[0]
        kept.total += order.height
        for row, seq, part, i in order.head(kept.room()).iter_rows():
            hits, _seq, build = parts[part]
            kept.items.append((row, seq, build(hits.row(i, named=True))))

    def _where(self, code: str | None) -> dict:
        return {"sheet": self.sheet.name, "column": self.letters.get(code) if code else None, "field": code}

    def blocking_found(self) -> bool:
        """Whether a blocking failure is known so far: already reported, or counted in the windows
        checked (their issues reach the collector only at :meth:`finish`)."""
        return self.issues.has_blocking or any(
            kept.total and catalog.get(rule).severity == catalog.BLOCKING for rule, kept in self.kept.items())

    # ------------------------------------------------------------------------------ windows
    def check(self, raw: cr.RawWindow, conv: pl.DataFrame) -> pl.DataFrame:
        """Check one converted window; return its rows as they are stored (derived fields added)."""
        self.rows += conv.height
        self._conversions(raw, conv)
        self._unique(conv)
        return self._rows(conv)

    def _conversions(self, raw: cr.RawWindow, conv: pl.DataFrame) -> None:
        order = {f.code: n for n, (_i, f) in enumerate(self.columns)}
        parts = []
        for _i, f in self.columns:
            fails = conv[f"{f.code}.fail"]
            if (fails != 0).any():
                parts.append(pl.DataFrame({"_row": conv["_row"], "i": pl.int_range(0, conv.height, eager=True),
                                           "rule": fails, "seq": order[f.code], "code": f.code})
                             .filter(pl.col("rule") != 0))
        if not parts:
            return
        found = pl.concat(parts).sort(["_row", "seq"])
        by_code = {f.code: f for _i, f in self.columns}
        for code, rule in RULES.items():
            hits = found.filter(pl.col("rule") == code)
            if hits.height == 0:
                continue
            kept = self._rule(rule)
            kept.total += hits.height
            for row in hits.head(kept.room()).iter_rows(named=True):
                f = by_code[row["code"]]
                value = _raw(raw, f.code, row["i"])
                _v, failure = classify(f, value)
                params = failure[1] if failure else {  # an integer too large to sum (classify accepts it)
                    "value": value, "label": f.label_zh, "label_en": f.label_en,
                    "expected_zh": f"不超过 {MAX_ROW_INTEGER_DIGITS} 位的整数",
                    "expected_en": f"an integer of at most {MAX_ROW_INTEGER_DIGITS} digits"}
                kept.items.append((row["_row"], row["seq"], {**self._where(f.code), **params}))

    def _unique(self, conv: pl.DataFrame) -> None:
        """V04 (``complaint_id`` repeated: the first row is named) and the ids for C09."""
        f = self.sheet.get_field("complaint_id")
        ids = conv.select(pl.col("_row"), pl.col("complaint_id").alias("id")).filter(pl.col("id").is_not_null())
        known = ids.join(self.seen_ids, on="id", how="left", maintain_order="left")
        new_first = known.filter(pl.col("first").is_null()).group_by("id", maintain_order=True) \
            .agg(pl.col("_row").min().alias("first"))
        firsts = known.join(new_first, on="id", how="left", maintain_order="left", suffix="_new") \
            .with_columns(pl.coalesce("first", "first_new").alias("first"))
        dupes = firsts.filter(pl.col("_row") != pl.col("first"))
        self._collect("V04", SEQ["V04"], dupes, lambda r: {**self._where("complaint_id"), "value": r["id"],
                                                           "label": f.label_zh, "label_en": f.label_en,
                                                           "first_row": r["first"]})
        self.seen_ids = pl.concat([self.seen_ids, new_first.select("id", pl.col("first").cast(pl.Int64))])
        refs = conv.select("_row", pl.col("repeat_of").alias("ref")).filter(pl.col("ref").is_not_null())
        if refs.height:
            self.repeats.append(refs)

    def _rows(self, conv: pl.DataFrame) -> pl.DataFrame:
        ctx = self.ctx
        start, end = ctx.period_start, ctx.period_end
        ok = {f.code: (conv[f"{f.code}.fail"] == 0) if f"{f.code}.fail" in conv.columns
              else pl.Series([True] * conv.height) for f in self.sheet.fields}
        df = conv.with_columns(
            (pl.col("received_date").is_not_null() & (pl.col("received_date") < start)).alias("carried_over"),
            (pl.col("closed_date") - pl.col("received_date")).dt.total_days().cast(pl.Int64).alias("days_to_close"),
            pl.col("extension").replace_strict(DEADLINES, default=None, return_dtype=pl.Int64).alias("deadline"),
        )
        rec, clo, status = pl.col("received_date"), pl.col("closed_date"), pl.col("status")
        w = self._where
        c02 = []
        for code, seq in (("closed_date", "C02:closed_date"), ("outcome", "C02:outcome")):
            f = self.sheet.get_field(code)
            missing = df.filter((status == "CLOSED") & pl.col(code).is_null() & pl.Series(ok[code]))
            extra = df.filter((status == "OPEN") & pl.col(code).is_not_null())
            c02.append((missing, SEQ[seq], lambda r, f=f: {**w(f.code), "label": f.label_zh, "label_en": f.label_en}))
            c02.append((extra, SEQ[seq], lambda r, f=f: {**w(f.code), "variant": "open_with", "value": r[f.code],
                                                          "label": f.label_zh, "label_en": f.label_en}))
        self._collect_merged("C02", c02)
        esc = (status == "OPEN") & pl.col("escalated").is_not_null()
        self._collect("W-ESC", SEQ["W-ESC"], df.filter(esc), lambda r: {**w("escalated"), "value": r["escalated"]})
        df = df.with_columns(pl.when(esc).then(None).otherwise(pl.col("escalated")).alias("escalated"))
        both = rec.is_not_null() & clo.is_not_null()
        before, outside = both & (clo < rec), both & (clo >= rec) & (clo > end)
        c04 = both & (clo >= rec) & (clo <= end) & pl.col("carried_over") & (clo < start)

        def dates(r, variant=None):
            out = {**w("closed_date"), "value": r["closed_date"], "closed_date": r["closed_date"],
                   "received_date": r["received_date"], "period": ctx.period, "start": start, "end": end}
            if variant:
                out["variant"] = variant
            return out

        self._collect_merged("C01", [
            (df.filter(rec > end), SEQ["C01:received_after"],
             lambda r: {**w("received_date"), "variant": "received_after", "value": r["received_date"],
                        "received_date": r["received_date"], "end": end}),
            (df.filter(before), SEQ["C01:closed"], lambda r: dates(r, "closed_before")),
            (df.filter(outside), SEQ["C01:closed"], lambda r: dates(r, "closed_outside"))])
        self._collect("C04", SEQ["C01:closed"], df.filter(c04), dates)
        self._collect("C03", SEQ["C03"], df.filter((pl.col("source") == "REGULATOR") & pl.col("transfer_ref").is_null()
                                                   & pl.Series(ok["transfer_ref"])), lambda r: w("transfer_ref"))
        if ctx.sector == Sector.PAY and "complaint_type" in self.letters:
            self._collect("C08", SEQ["C08"], df.filter(pl.col("complaint_type").is_null()
                                                       & pl.Series(ok["complaint_type"])),
                          lambda r: w("complaint_type"))
        df = self._pii(df)
        closed_row = status == "CLOSED"
        df = df.with_columns(
            pl.when(closed_row & pl.col("days_to_close").is_not_null() & pl.col("deadline").is_not_null())
            .then(pl.col("days_to_close") <= pl.col("deadline")).otherwise(None).alias("on_time"))
        self._collect("C07", SEQ["C07"], df.filter(closed_row & (pl.col("days_to_close") > MAX_DAYS)),
                      lambda r: {**w("closed_date"), "value": r["closed_date"], "days": r["days_to_close"]})
        self._count(df)
        keep = ["_row", *[f.code for f in self.sheet.fields], *DERIVED]
        return df.select(keep)

    def _pii(self, df: pl.DataFrame) -> pl.DataFrame:
        """W-PII: mobile and ID numbers in ``summary`` masked (candidates: a run of 11 digits)."""
        candidates = df.filter(pl.col("summary").str.contains("[0-9]{11}").fill_null(False))
        if candidates.height == 0:
            return df
        masked: dict[str, tuple[str, int]] = {t: mask_pii(t) for t in candidates["summary"].unique().to_list()}
        hits = candidates.filter(pl.col("summary").replace_strict(
            list(masked), [n for _t, n in masked.values()], return_dtype=pl.Int64) > 0)
        self._collect("W-PII", SEQ["W-PII"], hits, lambda r: {**self._where("summary"),
                                                              "value": masked[r["summary"]][0],
                                                              "count": masked[r["summary"]][1]})
        mapping = {t: m for t, (m, n) in masked.items() if n}
        return df.with_columns(pl.col("summary").replace(mapping))

    def _count(self, df: pl.DataFrame) -> None:
        """§4.3 per category and §4.4 in total, with the row path's key presence (a key exists once a
        row has counted towards it, even by 0)."""
        closed, received = pl.col("status") == "CLOSED", ~pl.col("carried_over")
        txn = received & (pl.col("complaint_type") == "TXN")
        per = df.group_by("business_category").agg(
            received.sum().alias("received"),
            (received & (pl.col("source") == "REGULATOR")).sum().alias("regulator_transferred"),
            closed.sum().alias("closed"), (closed & pl.col("on_time").fill_null(False)).sum().alias("closed_on_time"),
            (pl.col("status") == "OPEN").sum().alias("open_end"))
        for row in per.iter_rows(named=True):
            counter = self.per_category[row.pop("business_category")]
            for key, n in row.items():
                if n:
                    counter[key] += n
        tot = df.select(
            pl.col("carried_over").sum().alias("opening"), received.sum().alias("received"),
            (received & (pl.col("source") == "REGULATOR")).sum().alias("regulator"),
            txn.sum().alias("txn_received"),
            pl.when(txn).then(pl.col("transactions_involved").fill_null(0)).otherwise(0).sum().alias("txn_involved"),
            closed.sum().alias("closed"), (closed & pl.col("on_time").fill_null(False)).sum().alias("on_time"),
            (closed & pl.col("outcome").is_in(list(FAVOURABLE))).sum().alias("favourable"),
            (closed & pl.col("escalated").fill_null(False)).sum().alias("escalated"),
            (pl.col("status") == "OPEN").sum().alias("open_end")).row(0, named=True)
        for key, n in tot.items():
            if n or (key == "txn_involved" and tot["txn_received"]):
                self.totals[key] += n

    # ------------------------------------------------------------------------------ end
    def finish(self, earlier: Callable[[set[str]], set[str]] | None = None) -> Figures:
        """C09, then hand every kept issue to the collector in the row path's order; return the figures.

        ``C09``: a ``repeat_of`` must name a complaint of this filing or — through ``earlier``, which
        receives the references not found here and returns those that name a complaint of the
        institution's earlier periods (their versions that count) — of an earlier one."""
        if self.repeats:
            refs = pl.concat(self.repeats)
            unknown = refs.join(self.seen_ids, left_on="ref", right_on="id", how="anti", maintain_order="left")
            if earlier is not None and unknown.height:
                found = earlier(set(unknown.get_column("ref").to_list()))
                if found:
                    unknown = unknown.filter(~pl.col("ref").is_in(sorted(found)))
            self._collect("C09", 0, unknown.sort("_row"), lambda r: {**self._where("repeat_of"), "value": r["ref"]})
        ordered = sorted(((row, seq, rule, kw) for rule, kept in self.kept.items() if rule != "C09"
                          for row, seq, kw in kept.items), key=lambda t: (t[0], t[1]))
        ordered += [(row, seq, "C09", kw) for row, seq, kw in self.kept.get("C09", _Kept(0)).items]
        issues = [Issue.make(rule, row=row, **kw) for row, _seq, rule, kw in ordered]
        self.issues.extend_counted(issues, {rule: kept.total for rule, kept in self.kept.items()})
        figures = Figures()
        for cat, counter in self.per_category.items():
            figures.per_category[cat].update(counter)
        figures.totals.update(self.totals)
        return figures


def _letter(index: int) -> str:
    from supervision.ingest.cells import column_letter

    return column_letter(index + 1)


def _raw(raw: cr.RawWindow, code: str, i: int) -> object:
    """The row reader's value of one cell of a raw window."""
    if (code, i) in raw.others:
        return raw.others[(code, i)]
    f = raw.frame
    return cr.raw_value(f[f"{code}.k"][i], f[f"{code}.s"][i], f[f"{code}.n"][i], f[f"{code}.d"][i])


__all__ = ["DERIVED", "DetailColumns"]
