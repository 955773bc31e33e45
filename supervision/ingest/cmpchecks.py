"""Row and sheet checks of the complaint filing (§4): C01–C09, V04, W-PII, W-ESC and the derived figures.

Memory is bounded: besides counters, only the complaint ids (V04, C09), the ``repeat_of``
references (C09) and per-category counters (C06) are kept — never the rows themselves.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from supervision.domain.enums import Sector
from supervision.ingest.issues import IssueCollector
from supervision.ingest.pii import mask_pii
from supervision.ingest.rowconv import Record
from supervision.ingest.templates import CODELISTS, SUMMARY_COLUMNS, Sheet

DEADLINES = {"NONE": 15, "EXT30": 30, "EXT60": 60}
FAVOURABLE = {"UPHELD", "PARTIAL", "SETTLED"}
MAX_DAYS = 60
@dataclass
class Context:
    """What the checks need to know about the upload."""

    institution_code: str
    period: str
    period_start: dt.date
    period_end: dt.date
    sector: str


@dataclass
class Figures:
    """Counters derived from the detail sheet (§4.3 per category, §4.4 in total)."""

    per_category: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    totals: Counter = field(default_factory=Counter)


class DetailChecks:
    """Checks of ``投诉明细`` rows, fed one :class:`Record` at a time."""

    def __init__(self, sheet: Sheet, ctx: Context, issues: IssueCollector) -> None:
        """Start with no ids seen."""
        self.sheet, self.ctx, self.issues = sheet, ctx, issues
        self.ids: set[str] = set()
        self.repeats: list[tuple[int, str | None, str]] = []
        self.figures = Figures()

    def _report(self, rule: str, rec: Record, code: str | None, **params: object) -> None:
        self.issues.report(rule, sheet=self.sheet.name, row=rec.row, column=rec.letters.get(code) if code else None,
                           field=code, **params)

    def check(self, rec: Record) -> dict[str, object]:
        """Check one row, derive its fields and return the record to store."""
        v, ctx = rec.values, self.ctx
        if v["complaint_id"] is not None:
            self.ids.add(v["complaint_id"])
        received, closed, status = v["received_date"], v["closed_date"], v["status"]
        carried = received is not None and received < ctx.period_start
        if received is not None and received > ctx.period_end:
            self._report("C01", rec, "received_date", variant="received_after", value=received,
                         received_date=received, end=ctx.period_end)
        self._check_status(rec, status)
        if closed is not None and received is not None:
            params = {"closed_date": closed, "received_date": received, "period": ctx.period,
                      "start": ctx.period_start, "end": ctx.period_end}
            if closed < received:
                self._report("C01", rec, "closed_date", variant="closed_before", value=closed, **params)
            elif closed > ctx.period_end:
                self._report("C01", rec, "closed_date", variant="closed_outside", value=closed, **params)
            elif carried and closed < ctx.period_start:
                self._report("C04", rec, "closed_date", value=closed, **params)
        if v["source"] == "REGULATOR" and v["transfer_ref"] is None and rec.ok("transfer_ref"):
            self._report("C03", rec, "transfer_ref")
        if ctx.sector == Sector.PAY and v["complaint_type"] is None and rec.ok("complaint_type") \
                and "complaint_type" in rec.letters:
            self._report("C08", rec, "complaint_type")
        if v["repeat_of"] is not None:
            self.repeats.append((rec.row, rec.letters.get("repeat_of"), v["repeat_of"]))
        if v["summary"] is not None:
            masked, count = mask_pii(v["summary"])
            if count:
                v["summary"] = masked
                self._report("W-PII", rec, "summary", value=masked, count=count)
        days = (closed - received).days if closed is not None and received is not None else None
        deadline = DEADLINES.get(v["extension"])
        closed_row = status == "CLOSED"
        on_time = days <= deadline if closed_row and days is not None and deadline is not None else None
        if closed_row and days is not None and days > MAX_DAYS:
            self._report("C07", rec, "closed_date", value=closed, days=days)
        v.update(days_to_close=days, deadline=deadline, on_time=on_time, carried_over=carried)
        self._count(v)
        return v

    def _check_status(self, rec: Record, status: str | None) -> None:
        v = rec.values
        for code in ("closed_date", "outcome"):
            f = self.sheet.get_field(code)
            if status == "CLOSED" and v[code] is None and rec.ok(code):
                self._report("C02", rec, code, label=f.label_zh, label_en=f.label_en)
            elif status == "OPEN" and v[code] is not None:
                self._report("C02", rec, code, variant="open_with", value=v[code], label=f.label_zh,
                             label_en=f.label_en)
        if status == "OPEN" and v["escalated"] is not None:
            self._report("W-ESC", rec, "escalated", value=v["escalated"])
            v["escalated"] = None

    def _count(self, v: dict[str, object]) -> None:
        cat, status, carried = v["business_category"], v["status"], v["carried_over"]
        per, tot = self.figures.per_category[cat], self.figures.totals
        if carried:
            tot["opening"] += 1
        else:
            per["received"] += 1
            tot["received"] += 1
            if v["source"] == "REGULATOR":
                per["regulator_transferred"] += 1
                tot["regulator"] += 1
            if v["complaint_type"] == "TXN":
                tot["txn_received"] += 1
                tot["txn_involved"] += v["transactions_involved"] or 0
        if status == "CLOSED":
            per["closed"] += 1
            tot["closed"] += 1
            if v["on_time"]:
                per["closed_on_time"] += 1
                tot["on_time"] += 1
            if v["outcome"] in FAVOURABLE:
                tot["favourable"] += 1
            if v["escalated"]:
                tot["escalated"] += 1
        elif status == "OPEN":
            per["open_end"] += 1
            tot["open_end"] += 1

    def finish(self, earlier: Callable[[set[str]], set[str]] | None = None) -> None:
        """C09: ``repeat_of`` must name a complaint of this institution — of this filing, or of an
        earlier period's filing: ``earlier`` (given by the caller that has the database) receives
        the references not found in this filing and returns those that name a complaint of the
        institution's earlier periods (their versions that count, :mod:`supervision.filings.counting`)."""
        unresolved = {ref for _row, _letter, ref in self.repeats if ref not in self.ids}
        found = earlier(unresolved) if earlier is not None and unresolved else set()
        for row, letter, ref in self.repeats:
            if ref not in self.ids and ref not in found:
                self.issues.report("C09", sheet=self.sheet.name, row=row, column=letter, field="repeat_of", value=ref)


