"""Reference: the detail sheet validated row by row, as the platform did before the column-wise path.

Kept for the differential tests only (:mod:`tests.ingest.test_columnar`): the row reader, then
``open_table`` + ``_Unique`` + ``DetailChecks`` per record, exactly as ``_validate_cmp`` ran them.
"""

from __future__ import annotations

from supervision.ingest.cmpchecks import Context, DetailChecks
from supervision.ingest.issues import IssueCollector
from supervision.ingest.rowconv import open_table
from supervision.ingest.templates import template_for
from supervision.ingest.validate import _Unique


def reference_detail(workbook, ctx: Context, cap: int = 200) -> dict:
    """Issues, figures, row count and converted rows of the detail sheet, row by row."""
    sheet = template_for("CMP").sheet("detail")
    issues = IssueCollector(cap_per_rule=cap)
    checks = DetailChecks(sheet, ctx, issues)
    unique = _Unique(sheet, issues)
    counts: dict[str, int] = {}
    cmap, records = open_table(sheet, workbook.rows("投诉明细"), issues, counts)
    if ctx.sector == "PAY" and not cmap.has("complaint_type"):
        issues.report("C08", variant="column", sheet=sheet.name, row=1, field="complaint_type")
    rows = []
    for rec in records:
        unique.check(rec)
        values = checks.check(rec)
        rows.append({"_row": rec.row, **values})
    checks.finish()
    return {"issues": [i.as_dict() for i in issues], "totals": issues.totals, "rows": rows,
            "count": counts.get("detail", 0), "derived": dict(checks.figures.totals),
            "by_category": {k: dict(v) for k, v in checks.figures.per_category.items() if k}}
