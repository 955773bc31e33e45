"""Read-side queries of filings, always through :mod:`supervision.scope`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import func, select

from supervision.domain.enums import ReportingStatus, Severity
from supervision.domain.reporting import reporting_status
from supervision.extensions import db
from supervision.filings.content_models import ComplaintRow, ValidationIssue
from supervision.filings.models import Filing, FilingVersion
from supervision.ingest.issues import Issue
from supervision.scope import visible_filings
from supervision.timeutil import as_utc

#: code-valued columns of 投诉明细 the complaint-row list filters on by equality (``?cause=C13``)
ROW_FILTERS = ("business_category", "cause", "status", "source", "product_code", "complaint_type", "channel",
               "outcome", "extension", "province", "customer_group")
#: yes/no columns it filters on (``?on_time=1``)
ROW_FLAGS = ("carried_over", "on_time", "escalated")
ROW_LIMIT = 2000


@dataclass(frozen=True)
class ComplaintRows:
    """One page of a version's complaint rows: the rows (row order), the exact total, the page
    limit and the filters applied (for the page's summary line)."""

    rows: list[ComplaintRow]
    total: int
    limit: int
    applied: dict[str, str]


def complaint_rows(version: FilingVersion, args: Mapping[str, str], limit: int = ROW_LIMIT) -> ComplaintRows:
    """The complaint rows of a stored version filtered by ``args`` (:data:`ROW_FILTERS`,
    :data:`ROW_FLAGS` as ``0``/``1``, ``ids`` as a comma list of complaint ids, at most 1,000) — the
    drill-down target of figures and findings."""
    q = select(ComplaintRow).where(ComplaintRow.version_id == version.id)
    applied = {}
    for key in ROW_FILTERS:
        val = args.get(key)
        if val:
            q = q.where(getattr(ComplaintRow, key) == val)
            applied[key] = val
    for key in ROW_FLAGS:
        val = args.get(key)
        if val in ("0", "1"):
            q = q.where(getattr(ComplaintRow, key).is_(val == "1"))
            applied[key] = val
    if args.get("ids"):
        ids = [i for i in args["ids"].split(",") if i][:1000]
        q = q.where(ComplaintRow.complaint_id.in_(ids))
        applied["ids"] = ",".join(ids[:5]) + ("…" if len(ids) > 5 else "")
    total = db.session.scalar(select(func.count()).select_from(q.subquery()))
    rows = list(db.session.scalars(q.order_by(ComplaintRow.row_no).limit(limit)))
    return ComplaintRows(rows, total, limit, applied)


@dataclass(frozen=True)
class FilingState:
    """A filing as the list shows it (issue 10 item 2): the effective state first — the version
    that counts, or none — then the last attempt, the due date and the reporting status (on time,
    late, not filed: :mod:`supervision.domain.reporting`)."""

    counting: FilingVersion | None
    latest: FilingVersion | None
    status: ReportingStatus
    due_date: object


def filing_state(filing: Filing) -> FilingState:
    """The effective state of one filing (its versions loaded)."""
    counting = filing.version_that_counts
    first = filing.first_without_blocking_errors
    status = reporting_status(counting is not None, as_utc(first.uploaded_at) if first else None,
                              filing.period.due_at)
    return FilingState(counting, filing.versions[-1] if filing.versions else None, status, filing.period.due_date)


def visible_version(user, version_id: int) -> FilingVersion | None:
    """The version if the user may see its filing, else None (views answer 404)."""
    return db.session.scalar(select(FilingVersion).where(
        FilingVersion.id == version_id,
        FilingVersion.filing_id.in_(visible_filings(user).with_only_columns(Filing.id))))


def issues_of(version: FilingVersion, rule: str | None = None, severity: str | None = None,
              limit: int | None = None) -> list[ValidationIssue]:
    """Listed issues of a version in sheet/row order, optionally filtered."""
    q = select(ValidationIssue).where(ValidationIssue.version_id == version.id)
    if rule:
        q = q.where(ValidationIssue.rule == rule)
    if severity:
        q = q.where(ValidationIssue.severity == severity)
    q = q.order_by(ValidationIssue.id)
    if limit:
        q = q.limit(limit)
    return list(db.session.scalars(q))


def issue_groups(version: FilingVersion) -> list[dict]:
    """Issues grouped by rule: exact total, listed count, severity and the first cells."""
    from supervision.rules import catalog

    listed = dict(db.session.execute(select(ValidationIssue.rule, func.count()).where(
        ValidationIssue.version_id == version.id).group_by(ValidationIssue.rule)).all())
    groups = []
    for rule, total in sorted((version.rule_totals or {}).items(),
                              key=lambda kv: (catalog.get(kv[0]).severity != Severity.BLOCKING, kv[0])):
        r = catalog.get(rule)
        first = db.session.scalars(select(ValidationIssue).where(ValidationIssue.version_id == version.id,
                                                                 ValidationIssue.rule == rule)
                                   .order_by(ValidationIssue.id).limit(5)).all()
        groups.append({"rule": rule, "severity": r.severity, "title_zh": r.title_zh, "title_en": r.title_en,
                       "total": total, "listed": listed.get(rule, 0), "first": first})
    return groups


def as_issue(row: ValidationIssue) -> Issue:
    """A stored issue as the pure :class:`Issue` (for the annotated workbook)."""
    return Issue(row.rule, row.severity, row.sheet, row.row, row.column, row.field, row.value, row.message_zh,
                 row.message_en)


def issue_dict(row: ValidationIssue) -> dict:
    """JSON shape of an issue: ``{rule, severity, sheet, row, column, value, message}``."""
    return {"rule": row.rule, "severity": row.severity, "sheet": row.sheet, "row": row.row, "column": row.column,
            "field": row.field, "value": row.value, "message": f"{row.message_zh} / {row.message_en}",
            "message_zh": row.message_zh, "message_en": row.message_en}
