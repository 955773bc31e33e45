# ruff: noqa: S608  (the SQL here is built from the constants of this module only; values are bound)
"""Derive the complaint cube of a version (spec §10.1) with set-based SQL over its stored rows.

Called by the ingest in the version's own transaction, right after the §4.4 figures (nothing is
half-stored); :func:`backfill` derives it for versions stored before the cube existed.
"""

from __future__ import annotations

import logging

from sqlalchemy import exists, select, text

from supervision.analytics.dims import EMPTY, FAVOURABLE, HANDLING_BUCKETS, UNKNOWN_PROVINCE, grains
from supervision.analytics.models import CubeCell, CubeDays
from supervision.domain.codes import CODE_LISTS
from supervision.domain.enums import FilingKind, VersionStatus
from supervision.extensions import db
from supervision.filings.content_models import ComplaintRow
from supervision.filings.models import Filing, FilingVersion

log = logging.getLogger(__name__)


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _handling_sql() -> str:
    whens = " ".join(f"WHEN days_to_close <= {high} THEN {_quote(code)}"
                     for code, _low, high in HANDLING_BUCKETS if high is not None)
    return (f"CASE WHEN status = 'CLOSED' AND days_to_close IS NOT NULL THEN CASE {whens} "
            f"ELSE {_quote(HANDLING_BUCKETS[-1][0])} END ELSE '' END")


def dimension_sql() -> dict[str, str]:
    """SQL expression of every row dimension over ``complaint_row`` (empty values are ``''``; a
    province that is empty or not a listed code is ``99``, §10.1)."""
    provinces = ",".join(_quote(c) for c in CODE_LISTS["province"])
    return {
        "business_category": "business_category",
        "cause": "cause",
        "channel": "channel",
        "province": f"CASE WHEN province IN ({provinces}) THEN province ELSE {_quote(UNKNOWN_PROVINCE)} END",
        "customer_group": "COALESCE(customer_group, '')",
        "source": "source",
        "complaint_type": "COALESCE(complaint_type, '')",
        "outcome": "CASE WHEN status = 'CLOSED' THEN COALESCE(outcome, '') ELSE '' END",
        "extension": "COALESCE(extension, 'NONE')",
        "handling": _handling_sql(),
    }


_RECEIVED = "NOT carried_over"
_CLOSED = "status = 'CLOSED'"
_FAV = ",".join(_quote(o) for o in FAVOURABLE)
MEASURE_SQL = (
    f"SUM(CASE WHEN {_RECEIVED} THEN 1 ELSE 0 END) AS received",
    f"SUM(CASE WHEN {_CLOSED} THEN 1 ELSE 0 END) AS closed",
    f"SUM(CASE WHEN {_CLOSED} AND on_time THEN 1 ELSE 0 END) AS on_time",
    f"SUM(CASE WHEN {_CLOSED} AND outcome IN ({_FAV}) THEN 1 ELSE 0 END) AS favourable",
    f"SUM(CASE WHEN {_CLOSED} AND escalated THEN 1 ELSE 0 END) AS escalated",
    f"SUM(CASE WHEN {_CLOSED} AND COALESCE(extension, 'NONE') <> 'NONE' THEN 1 ELSE 0 END) AS extended",
    f"COALESCE(SUM(CASE WHEN {_RECEIVED} THEN COALESCE(amount, 0) ELSE 0 END), 0) AS amount_sum",
    f"COALESCE(SUM(CASE WHEN {_CLOSED} THEN COALESCE(redress, 0) ELSE 0 END), 0) AS redress_sum",
)
CELL_COLUMNS = ("version_id", "institution_id", "period_id", "dim_a", "val_a", "dim_b", "val_b", "received", "closed",
                "on_time", "favourable", "escalated", "extended", "amount_sum", "redress_sum")


def _grain_select(dims: dict[str, str], a: str, b: str, lead: str, measures: tuple[str, ...], where: str,
                  extra_group: str = "", having: str = "") -> str:
    """``SELECT lead, dim_a, val_a, dim_b, val_b, measures… FROM complaint_row`` of one version at
    the grain (a, b), grouped by the grain's values (and ``extra_group``)."""
    va = dims[a] if a else "''"
    vb = dims[b] if b else "''"
    group = [g for g in ((dims[a] if a else ""), (dims[b] if b else ""), extra_group) if g] or ["version_id"]
    sql = (f"SELECT {lead}, {_quote(a)}, {va}, {_quote(b)}, {vb}, {', '.join(measures)} "
           f"FROM complaint_row WHERE version_id = :v{where} GROUP BY {', '.join(group)}{having}")
    return sql


