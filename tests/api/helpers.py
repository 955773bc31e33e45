"""Helpers of the API tests: tokens through the real service, bearer headers, a valid CMP workbook."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from tests.filings.workbooks import cmp_workbook, detail_row


def token_for(user, scope: str, days: int = 30) -> str:
    """A token secret for ``user`` created through the service (flushed, not committed)."""
    from supervision.tokens.services import create_token

    return create_token(None, user, scope, days, f"test {scope}")[1]


def bearer(secret: str, **extra) -> dict:
    """Request headers carrying the token."""
    return {"Authorization": f"Bearer {secret}", **extra}


def good_rows(start: dt.date) -> list[dict]:
    """Complaint rows that pass every blocking rule (one row carried over from the previous quarter)."""
    d = lambda n: start + dt.timedelta(days=n)  # noqa: E731
    return [
        detail_row("A-1", d(2), closed=d(9), outcome="UPHELD"),
        detail_row("A-2", d(5), status="OPEN", source="REGULATOR", transfer_ref="12378-1", category="B05"),
        detail_row("A-3", d(10), closed=d(45), extension="EXT30", outcome="NOT_UPHELD", escalated=True),
        detail_row("A-4", start - dt.timedelta(days=20), closed=d(3), outcome="SETTLED", category="B05"),
    ]


def good_workbook(path: Path, inst, period, rows=None) -> Path:
    """A CMP workbook for ``inst`` and ``period`` filled as a filer would."""
    return cmp_workbook(path, code=inst.code, name=inst.name, period=period.code,
                        rows=rows if rows is not None else good_rows(period.start_date),
                        period_start=period.start_date)
