"""``/api/v1/periods``: the reporting periods (every role reads them)."""

from __future__ import annotations

from flask_login import login_required
from flask_smorest import Blueprint
from sqlalchemy import select

from supervision.api.paging import keyset_page
from supervision.api.schemas import CursorArgsSchema, page_schema
from supervision.domain.calendar import today_local
from supervision.periods.models import Period
from supervision.periods.schemas import PeriodSchema

blp = Blueprint("api_periods", __name__, url_prefix="/api/v1", description="Reporting periods (§2)")
PeriodPage = page_schema(PeriodSchema, "PeriodPage")


def period_dict(p: Period) -> dict:
    """A period with its lock state today."""
    return {"id": p.id, "code": p.code, "start_date": p.start_date, "end_date": p.end_date, "due_date": p.due_date,
            "lock_date": p.lock_date, "locked": p.is_locked(today_local())}


@blp.get("/periods")
@login_required
@blp.arguments(CursorArgsSchema, location="query")
@blp.response(200, PeriodPage)
def periods(args):
    """The reporting periods, newest first."""
    rows, nxt = keyset_page(select(Period), Period.id, "periods", args["cursor"], args["limit"])
    return {"items": [period_dict(p) for p in rows], "next_cursor": nxt}