def derive_cube(version_id: int, institution_id: int, period_id: int, spool=None, grouped=None) -> int:
    """Write the cube of one stored ``CMP`` version (every grain: the total, each dimension, each
    pair; cells and the days histogram). The version's rows are read once and grouped column-wise
    (:mod:`supervision.analytics.columnar`), from ``spool`` when the ingest gives its spooled rows
    (``grouped``: their sums, computed beforehand by :func:`~supervision.analytics.columnar.group_spool`);
    the result is bulk-inserted in the caller's transaction.
    :func:`derive_cube_sql` is the set-based SQL reading of the same definitions (the tests compare
    the two). Returns the number of cells written."""
    from supervision.analytics.columnar import derive

    return derive(version_id, institution_id, period_id, spool, grouped)


def derive_cube_sql(version_id: int, institution_id: int, period_id: int) -> int:
    """The cube by set-based SQL: one INSERT…SELECT…GROUP BY per grain for the cells and the days
    (slower than :func:`derive_cube` — one scan of the version's rows per statement)."""
    params = {"v": version_id, "i": institution_id, "p": period_id}
    dims = dimension_sql()
    cells_cols = ", ".join(CELL_COLUMNS)
    having = f" HAVING SUM(CASE WHEN {_RECEIVED} OR {_CLOSED} THEN 1 ELSE 0 END) > 0"
    n = 0
    for a, b in grains():
        cells = _grain_select(dims, a, b, ":v, :i, :p", MEASURE_SQL, "", having=having)
        n += db.session.execute(text(f"INSERT INTO cube_cell ({cells_cols}) {cells}"), params).rowcount or 0
        days = _grain_select(dims, a, b, ":v", ("days_to_close", "COUNT(*)"),
                             f" AND {_CLOSED} AND days_to_close IS NOT NULL", "days_to_close")
        db.session.execute(text(f"INSERT INTO cube_days ({DAYS_COLUMNS}) {days}"), params)
    return n


DAYS_COLUMNS = "version_id, dim_a, val_a, dim_b, val_b, days, closed_rows"


def delete_cube(version_id: int) -> None:
    """Remove the cube of a version (before deriving it again)."""
    db.session.execute(CubeDays.__table__.delete().where(CubeDays.version_id == version_id))
    db.session.execute(CubeCell.__table__.delete().where(CubeCell.version_id == version_id))


def versions_without_cube():
    """``SELECT`` of stored ``CMP`` versions with complaint rows but no cube (ids, institution, period)."""
    has_rows = exists().where(ComplaintRow.version_id == FilingVersion.id)
    has_cube = exists().where(CubeCell.version_id == FilingVersion.id)
    return (select(FilingVersion.id, Filing.institution_id, Filing.period_id)
            .join(Filing, Filing.id == FilingVersion.filing_id)
            .where(Filing.kind == FilingKind.CMP, has_rows, ~has_cube,
                   FilingVersion.status.in_((VersionStatus.VALIDATED, VersionStatus.ACCEPTED,
                                             VersionStatus.SUPERSEDED, VersionStatus.RETURNED,
                                             VersionStatus.WITHDRAWN)))
            .order_by(FilingVersion.id))


def backfill(*, commit_each: bool = True, rederive: bool = False) -> int:
    """Derive the cube of every stored ``CMP`` version that has none (``rederive``: of every one,
    replacing it). Idempotent; commits after each version so a long backfill can be resumed.
    Returns the number of versions derived."""
    if rederive:
        q = (select(FilingVersion.id, Filing.institution_id, Filing.period_id)
             .join(Filing, Filing.id == FilingVersion.filing_id)
             .where(Filing.kind == FilingKind.CMP, exists().where(ComplaintRow.version_id == FilingVersion.id))
             .order_by(FilingVersion.id))
    else:
        q = versions_without_cube()
    todo = db.session.execute(q).all()
    for vid, inst_id, period_id in todo:
        delete_cube(vid)
        derive_cube(vid, inst_id, period_id)
        if commit_each:
            db.session.commit()
    log.info("cube derived for %s versions", len(todo))
    return len(todo)


__all__ = ["EMPTY", "backfill", "delete_cube", "derive_cube", "dimension_sql", "versions_without_cube"]
