"""Deriving the customer-group facts of a version at acceptance (set-based SQL, flushes only)."""

from __future__ import annotations

from sqlalchemy import and_, case, delete, exists, func, insert, literal, select

from supervision.extensions import db
from supervision.filings.bulkload import FAVOURABLE
from supervision.filings.content_models import ComplaintRow
from supervision.vulnerable.models import GroupCause, GroupFact

#: the group of rows without a ``customer_group`` (the column is required; this is a safeguard)
NO_GROUP = "NONE"


def is_derived(version_id: int) -> bool:
    """Whether the version's group facts are stored (a version with rows always has one)."""
    return bool(db.session.scalar(select(exists().where(GroupFact.version_id == version_id))))


def derive_groups(version_id: int, institution_id: int, period_id: int) -> None:
    """(Re)compute the version's :class:`GroupFact` and :class:`GroupCause` rows with INSERT … SELECT."""
    c = ComplaintRow
    db.session.execute(delete(GroupFact).where(GroupFact.version_id == version_id))
    db.session.execute(delete(GroupCause).where(GroupCause.version_id == version_id))
    group = func.coalesce(c.customer_group, NO_GROUP)
    closed = c.status == "CLOSED"

    def n(cond):
        return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)

    facts = (select(literal(version_id), group, literal(institution_id), literal(period_id),
                    n(c.carried_over.is_(False)), n(closed), n(and_(closed, c.on_time.is_(True))),
                    n(and_(closed, c.outcome.in_(FAVOURABLE))), n(and_(closed, c.escalated.is_(True))),
                    func.coalesce(func.sum(case((closed, func.coalesce(c.days_to_close, 0)), else_=0)), 0))
             .where(c.version_id == version_id).group_by(group))
    db.session.execute(insert(GroupFact.__table__).from_select(
        ["version_id", "customer_group", "institution_id", "period_id", "received", "closed", "on_time",
         "favourable", "escalated", "days_sum"], facts))
    causes = (select(literal(version_id), group, c.cause, func.count())
              .where(c.version_id == version_id, c.carried_over.is_(False)).group_by(group, c.cause))
    db.session.execute(insert(GroupCause.__table__).from_select(
        ["version_id", "customer_group", "cause", "received"], causes))
    db.session.flush()


def groups_from_spool(spool) -> tuple[list[dict], list[dict]]:
    """The :class:`GroupFact` and :class:`GroupCause` figures of a version from its spooled rows (the
    ingest's store, in a thread beside the bulk load: polars groups without the GIL), without the
    version's keys: the same sums as :func:`derive_groups` over the stored rows
    (``tests/lens/test_groups_spool.py`` compares them on both databases)."""
    import polars as pl

    group = pl.col("customer_group").fill_null(NO_GROUP).alias("customer_group")
    closed = pl.col("status") == "CLOSED"
    received = pl.col("carried_over") == False  # noqa: E712 (null: not counted, as IS FALSE in SQL)
    sums = [received.fill_null(False).sum().alias("received"), closed.fill_null(False).sum().alias("closed"),
            (closed & (pl.col("on_time") == True)).fill_null(False).sum().alias("on_time"),  # noqa: E712
            (closed & pl.col("outcome").is_in(list(FAVOURABLE))).fill_null(False).sum().alias("favourable"),
            (closed & (pl.col("escalated") == True)).fill_null(False).sum().alias("escalated"),  # noqa: E712
            pl.when(closed.fill_null(False)).then(pl.col("days_to_close").fill_null(0)).otherwise(0)
            .cast(pl.Int64).sum().alias("days_sum")]
    columns = ["customer_group", "status", "carried_over", "on_time", "outcome", "escalated", "days_to_close",
               "cause"]
    facts, causes = [], []
    for frame in spool.frames():
        part = frame.select(columns).with_columns(group)
        facts.append(part.group_by("customer_group").agg(sums))
        causes.append(part.filter(received.fill_null(False)).group_by("customer_group", "cause").len("received"))
    if not facts:
        return [], []
    names = ["received", "closed", "on_time", "favourable", "escalated", "days_sum"]
    fact_rows = pl.concat(facts).group_by("customer_group").agg(pl.col(names).sum()).sort("customer_group")
    cause_rows = (pl.concat(causes).group_by("customer_group", "cause").agg(pl.col("received").sum())
                  .sort("customer_group", "cause"))
    return ([{k: (int(v) if k in names else v) for k, v in r.items()} for r in fact_rows.iter_rows(named=True)],
            [{**r, "received": int(r["received"])} for r in cause_rows.iter_rows(named=True)])


def insert_groups(version_id: int, institution_id: int, period_id: int, figures: tuple[list[dict], list[dict]]
                  ) -> None:
    """Insert the version's group figures made by :func:`groups_from_spool` (in the caller's transaction)."""
    facts, causes = figures
    if facts:
        db.session.execute(insert(GroupFact.__table__), [
            {"version_id": version_id, "institution_id": institution_id, "period_id": period_id, **r} for r in facts])
    if causes:
        db.session.execute(insert(GroupCause.__table__), [{"version_id": version_id, **r} for r in causes])
