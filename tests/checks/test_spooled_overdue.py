"""``O01``'s facts taken from the spool (:func:`supervision.checks.spooled.from_spool`) at their edges:
a row is overdue when ``received_date`` + its extension's deadline (§4.2: 15, 30 or 60 days) is
before the period end, exactly as :func:`supervision.checks.facts_handling.overdue_condition` says
in SQL (``received_date < period_end − deadline``). Computed here from the spec's deadlines, row by
row, independently of the polars condition."""

from __future__ import annotations

import datetime as dt

import polars as pl

from supervision.checks.spooled import from_spool
from supervision.ingest.spool import Spool

END = dt.date(2026, 9, 30)
SPEC_DEADLINES = {None: 15, "NONE": 15, "EXT30": 30, "EXT60": 60}  # §4.2; an empty extension is NONE


def _rows():
    rows = []
    for ext, days in SPEC_DEADLINES.items():
        for back in (days - 1, days, days + 1, days + 40):  # inside, on, just past and well past the deadline
            for status in ("OPEN", "CLOSED"):
                rows.append({"ext": ext, "received": END - dt.timedelta(days=back), "status": status})
    return rows


def test_overdue_open_rows_at_the_deadline_edges():
    rows = _rows()
    n = len(rows)
    frame = pl.DataFrame({
        "_row": [i + 2 for i in range(n)], "complaint_id": [f"E{i:03d}" for i in range(n)],
        "received_date": [r["received"] for r in rows], "source": ["DIRECT"] * n,
        "transfer_ref": pl.Series([None] * n, dtype=pl.String), "status": [r["status"] for r in rows],
        "carried_over": [False] * n, "cause": ["C01"] * n, "product_code": pl.Series([None] * n, dtype=pl.String),
        "extension": pl.Series([r["ext"] for r in rows], dtype=pl.String)})
    spool = Spool()
    spool.add(frame.slice(0, n // 2))  # two windows: the count adds up, the ids stay in sheet order
    spool.add(frame.slice(n // 2))
    want = [f"E{i:03d}" for i, r in enumerate(rows)
            if r["status"] == "OPEN" and r["received"] + dt.timedelta(days=SPEC_DEADLINES[r["ext"]]) < END]
    got = from_spool(spool, END).overdue
    assert got.period_end == END and got.count == len(want) == 8  # two past the deadline per extension
    assert list(got.complaint_ids) == want
    assert from_spool(spool).overdue is None  # not asked for: the checks then read the stored rows