class SummaryChecks:
    """Checks of ``投诉汇总``: C05 against the 合计 row and C06 against the detail figures.

    Duplicate categories are reported as V04 by the generic uniqueness check; the first row counts.
    """

    def __init__(self, sheet: Sheet, issues: IssueCollector) -> None:
        """Start with no rows."""
        self.sheet, self.issues = sheet, issues
        self.rows: dict[str, tuple[int, dict[str, object], set[str]]] = {}
        self.total: tuple[int, dict[str, object], set[str]] | None = None
        self.letters: dict[str, str] = {}

    def add(self, rec: Record) -> None:
        """Keep one summary row (category ``TOTAL`` is the 合计 row)."""
        self.letters = rec.letters
        category = rec.values.get("business_category")
        if category is None:
            return
        entry = (rec.row, rec.values, rec.failed)
        if category == "TOTAL":
            if self.total is None:
                self.total = entry
        else:
            self.rows.setdefault(category, entry)

    def finish(self, figures: Figures | None) -> None:
        """Run C05 (always) and C06 (when ``figures`` from a clean detail sheet are given)."""
        if self.total is None:
            self.issues.report("V01", variant="total_missing", sheet=self.sheet.name, field="business_category")
        for col in SUMMARY_COLUMNS:
            f = self.sheet.get_field(col)
            letter = self.letters.get(col)
            if letter is None:
                continue
            if self.total is not None and col not in self.total[2] \
                    and not any(col in failed for _, _, failed in self.rows.values()):
                total = self.total[1][col] or 0
                s = sum(vals[col] or 0 for _, vals, _ in self.rows.values())
                if total != s:
                    self.issues.report("C05", sheet=self.sheet.name, row=self.total[0], column=letter, field=col,
                                       value=total, label=f.label_zh, label_en=f.label_en, total=total, sum=s)
            if figures is not None:
                self._compare(col, f, letter, figures)

    def _compare(self, col: str, f, letter: str, figures: Figures) -> None:
        cats = set(self.rows) | {c for c, n in figures.per_category.items() if c is not None and any(n.values())}
        for cat in sorted(cats):
            row, vals, failed = self.rows.get(cat, (None, {}, set()))
            if col in failed:
                continue
            reported = vals.get(col) or 0
            derived = figures.per_category[cat][col] if cat in figures.per_category else 0
            if reported != derived:
                self.issues.report("C06", sheet=self.sheet.name, row=row, column=letter if row else None,
                                   field=col, value=reported, category=cat,
                                   category_name=CODELISTS["business_category"].name_of(cat),
                                   label=f.label_zh, label_en=f.label_en, reported=reported, derived=derived)
